/**
 * The run's shared objects, made of `@baton/core`'s shared-memory primitives: created on the
 * page ({@link createShared}) and sent to each worker as handles, which rebuilds them with
 * `openBackends` (`../worker/backends.ts`).
 *
 * Each run gets its own agent registry, so that `findDeadlock()` reads only this run's workers
 * and locks, and the page names itself `setup` in it (it holds the locks declared
 * `{ locked: true }` until a worker releases them).
 *
 * @module
 */
import {
  registerAgent,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedRegistry,
  SharedSemaphore,
  useRegistry,
  type Deadlock,
  type SharedHandle,
} from '@baton/core';
import type { Declarations, Settings, SharedHandles } from '../common/protocol.js';

/** The page's side of a run's shared objects. */
export interface SharedRun {
  readonly handles: SharedHandles;
  /** The run's registry: its workers' agents, and the gate the page steps them through. */
  readonly registry: SharedRegistry;
  /** Asks the run's registry whether its agents are deadlocked, from shared memory alone. */
  findDeadlock(): Deadlock | undefined;
}

/**
 * Creates the run's queue, locks, semaphores, events and cells, and the sequence counter.
 *
 * @example
 * ```ts
 * const shared = createShared(scanDeclarations(panes, settings), settings);
 * worker.postMessage({ handles: shared.handles });
 * ```
 */
export function createShared(declarations: Declarations, settings: Settings): SharedRun {
  // `record`: the steps a run keeps for Replay (a longer run replays up to there).
  const registry = SharedRegistry.create({ maxAgents: 32, maxPrimitives: 256, record: 1 << 16 });
  useRegistry(registry);
  registerAgent('setup');
  // 1 kB per item: a value whose JSON is larger is refused with a CodecError naming it.
  const queue = new SharedQueue<unknown>({
    capacity: settings.capacity,
    codec: 'json',
    name: 'queue',
    slotSize: 1024,
  });
  const locks: Record<string, SharedHandle> = {};
  for (const { name, locked } of declarations.locks) {
    const lock = new SharedLock({ name });
    // Held from the start by the page: the lesson's constructor that acquires consumer_lock.
    if (locked && !lock.tryAcquire()) throw new Error(`could not hold lock '${name}' at the start`);
    locks[name] = lock.handle;
  }
  const semaphores: Record<string, SharedHandle> = {};
  for (const { name, value } of declarations.semaphores) {
    semaphores[name] = new SharedSemaphore(value, { name }).handle;
  }
  const events: Record<string, SharedHandle> = {};
  for (const name of declarations.events) events[name] = new SharedEvent({ name }).handle;
  const cells: Record<string, SharedArrayBuffer> = {};
  for (const name of declarations.cells) cells[name] = new SharedArrayBuffer(8);
  return {
    handles: {
      queue: queue.handle,
      locks,
      semaphores,
      events,
      cells,
      sequence: new SharedArrayBuffer(4),
    },
    registry,
    findDeadlock: () => registry.findDeadlock(),
  };
}
