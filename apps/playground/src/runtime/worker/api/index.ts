/**
 * The API that user code sees in a worker: `queue`, `lock(name)`, `semaphore(name, n)`,
 * `event(name)`, `cell(name)`, `sleep(ms)`, `log(...)`, `random()`, and a few constants.
 *
 * Every call reports what it does as an event (see `protocol.ts`), so the page can draw the
 * timeline and judge the run, and is one step at the worker's gate in `@baton/core` (see
 * `context.ts`), so the page can step the run and replay it. One adapter per primitive: `permits.ts` (lock, semaphore), `event.ts`,
 * `queue.ts`, `cell.ts`, `console.ts`; the numbering rule they share is in `context.ts`.
 *
 * Each blocking call has an async twin (`acquireAsync`, `putAsync`, ...): the blocking form uses
 * `Atomics.wait` and stops the worker's event loop; the async form awaits and lets timers and
 * promises in the same worker go on.
 *
 * @module
 */
import { safeString } from '../../common/compile.js';
import type { Settings, WorkerSpec } from '../../common/protocol.js';
import type { Backends } from '../backends.js';
import type { Reporter } from '../reporter.js';
import { cellAdapter, type UserCell } from './cell.js';
import { logAdapter } from './console.js';
import { createContext } from './context.js';
import { eventAdapter, type UserEvent } from './event.js';
import { permitAdapter, type UserLock, type UserSemaphore } from './permits.js';
import { FINISH, queueAdapter, type UserQueue } from './queue.js';

export { FINISH } from './queue.js';
export { LINE_LIMIT, LOG_LIMIT } from './console.js';
export type { UserCell } from './cell.js';
export type { UserEvent } from './event.js';
export type { UserLock, UserSemaphore } from './permits.js';
export type { UserQueue } from './queue.js';

/** Everything user code can name, in the order of the compiled function's parameters. */
export interface UserApi {
  queue: UserQueue;
  lock(name: string, options?: { locked?: boolean }): UserLock;
  semaphore(name: string, value?: number): UserSemaphore;
  event(name: string): UserEvent;
  cell(name: string, options?: { channel?: boolean }): UserCell;
  sleep(ms: number): void;
  sleepAsync(ms: number): Promise<void>;
  log(...values: unknown[]): void;
  /** `console.log` and friends write to the playground's console, like `log`. */
  console: Pick<Console, 'log' | 'info' | 'debug' | 'warn' | 'error'>;
  random(min?: number, max?: number): number;
  FINISH: typeof FINISH;
  settings: Settings;
  role: WorkerSpec['role'];
  /** 1-based index among the workers of the same role. */
  index: number;
  /** `'producer 1'`. */
  name: string;
}

export { API_NAMES } from '../../common/api-names.js';

function checkMs(field: string, ms: unknown): number {
  if (ms === Infinity) {
    throw new RangeError(
      `${field}: Infinity would never return; to wait until another worker says so, use an event: event('go').wait()`,
    );
  }
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(
      `${field}: expected a non-negative number of milliseconds, got ${safeString(ms)}`,
    );
  }
  return ms;
}

function undeclared(kind: string, name: unknown): Error {
  return new ReferenceError(
    `${kind}(${safeString(name)}) was not created for this run: write its name as a string literal, e.g. ${kind}('my_${kind}'), so that the page can create it for every worker before the run`,
  );
}

/** `random()` from a seed: a run replayed with the same seed draws the same numbers. */
export function seededRandom(seed: number): () => number {
  // mulberry32: tiny, fast, and good enough for example data.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How a worker's API is wired beyond its primitives. */
export interface ApiOptions {
  /** Seed of `random()`; by default `Math.random` is used. */
  readonly seed?: number;
  /** The cells whose values are items (see `Declarations.channels`); by default every cell. */
  readonly channels?: ReadonlySet<string>;
}

/** Memoises one adapter per name, and refuses names the page did not create. */
function named<B, T>(
  kind: string,
  table: ReadonlyMap<string, B>,
  make: (name: string, backend: B) => T,
): (name: string) => T {
  const made = new Map<string, T>();
  return (name) => {
    const found = made.get(name);
    if (found !== undefined) return found;
    const backend = typeof name === 'string' ? table.get(name) : undefined;
    if (backend === undefined) throw undeclared(kind, name);
    const adapter = make(name, backend);
    made.set(name, adapter);
    return adapter;
  };
}

/**
 * Builds the API for one worker.
 *
 * @example
 * ```ts
 * const api = createApi(spec, settings, backends, reporter);
 * api.queue.put(42); // blocks while the queue is full
 * ```
 */
export function createApi(
  spec: WorkerSpec,
  settings: Settings,
  backends: Backends,
  reporter: Reporter,
  options: ApiOptions = {},
): UserApi {
  const ctx = createContext(spec, settings, reporter);
  const draw =
    options.seed === undefined ? Math.random : seededRandom(options.seed + spec.id * 0x9e3779b9);
  const { log, console } = logAdapter(ctx);
  const lock = named('lock', backends.locks, (name, b): UserLock =>
    permitAdapter(ctx, 'lock', name, b),
  );
  const semaphore = named('semaphore', backends.semaphores, (name, b): UserSemaphore =>
    permitAdapter(ctx, 'semaphore', name, b),
  );
  const event = named('event', backends.events, (name, b): UserEvent => eventAdapter(ctx, name, b));
  const cell = named('cell', backends.cells, (name, b): UserCell =>
    cellAdapter(ctx, name, b, options.channels?.has(name) ?? true),
  );
  const queue: UserQueue = queueAdapter(ctx, backends.queue);

  return {
    queue,
    lock: (name) => lock(name),
    semaphore: (name) => semaphore(name),
    event,
    cell: (name) => cell(name),
    sleep(ms) {
      checkMs('sleep(ms)', ms);
      reporter.emit({ kind: 'sleep', ms });
      reporter.flush();
      ctx.sleep(ms);
      reporter.emit({ kind: 'wake' });
    },
    async sleepAsync(ms) {
      checkMs('sleepAsync(ms)', ms);
      reporter.emit({ kind: 'sleep', ms });
      reporter.flush();
      await new Promise((resolve) => setTimeout(resolve, ms));
      reporter.emit({ kind: 'wake' });
    },
    log,
    random(min, max) {
      if (min === undefined && max === undefined) return draw();
      const lo = Math.ceil(min ?? 0);
      const hi = Math.floor(max ?? lo);
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
        throw new RangeError(
          `random(min, max): expected min <= max, got ${safeString(min)} and ${safeString(max)}`,
        );
      }
      return lo + Math.floor(draw() * (hi - lo + 1));
    },
    console,
    FINISH,
    settings,
    role: spec.role,
    index: spec.index,
    name: spec.name,
  };
}
