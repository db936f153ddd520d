/**
 * The API that user code sees in a worker: `queue`, `lock(name)`, `semaphore(name, n)`,
 * `event(name)`, `cell(name)`, `sleep(ms)`, `log(...)`, `random()`, and a few constants.
 *
 * Every call reports what it does as an event (see `protocol.ts`), so the page can draw the
 * timeline and judge the run. The numbering rule that keeps the page's replay in the real
 * order: a call that lets someone else go on (release, set, clear) draws its number *before*
 * acting; a call that took something (acquire, put, get, a wait that ended) draws it *after*.
 *
 * Each blocking call has an async twin (`acquireAsync`, `putAsync`, ...): the blocking form uses
 * `Atomics.wait` and stops the worker's event loop; the async form awaits and lets timers and
 * promises in the same worker go on.
 *
 * @module
 */
import { safeString } from './compile.js';
import type { Backends, PermitBackend } from './backends.js';
import type { Reporter } from './reporter.js';
import type {
  EventBody,
  ItemId,
  Settings,
  WaitTarget,
  WorkerEvent,
  WorkerSpec,
} from './protocol.js';

/** The sentinel a producer sends to say it has finished (the lesson's `FINISH`). */
export const FINISH = 'FINISH';

/** A cell's tag for "FINISH was written"; 0 means "never written". */
const FINISH_TAG = -1;
/** Console lines a worker may send in one run; more would only flood the page. */
export const LOG_LIMIT = 10_000;
/** Item numbers per worker that fit a cell's tag: `worker * ITEMS_PER_WORKER + n + 1`. */
const ITEMS_PER_WORKER = 65536;

/** A value on the queue: who made it and which of its items it is, or the FINISH sentinel. */
type Envelope =
  | { readonly from: number; readonly n: number; readonly value: unknown }
  | { readonly finish: true };

/** What `lock(name)` returns. */
export interface UserLock {
  acquire(): void;
  acquireAsync(): Promise<void>;
  tryAcquire(): boolean;
  release(): void;
}

/** What `semaphore(name, n)` returns. */
export type UserSemaphore = UserLock;

/** What `event(name)` returns. */
export interface UserEvent {
  set(): void;
  clear(): void;
  isSet(): boolean;
  wait(): void;
  waitAsync(): Promise<void>;
}

/** What `cell(name)` returns: one integer shared by all workers, with no synchronisation. */
export interface UserCell {
  set(value: number | typeof FINISH): void;
  get(): number | typeof FINISH;
}

/** What `queue` is. */
export interface UserQueue {
  put(value: unknown): void;
  putAsync(value: unknown): Promise<void>;
  get(): unknown;
  getAsync(): Promise<unknown>;
  readonly size: number;
  readonly capacity: number;
}

