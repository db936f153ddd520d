/**
 * The worker API as TypeScript sees it when it checks a pane: the editors' type diagnostics are
 * computed against exactly these declarations (the checker reads this file's text), and a unit
 * test holds them to the API the workers really pass (`UserApi`, `API_NAMES`) and to the
 * reference the help panel, completion and hover read (`API_REFERENCE`).
 *
 * A pane is the body of `async function (queue, lock, …, name) { … }`: {@link PaneParameters}
 * types those parameters, in the order the worker passes them.
 *
 * @module
 */

/** The run's bounded queue, shared by every worker. */
export interface Queue {
  /** Adds a value; waits while the queue is full. */
  put(value: unknown): void;
  /** Like put(), but awaits instead of blocking. */
  putAsync(value: unknown): Promise<void>;
  /**
   * Takes the oldest value; waits while the queue is empty. Typed `any`, not `unknown`: the
   * values are whatever the producers put, and the checker gives advice, not ceremony.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get(): any;
  /** Like get(), but awaits instead of blocking. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  getAsync(): Promise<any>;
  /** How many values are in the queue now. */
  readonly size: number;
  /** How many values fit (the capacity setting). */
  readonly capacity: number;
}

/** What `lock(name)` returns; like Python's `Lock`, any worker may release it. */
export interface Lock {
  /** Waits until the lock is free, then takes it. Blocks this worker while it waits. */
  acquire(): void;
  /** Like acquire(), but awaits instead of blocking. */
  acquireAsync(): Promise<void>;
  /** Takes the lock if it is free now; never waits. */
  tryAcquire(): boolean;
  /** Gives the lock back. */
  release(): void;
}

/** What `semaphore(name, n)` returns: nobody owns a permit. */
export interface Semaphore {
  /** Takes a permit, waiting while there is none. */
  acquire(): void;
  /** Like acquire(), but awaits instead of blocking. */
  acquireAsync(): Promise<void>;
  /** Takes a permit if there is one now; never waits. */
  tryAcquire(): boolean;
  /** Adds a permit; a waiter goes on. */
  release(): void;
}

/** What `event(name)` returns: a flag shared by every worker. */
export interface EventFlag {
  /** Sets the flag; every waiter goes on. */
  set(): void;
  /** Clears the flag. */
  clear(): void;
  /** Whether the flag is set now. */
  isSet(): boolean;
  /** Waits until the flag is set. */
  wait(): void;
  /** Like wait(), but awaits. */
  waitAsync(): Promise<void>;
}

/** The sentinel a producer sends to say it has finished. */
export type Finish = 'FINISH';

/** What `cell(name)` returns: one 32-bit integer shared with no synchronisation at all. */
export interface Cell {
  /** Writes a 32-bit integer (or FINISH). */
  set(value: number | Finish): void;
  /** Reads the value written last (0 before the first write). */
  get(): number | Finish;
}

/** The run's settings, as set beside the editors. */
export interface Settings {
  readonly capacity: number;
  readonly producers: number;
  readonly consumers: number;
  /** How many items each producer is asked to make. */
  readonly items: number;
  /** Slow motion: milliseconds every primitive call waits after it completes. */
  readonly delay: number;
}

/** `console.log` and friends write to the playground's console, like `log`. */
export interface PaneConsole {
  log(...values: unknown[]): void;
  info(...values: unknown[]): void;
  debug(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
}

/** Everything a pane's code can name, by name. */
export interface PaneApi {
  queue: Queue;
  /** A lock shared by every worker, named by a string literal; `{ locked: true }` starts it held. */
  lock(name: string, options?: { locked?: boolean }): Lock;
  /** A counting semaphore with `permits` permits (default 1). */
  semaphore(name: string, permits?: number): Semaphore;
  event(name: string): EventFlag;
  /** `{ channel: true }`: its values are the items the verdict follows. */
  cell(name: string, options?: { channel?: boolean }): Cell;
  /** Blocks this worker for `ms` milliseconds. */
  sleep(ms: number): void;
  /** Waits `ms` milliseconds without blocking the worker. */
  sleepAsync(ms: number): Promise<void>;
  log(...values: unknown[]): void;
  console: PaneConsole;
  /** A float in [0, 1), or an integer from `min` to `max` inclusive. */
  random(min?: number, max?: number): number;
  FINISH: Finish;
  settings: Settings;
  role: 'producer' | 'consumer';
  /** This worker's 1-based index among the workers of its role. */
  index: number;
  /** `'producer 1'`. */
  name: string;
}

/** The pane function's parameters, in the order the worker passes them (`API_NAMES`). */
export type PaneParameters = [
  queue: PaneApi['queue'],
  lock: PaneApi['lock'],
  semaphore: PaneApi['semaphore'],
  event: PaneApi['event'],
  cell: PaneApi['cell'],
  sleep: PaneApi['sleep'],
  sleepAsync: PaneApi['sleepAsync'],
  log: PaneApi['log'],
  console: PaneApi['console'],
  random: PaneApi['random'],
  FINISH: PaneApi['FINISH'],
  settings: PaneApi['settings'],
  role: PaneApi['role'],
  index: PaneApi['index'],
  name: PaneApi['name'],
];
