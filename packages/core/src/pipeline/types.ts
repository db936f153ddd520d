/**
 * The public types of pipelines: what a source, a stage and a sink may be, and what `run()`
 * reports.
 *
 * @module
 */
import type { BuiltinCodecName } from '../shared/index.js';
import type { WorkerPool } from './pool.js';

/** What every function of a pipeline (source, stage, sink) is given besides its item. */
export interface StageContext {
  /**
   * Aborts when the pipeline stops early (an error anywhere, or the caller's signal). In a
   * worker stage it never aborts: a stopping pipeline terminates the worker instead.
   */
  readonly signal: AbortSignal;
  /** The stage's name, as it appears in errors and stats. */
  readonly stage: string;
  /** Which of the stage's concurrent tasks or workers runs this call (0-based). */
  readonly index: number;
}

/** Puts one item into the queue after the source; waits while that queue is full. */
export type Put<T> = (item: T) => Promise<void>;

/**
 * Where the items come from:
 * - an iterable or async iterable (arrays, generators, queues, streams);
 * - a function called with `(put, context)` that either puts its items itself and resolves when
 *   done (a producer, as in the lesson) or returns an iterable / async iterable (a generator
 *   function).
 */
export type Source<T> =
  | Iterable<T>
  | AsyncIterable<T>
  | ((put: Put<T>, context: StageContext) => Iterable<T> | AsyncIterable<T> | void | Promise<void>);

/** A stage's function: may return a value or a promise. */
export type StageFunction<I, O> = (item: I, context: StageContext) => O | Promise<O>;

/**
 * A stage function to be loaded from an ES module rather than given as a closure, so that it can
 * run in workers: `{ module: new URL('./square.js', import.meta.url) }` or, in the playground,
 * `{ source: 'export default (x) => x * x' }`. `export` names the export (default `'default'`).
 */
export type StageModule =
  | { readonly module: string | URL; readonly export?: string }
  | { readonly source: string; readonly export?: string };

/** Where a stage runs. */
export type Placement = 'thread' | 'worker';

/** A built-in codec's name, for the `SharedQueue`s that connect worker stages. */
export type CodecName = BuiltinCodecName;

/** Options of one stage. */
export interface StageOptions {
  /** Name used in errors, stats and trace events. Default: `map#2` (kind and position). */
  name?: string;
  /**
   * How many items the stage works on at once: concurrent async calls in-thread, workers with
   * `placement: 'worker'`. Several tasks share one input queue (fan-out) and one output queue
   * (fan-in). Default 1.
   */
  concurrency?: number;
  /** Capacity of the bounded queue this stage puts into. Default: the pipeline's `capacity`. */
  capacity?: number;
  /**
   * Keep the input order in the output although items are worked on concurrently. At most
   * `concurrency` items are in flight or waiting for an earlier one. Default `false`: results
   * leave in the order they finish (each exactly once).
   */
  ordered?: boolean;
  /**
   * `'thread'` (default): in this thread. `'worker'`: in `concurrency` workers connected by
   * `SharedQueue`s; the function must then be a {@link StageModule}.
   */
  placement?: Placement;
  /**
   * Codec of the queue this stage puts into, when that queue is a `SharedQueue` (next to a worker
   * stage). Default: the pipeline's `codec`.
   */
  codec?: CodecName;
  /**
   * Bytes per slot of that `SharedQueue` for the variable-size codecs (`utf8`, `json`,
   * `binary`): an item whose encoding is larger fails the stage with `CodecError`. Default: the
   * pipeline's `slotSize`, else the `SharedQueue` default (256).
   */
  slotSize?: number;
}

/** The kinds of stage. */
export type StageKind = 'map' | 'filter' | 'flatMap';

/**
 * One stage of a pipeline, as built by {@link map}, {@link filter} or {@link flatMap}. The type
 * parameters are the stage's input and output item types.
 */
export interface Stage<I, O> {
  readonly kind: StageKind;
  readonly fn: StageFunction<I, unknown> | StageModule;
  readonly options: Readonly<StageOptions>;
  /** Phantom: keeps `I` and `O` for type inference; never set. */
  readonly types?: (input: I) => O;
}

/** A sink's function: called once per item that reaches the end. */
export type SinkFunction<T> = (item: T, context: StageContext) => unknown;

/**
 * A queue as a sink: every item that reaches the end is put into it (any of core's queues, a
 * `SharedQueue`, or a queue in another package such as `@baton/redis`'s `RedisQueue`).
 */
export interface SinkQueue<T> {
  put(item: T, options?: { signal?: AbortSignal }): Promise<void>;
  tryPut(item: T): boolean;
}

/** Any stage, whatever its item types: what a list of stages is made of before it is checked. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- `any` is the only top type that lets Stage<I, O> of every I be assigned (unknown is contravariantly a bottom for I)
export type AnyStage = Stage<any, any>;

/**
 * The stages of a pipeline over items `T` ending in items `R`, when both are written out
 * (`pipeline<number, string>(...)`): the first stage takes `T`, the last one gives `R`. The
 * links in between are checked when the types are inferred (see {@link StageChain}).
 */