/** Everything user code can name, in the order of the compiled function's parameters. */
export interface UserApi {
  queue: UserQueue;
  lock(name: string, options?: { locked?: boolean }): UserLock;
  semaphore(name: string, value?: number): UserSemaphore;
  event(name: string): UserEvent;
  cell(name: string): UserCell;
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

/** The parameter names of the compiled user function, matching {@link UserApi}'s keys. */
export const API_NAMES = [
  'queue',
  'lock',
  'semaphore',
  'event',
  'cell',
  'sleep',
  'sleepAsync',
  'log',
  'console',
  'random',
  'FINISH',
  'settings',
  'role',
  'index',
  'name',
] as const satisfies readonly (keyof UserApi)[];

function checkMs(field: string, ms: unknown): number {
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
): UserApi {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const blockingSleep = (ms: number): void => {
    // Nobody ever notifies `pause`: this is a plain sleep that still lets `terminate()` in.
    if (ms > 0) Atomics.wait(pause, 0, 0, ms);
  };
  const asyncSleep = (ms: number): Promise<void> =>
    new Promise((resolve) => setTimeout(resolve, ms));
  /** Slow motion: every primitive call waits `settings.delay` ms after it completes. */
  const slow = (): void => blockingSleep(settings.delay);
  const slowAsync = (): Promise<void> =>
    settings.delay > 0 ? asyncSleep(settings.delay) : Promise.resolve();

  let produced = 0;
  const nextItem = (): ItemId => {
    if (produced >= ITEMS_PER_WORKER - 1) {
      throw new RangeError(`a worker may make at most ${ITEMS_PER_WORKER - 1} items per run`);
    }
    return [spec.id, produced++];
  };

  /** Runs a call that may block: try first, report the wait only when it really waits. */
  const blocking = <T>(
    on: WaitTarget,
    attempt: () => { ok: true; value: T } | { ok: false },
    wait: () => T,
  ): T => {
    const first = attempt();
    if (first.ok) return first.value;
    reporter.emit({ kind: 'block', on });
    reporter.flush();
    return wait();
  };
  const blockingAsync = async <T>(
    on: WaitTarget,
    attempt: () => { ok: true; value: T } | { ok: false },
    wait: () => Promise<T>,
  ): Promise<T> => {
    const first = attempt();
    if (first.ok) return first.value;
    reporter.emit({ kind: 'block', on });
    reporter.flush();
    return wait();
  };
  const tryBool = (f: () => boolean) => (): { ok: true; value: undefined } | { ok: false } =>
    f() ? { ok: true, value: undefined } : { ok: false };

  /** Reports a release-like action with the number drawn before it, even if it throws. */
  const before = (body: EventBody, action: () => void): void => {
    const seq = reporter.draw();
    try {
      action();
    } catch (error) {
      reporter.emit(
        {
          kind: 'log',
          text: `${body.kind} failed: ${error instanceof Error ? error.message : safeString(error)}`,
        },
        seq,
      );
      throw error;
    }
    reporter.emit(body, seq);
  };

  const permits = (prim: 'lock' | 'semaphore', name: string, backend: PermitBackend): UserLock => {
    const on: WaitTarget = { kind: prim, name };
    return {
      acquire() {
        blocking(
          on,
          tryBool(() => backend.tryAcquire()),
          () => backend.acquireSync(),
        );
        reporter.emit({ kind: 'acquired', prim, name });
        slow();
      },
      async acquireAsync() {
        await blockingAsync(
          on,
          tryBool(() => backend.tryAcquire()),
          () => backend.acquire(),
        );
        reporter.emit({ kind: 'acquired', prim, name });
        await slowAsync();
      },
      tryAcquire() {
        const ok = backend.tryAcquire();
        if (ok) reporter.emit({ kind: 'acquired', prim, name });
        return ok;
      },
      release() {
        before({ kind: 'released', prim, name }, () => backend.release());
      },
    };
  };

  let lines = 0;
  const log = (...values: unknown[]): void => {
    lines++;
    if (lines < LOG_LIMIT) {
      reporter.emit({ kind: 'log', text: values.map(safeString).join(' ') });
    } else if (lines === LOG_LIMIT) {
      reporter.emit({
        kind: 'log',
        text: `(${LOG_LIMIT - 1} lines logged: the rest of this worker's output is not shown; the run goes on)`,
      });
    }
  };
  const consoleLike = {
    log,
    info: log,
    debug: log,
    warn: (...values: unknown[]) => log('warning:', ...values),
    error: (...values: unknown[]) => log('error:', ...values),
  };

  const locks = new Map<string, UserLock>();
  const semaphores = new Map<string, UserSemaphore>();
  const events = new Map<string, UserEvent>();
  const cells = new Map<string, UserCell>();

  const encode = (value: unknown): { envelope: Envelope; item: ItemId | null } => {
    if (value === FINISH) return { envelope: { finish: true }, item: null };
    const item = nextItem();
    return { envelope: { from: item[0], n: item[1], value }, item };
  };
  const onPut = (item: ItemId | null, value: unknown): void => {
    reporter.emit({ kind: 'put', item, value: safeString(value), to: 'queue' });
  };
  const onGet = (envelope: unknown): unknown => {
    const e = envelope as Envelope;
    const item: ItemId | null = 'finish' in e ? null : [e.from, e.n];
    const value = 'finish' in e ? FINISH : e.value;
    reporter.emit({ kind: 'get', item, value: safeString(value), from: 'queue' });
    return value;
  };

  const queueBackend = backends.queue;
  const queue: UserQueue = {
    put(value) {
      const { envelope, item } = encode(value);
      blocking(
        { kind: 'queue', name: 'queue', for: 'not_full' },
        tryBool(() => queueBackend.tryPut(envelope)),
        () => queueBackend.putSync(envelope),
      );
      onPut(item, value);
      slow();
    },
    async putAsync(value) {
      const { envelope, item } = encode(value);
      await blockingAsync(
        { kind: 'queue', name: 'queue', for: 'not_full' },
        tryBool(() => queueBackend.tryPut(envelope)),
        () => queueBackend.put(envelope),
      );
      onPut(item, value);
      await slowAsync();
    },
    get() {
      const envelope = blocking(
        { kind: 'queue', name: 'queue', for: 'not_empty' },
        () => queueBackend.tryGet(),
        () => queueBackend.getSync(),
      );
      const value = onGet(envelope);
      slow();
      return value;
    },
    async getAsync() {
      const envelope = await blockingAsync(
        { kind: 'queue', name: 'queue', for: 'not_empty' },
        () => queueBackend.tryGet(),
        () => queueBackend.get(),
      );
      const value = onGet(envelope);
      await slowAsync();
      return value;
    },
    get size() {
      return queueBackend.size;
    },
    get capacity() {
      return queueBackend.capacity;
    },
  };

  return {
    queue,
    lock(name) {
      const found = locks.get(name);
      if (found !== undefined) return found;
      const backend = typeof name === 'string' ? backends.locks.get(name) : undefined;
      if (backend === undefined) throw undeclared('lock', name);
      const lock = permits('lock', name, backend);
      locks.set(name, lock);
      return lock;
    },
    semaphore(name) {
      const found = semaphores.get(name);
      if (found !== undefined) return found;
      const backend = typeof name === 'string' ? backends.semaphores.get(name) : undefined;
      if (backend === undefined) throw undeclared('semaphore', name);
      const semaphore = permits('semaphore', name, backend);
      semaphores.set(name, semaphore);
      return semaphore;
    },
    event(name) {
      const found = events.get(name);
      if (found !== undefined) return found;
      const backend = typeof name === 'string' ? backends.events.get(name) : undefined;
      if (backend === undefined) throw undeclared('event', name);
      const on: WaitTarget = { kind: 'event', name };
      const event: UserEvent = {
        set: () => before({ kind: 'set', name }, () => backend.set()),
        clear: () => before({ kind: 'clear', name }, () => backend.clear()),
        isSet: () => backend.isSet(),
        wait() {
          if (backend.isSet()) return;
          reporter.emit({ kind: 'block', on });
          reporter.flush();
          backend.waitSync();
          reporter.emit({ kind: 'wake' });
          slow();
        },
        async waitAsync() {
          if (backend.isSet()) return;
          reporter.emit({ kind: 'block', on });
          reporter.flush();
          await backend.wait();
          reporter.emit({ kind: 'wake' });
          await slowAsync();
        },
      };
      events.set(name, event);
      return event;
    },
    cell(name) {
      const found = cells.get(name);
      if (found !== undefined) return found;
      const slots = typeof name === 'string' ? backends.cells.get(name) : undefined;
      if (slots === undefined) throw undeclared('cell', name);
      // Two Int32 slots, [value, tag], written and read one after the other with no lock:
      // exactly the unsynchronised shared variable of the lesson's first step.
      const cell: UserCell = {
        set(value) {
          if (value !== FINISH && !(Number.isInteger(value) && Math.abs(value) < 2 ** 31)) {
            throw new TypeError(
              `cell('${name}').set(value): value must be a 32-bit integer or FINISH, got ${safeString(value)}`,
            );
          }
          const item = value === FINISH ? null : nextItem();
          Atomics.store(slots, 0, value === FINISH ? 0 : value);
          Atomics.store(
            slots,
            1,
            item === null ? FINISH_TAG : item[0] * ITEMS_PER_WORKER + item[1] + 1,
          );
          reporter.emit({ kind: 'put', item, value: safeString(value), to: name });
          slow();
        },
        get() {
          const tag = Atomics.load(slots, 1);
          const raw = Atomics.load(slots, 0);
          const value = tag === FINISH_TAG ? FINISH : raw;
          const item: ItemId | null =
            tag > 0
              ? [Math.floor((tag - 1) / ITEMS_PER_WORKER), (tag - 1) % ITEMS_PER_WORKER]
              : null;
          const same = (last: WorkerEvent): boolean =>
            last.kind === 'get' &&
            last.from === name &&
            (last.item === null
              ? item === null && last.value === safeString(value)
              : item !== null && last.item[0] === item[0] && last.item[1] === item[1]);
          if (!reporter.repeat(same)) {
            reporter.emit({ kind: 'get', item, value: safeString(value), from: name });
          }
          slow();
          return value;
        },
      };
      cells.set(name, cell);
      return cell;
    },
    sleep(ms) {
      checkMs('sleep(ms)', ms);
      reporter.emit({ kind: 'sleep', ms });
      reporter.flush();
      blockingSleep(ms);
      reporter.emit({ kind: 'wake' });
    },
    async sleepAsync(ms) {
      checkMs('sleepAsync(ms)', ms);
      reporter.emit({ kind: 'sleep', ms });
      reporter.flush();
      await asyncSleep(ms);
      reporter.emit({ kind: 'wake' });
    },
    log,
    random(min, max) {
      if (min === undefined && max === undefined) return Math.random();
      const lo = Math.ceil(min ?? 0);
      const hi = Math.floor(max ?? lo);
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
        throw new RangeError(
          `random(min, max): expected min <= max, got ${safeString(min)} and ${safeString(max)}`,
        );
      }
      return lo + Math.floor(Math.random() * (hi - lo + 1));
    },
    console: consoleLike,
    FINISH,
    settings,
    role: spec.role,
    index: spec.index,
    name: spec.name,
  };
}
