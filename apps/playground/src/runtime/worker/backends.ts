/**
 * What the worker API needs from the shared primitives it wraps: the blocking, async and
 * non-waiting forms of each call, and {@link openBackends}, which rebuilds them in a worker from
 * `@baton/core`'s `SharedLock`, `SharedSemaphore`, `SharedEvent` and `SharedQueue` handles.
 *
 * @module
 */
import {
  registerAgent,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedSemaphore,
  type SharedHandle,
  type SharedQueueHandle,
} from '@baton/core';
import type { SharedHandles } from '../common/protocol.js';

/** A lock or a semaphore: something with permits. */
export interface PermitBackend {
  tryAcquire(): boolean;
  acquireSync(): void;
  acquire(): Promise<void>;
  release(): void;
}

export interface EventBackend {
  isSet(): boolean;
  set(): void;
  clear(): void;
  waitSync(): void;
  wait(): Promise<void>;
}

export interface QueueBackend {
  tryPut(value: unknown): boolean;
  putSync(value: unknown): void;
  put(value: unknown): Promise<void>;
  tryGet(): { ok: true; value: unknown } | { ok: false };
  getSync(): unknown;
  get(): Promise<unknown>;
  readonly size: number;
  readonly capacity: number;
}

/** The shared objects of one run, as one worker sees them. */
export interface Backends {
  readonly queue: QueueBackend;
  readonly locks: ReadonlyMap<string, PermitBackend>;
  readonly semaphores: ReadonlyMap<string, PermitBackend>;
  readonly events: ReadonlyMap<string, EventBackend>;
  /** Each cell: `Int32Array(2)` = `[value, tag]` over its own SharedArrayBuffer. */
  readonly cells: ReadonlyMap<string, Int32Array>;
}

/** Rebuilds the run's shared objects in a worker, named `agent` in the registry. */
export function openBackends(handles: SharedHandles, agent: string): Backends {
  registerAgent(agent);
  const queue = SharedQueue.from(handles.queue as SharedQueueHandle);
  const permits = (
    table: Readonly<Record<string, unknown>>,
    from: (handle: unknown) => PermitBackend,
  ): Map<string, PermitBackend> =>
    new Map(Object.entries(table).map(([name, handle]) => [name, from(handle)]));
  const queueBackend: QueueBackend = {
    tryPut: (value) => queue.tryPut(value),
    putSync: (value) => queue.putSync(value),
    put: (value) => queue.put(value),
    tryGet: () => queue.tryGet(),
    getSync: () => queue.getSync(),
    get: () => queue.get(),
    get size() {
      return queue.size;
    },
    get capacity() {
      return queue.capacity;
    },
  };
  return {
    queue: queueBackend,
    locks: permits(handles.locks, (h) => SharedLock.from(h as SharedHandle<'SharedLock'>)),
    semaphores: permits(handles.semaphores, (h) =>
      SharedSemaphore.from(h as SharedHandle<'SharedSemaphore'>),
    ),
    events: new Map(
      Object.entries(handles.events).map(([name, handle]): [string, EventBackend] => {
        const event = SharedEvent.from(handle as SharedHandle<'SharedEvent'>);
        return [
          name,
          {
            isSet: () => event.isSet,
            set: () => event.set(),
            clear: () => event.clear(),
            waitSync: () => event.waitSync(),
            wait: () => event.wait(),
          },
        ];
      }),
    ),
    cells: new Map(
      Object.entries(handles.cells).map(([name, buffer]) => [name, new Int32Array(buffer, 0, 2)]),
    ),
  };
}