export type StageList<T, R> =
  | readonly []
  | readonly [Stage<T, R>]
  | readonly [Stage<T, unknown>, ...AnyStage[], Stage<never, R>];

/**
 * What the stages `S` must be for items `T` to flow through them: each stage takes what the one
 * before it gives (the first takes `T`). A stage whose input does not accept the previous output
 * fails to compile at that stage.
 */
export type StageChain<T, S extends readonly AnyStage[]> = S extends readonly []
  ? readonly []
  : S extends readonly [Stage<never, infer O>, ...infer Rest extends readonly AnyStage[]]
    ? readonly [Stage<T, O>, ...StageChain<O, Rest>]
    : readonly Stage<T, PipelineOutput<T, S>>[];

/** The item type that leaves the stages `S` when items `T` enter them. */
export type PipelineOutput<T, S extends readonly AnyStage[]> = S extends readonly []
  ? T
  : S extends readonly [...AnyStage[], Stage<never, infer O>]
    ? O
    : S extends readonly Stage<never, infer O>[]
      ? O
      : unknown;

/** Where the items that leave the last stage go: a function or a queue. */
export type Sink<T> = SinkFunction<T> | SinkQueue<T>;

/** The options of {@link pipeline} other than its source, stages and sink. */
export interface PipelineSettings {
  /** How many copies of a function source run at once, all putting into one queue (fan-in). */
  producers?: number;
  /** How many sink calls run at once, all getting from the last queue (fan-out). Default 1. */
  consumers?: number;
  /** Default capacity of the queues between stages. Default 16. */
  capacity?: number;
  /** Default codec of the `SharedQueue`s next to worker stages. Default `'json'`. */
  codec?: CodecName;
  /** Default `slotSize` of those `SharedQueue`s (see {@link StageOptions.slotSize}). */
  slotSize?: number;
  /**
   * Workers for the worker stages, kept between runs (see `WorkerPool`): each run borrows its
   * workers from the pool and gives them back at its end, instead of starting and stopping its
   * own. Default: each run starts its own and closes them at its end.
   */
  pool?: WorkerPool;
  /** A name for trace events and errors. Default `Pipeline#id`. */
  name?: string;
}

/**
 * Options of {@link pipeline} with its item types written out: `pipeline<T, R>({ ... })`. The
 * first stage must take `T`, the last must give `R`, and the sink must take `R`.
 */
export interface PipelineOptions<T, R = unknown> extends PipelineSettings {
  /** Where the items come from. */
  source: Source<T>;
  /** The stages, in order; each one's output type is the next one's input type. */
  stages?: StageList<T, R>;
  /**
   * Called for every item that leaves the last stage (or a queue each one is put into). Without
   * a sink, `run()` collects them in `result.items`.
   */
  sink?: Sink<R>;
}

/**
 * Options of {@link pipeline} when the item types are inferred: `T` from the source, and every
 * link from the stages themselves, so a stage that does not take what the previous one gives,
 * or a sink that does not take what the last one gives, fails to compile.
 */
export interface ChainedPipelineOptions<T, S extends readonly AnyStage[]> extends PipelineSettings {
  /** Where the items come from. */
  source: Source<T>;
  /** The stages, in order; each one's output type is the next one's input type. */
  stages?: S & StageChain<NoInfer<T>, S>;
  /**
   * Called for every item that leaves the last stage (or a queue each one is put into). Without
   * a sink, `run()` collects them in `result.items`.
   */
  sink?: Sink<NoInfer<PipelineOutput<T, S>>>;
}

/** Options of `run()`. */
export interface RunOptions {
  /** Cancels the whole pipeline; `run()` then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** What one part of the pipeline (source, stage or sink) did. */
export interface StageStats {
  /** The part's name (`'source'`, the stage's name, `'sink'`). */
  readonly name: string;
  /** `'source'`, `'sink'` or the stage's kind. */
  readonly kind: 'source' | 'sink' | StageKind;
  /** Where it ran. */
  readonly placement: Placement;
  /** How many tasks or workers ran it. */
  readonly concurrency: number;
  /** Items it took from its input queue (0 for the source). */
  readonly itemsIn: number;
  /** Items it put into its output queue (0 for the sink). */
  readonly itemsOut: number;
  /** Total time its tasks waited for an item, in milliseconds (summed over tasks). */
  readonly blockedOnGetMs: number;
  /** Total time its tasks waited for room in the next queue, in milliseconds (summed). */
  readonly blockedOnPutMs: number;
  /** Capacity of the queue it puts into (0 for the sink). */
  readonly capacity: number;
  /** The most items seen in the queue it puts into, right after one of its puts. */
  readonly peakQueueDepth: number;
  /** From the pipeline's start to this part's end, in milliseconds. */
  readonly durationMs: number;
  /** Items handled per second over `durationMs` (items out; items in for the sink). */
  readonly throughput: number;
}

/** What `run()` resolves with. */
export interface PipelineResult<R> {
  /** The items that reached the end, in arrival order, when the pipeline has no sink. */
  readonly items: R[];
  /** One entry per part: the source, each stage, then the sink. */
  readonly stats: readonly StageStats[];
  /** Wall time of the whole run, in milliseconds. */
  readonly durationMs: number;
}
