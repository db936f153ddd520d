/**
 * The messages between the page and the playground's workers.
 *
 * The page sends one {@link InitMessage} to each worker. A worker answers with batches of
 * {@link WorkerEvent}s. Every event carries `seq`, drawn from one shared counter with
 * `Atomics.add`, so the page can replay the events of all workers in the order they happened
 * even though each worker's messages travel on their own port. The rule that makes the order
 * meaningful: a worker draws the number for a release *before* it releases, and for an acquire,
 * put or get *after* it has completed, so "A released L" always sorts before "B acquired L".
 *
 * @module
 */

/** Which pane's code a worker runs. */
export type Role = 'producer' | 'consumer';

/** The language of a pane: plain JavaScript, or TypeScript whose types are stripped. */
export type Language = 'js' | 'ts';

/** The run's settings, as the user set them. */
export interface Settings {
  /** The queue's capacity (`queue.capacity`). */
  readonly capacity: number;
  /** How many workers run the producer code. */
  readonly producers: number;
  /** How many workers run the consumer code. */
  readonly consumers: number;
  /** How many items each producer is asked to make (`settings.items`). */
  readonly items: number;
  /** Slow motion: milliseconds every primitive call waits after it completes. */
  readonly delay: number;
}

/** One worker of a run. */
export interface WorkerSpec {
  /** Index among all workers of the run, 0-based; also its lane and its colour. */
  readonly id: number;
  readonly role: Role;
  /** 1-based index among the workers of its role. */
  readonly index: number;
  /** `'producer 1'`, `'consumer 2'`: how the page and the verdict name it. */
  readonly name: string;
}

/** The named primitives a run creates before any worker starts, found in the code. */
export interface Declarations {
  readonly locks: readonly { readonly name: string; readonly locked: boolean }[];
  readonly semaphores: readonly { readonly name: string; readonly value: number }[];
  readonly events: readonly string[];
  readonly cells: readonly string[];
  /**
   * The cells the code marks as its channel (`cell('message', { channel: true })`): values
   * written to them are items, whose fate the verdict checks. Other cells are plain shared
   * variables (a ring buffer's indices, a counter) and count nothing.
   */
  readonly channels?: readonly string[];
}

/** Structured-clonable handles of the run's shared objects, as the page sends them. */
export interface SharedHandles {
  readonly queue: unknown;
  readonly locks: Readonly<Record<string, unknown>>;
  readonly semaphores: Readonly<Record<string, unknown>>;
  readonly events: Readonly<Record<string, unknown>>;
  /** One `Int32Array` pair per cell: `[value, tag]` (see `api.ts`). */
  readonly cells: Readonly<Record<string, SharedArrayBuffer>>;
  /** `Int32Array(1)`: the event sequence counter. */
  readonly sequence: SharedArrayBuffer;
}

/** Page to worker: run this code. */
export interface InitMessage {
  readonly type: 'init';
  readonly worker: WorkerSpec;
  readonly source: string;
  readonly language: Language;
  readonly settings: Settings;
  readonly declarations: Declarations;
  readonly handles: SharedHandles;
  /** `performance.timeOrigin + performance.now()` on the page when the run started. */
  readonly startedAt: number;
  /** Seed of `random()` (each worker adds its id): a replay draws the same numbers. */
  readonly seed: number;
}

/** A primitive kind, as the live view and the verdict name it. */
export type PrimitiveKind = 'lock' | 'semaphore' | 'event' | 'queue';

/** What a blocked worker waits for. */
export type WaitTarget =
  | { readonly kind: 'lock' | 'semaphore' | 'event'; readonly name: string }
  | { readonly kind: 'queue'; readonly name: string; readonly for: 'not_full' | 'not_empty' };

/** Who made an item and which of its items it is: `[worker id, n]`, n counting from 0. */
export type ItemId = readonly [from: number, n: number];

/** Where in the user's code something happened (1-based, in the pane's own lines). */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
}

/** An error in user code, reported by the worker that ran it. */
export interface UserError {
  /** `'syntax'` when the code did not compile, `'runtime'` when it threw. */
  readonly phase: 'syntax' | 'runtime';
  /** The error's class, e.g. `'SyntaxError'`, `'TypeError'`, `'LockError'`. */
  readonly name: string;
  readonly message: string;
  readonly location?: SourceLocation;
}

/**
 * What a worker reports. `t` is milliseconds since the run started; `line`, when known, is the
 * line of the pane's code that made the call.
 */
export type WorkerEvent = { readonly seq: number; readonly t: number; readonly line?: number } & (
  | { readonly kind: 'started' }
  | { readonly kind: 'log'; readonly text: string }
  | { readonly kind: 'block'; readonly on: WaitTarget }
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'wake' }
  | { readonly kind: 'acquired'; readonly prim: 'lock' | 'semaphore'; readonly name: string }
  | { readonly kind: 'released'; readonly prim: 'lock' | 'semaphore'; readonly name: string }
  | { readonly kind: 'set' | 'clear'; readonly name: string }
  | {
      readonly kind: 'put';
      readonly item: ItemId | null;
      readonly value: string;
      /** `'queue'` or the cell's name. */
      readonly to: string;
    }
  | {
      readonly kind: 'get';
      readonly item: ItemId | null;
      readonly value: string;
      /** `'queue'` or the cell's name. */
      readonly from: string;
      /** How many times in a row this worker read the same item (cells only; default 1). */
      readonly times?: number;
    }
  | {
      /** Under the page's control: what the worker will do when granted its next step. */
      readonly kind: 'intent';
      readonly op: string;
      readonly target: string;
      /** Whether its call could not go on: it now waits (until another worker's step). */
      readonly blocked: boolean;
    }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly error: UserError }
);

/** Worker to page: events in the order this worker drew their numbers. */
export interface EventBatch {
  readonly type: 'events';
  readonly worker: number;
  readonly events: readonly WorkerEvent[];
}

/** Distributes `Omit` over a union, so each variant keeps its own fields. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before the worker has numbered and timed it. */
export type EventBody = DistributiveOmit<WorkerEvent, 'seq' | 't' | 'line'>;
