/**
 * `pipeline()`: a source, stages and a sink connected by bounded queues.
 *
 * @module
 */
import { checkPositiveInteger, describe } from '../options.js';
import { newId } from '../trace/tracer.js';
import { isSinkQueue } from './ends.js';
import { WorkerPool } from './pool.js';
import { runPipeline, type Plan } from './run.js';
import { checkCodec } from './stages.js';
import type {
  AnyStage,
  ChainedPipelineOptions,
  PipelineOptions,
  PipelineOutput,
  PipelineResult,
  RunOptions,
  SinkFunction,
  SinkQueue,
  Source,
  Stage,
} from './types.js';

/** Default capacity of the queues between parts. */
export const DEFAULT_CAPACITY = 16;

/**
 * A pipeline ready to run: built by {@link pipeline}. Each `run()` makes fresh queues (and
 * workers), so a pipeline over a re-iterable source may run more than once.
 *
 * @example
 * ```ts
 * const doubled = pipeline<number, number>({ source: [1, 2, 3], stages: [map((x: number) => 2 * x)] });
 * const first = await doubled.run(); // first.items: [2, 4, 6]
 * const again = await doubled.run({ signal: AbortSignal.timeout(1000) }); // an array re-iterates
 * ```
 */
export class Pipeline<T, R> {
  /** `'Pipeline'`, the kind in trace events. */
  readonly kind = 'Pipeline';
  readonly id: number = newId();
  readonly name: string;
  private readonly plan: Plan;

  constructor(options: PipelineOptions<T, R>) {
    this.plan = checkPipelineOptions(options as PipelineOptions<unknown>);
    this.name = options.name ?? `Pipeline#${this.id}`;
  }

  /**
   * Runs the pipeline to its end. Resolves with the items that reached the end (when there is no
   * sink) and stats per part; rejects with a {@link PipelineError} naming the part that threw
   * first, or with `signal.reason` when `signal` aborts. Either way every part has stopped,
   * every worker has exited and every queue is closed before it settles.
   */
  run(options: RunOptions = {}): Promise<PipelineResult<R>> {
    try {
      checkRunOptions(options);
      options.signal?.throwIfAborted();
    } catch (error) {
      return Promise.reject(error);
    }
    return runPipeline(this, this.plan, options.signal) as Promise<PipelineResult<R>>;
  }
}

/**
 * Composes a source, stages and a sink into a pipeline, connected by bounded queues: every
 * `put` into a full queue waits, so a slow part holds back the parts before it (backpressure)
 * and memory stays bounded by the capacities.
 *
 * - `source`: an iterable, an async iterable, or a function given `(put, context)` that either
 *   puts items itself (a producer; `producers: n` runs n of them into one queue) or returns an
 *   iterable (a generator function).
 * - `stages`: built by {@link map}, {@link filter}, {@link flatMap}, each with `concurrency`,
 *   `capacity`, `ordered` and `placement` (`'thread'` or `'worker'`).
 * - `sink`: called for each item at the end (`consumers: n` runs n of them on one queue), or a
 *   queue every item is put into (left open); without one, `run()` collects the items.
 *
 * The first error anywhere stops every part and `run()` rejects with a {@link PipelineError}
 * naming the part, with the error as `cause`. An aborted `signal` stops every part too. A clean
 * end closes each queue in turn, so every part sees its input end: no sentinel values.
 *
 * @example
 * ```ts
 * const { items, stats } = await pipeline<number, number>({
 *   source: function* () { for (let i = 1; i <= 10; i++) yield i; },
 *   stages: [
 *     map(async (x: number) => x * x, { name: 'square', concurrency: 4, ordered: true }),
 *     filter((x: number) => x % 2 === 1, { name: 'odd' }),
 *   ],
 *   capacity: 4,
 * }).run({ signal: AbortSignal.timeout(5_000) });
 * // items: [1, 9, 25, 49, 81]; stats[1].itemsIn === 10
 * ```
 */
export function pipeline<T, const S extends readonly AnyStage[] = readonly []>(
  options: ChainedPipelineOptions<T, S>,
): Pipeline<T, PipelineOutput<T, S>>;
/**
 * The same with only the source's item type written out, `pipeline<number>({ ... })`: the first
 * stage must take `T`; what leaves the last stage is not checked (`unknown` in `result.items`).
 */
export function pipeline<T = never>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- R not given: the sink may take anything
  options: PipelineOptions<NoInfer<T>, any>,
): Pipeline<T, unknown>;
/**
 * The same with both item types written out, `pipeline<number, string>({ ... })`: the first
 * stage must take `T`, the last one must give `R`, and the sink must take `R` (the links between
 * stages are checked when the types are inferred instead). `NoInfer`: these two forms apply only
 * to written-out types, so a call whose inferred types do not fit fails instead of falling back.
 */
export function pipeline<T = never, R = never>(
  options: PipelineOptions<NoInfer<T>, NoInfer<R>>,
): Pipeline<T, R>;
export function pipeline<T, R>(options: PipelineOptions<T, R>): Pipeline<T, R> {
  return new Pipeline<T, R>(options);
}

function checkPipelineOptions(options: PipelineOptions<unknown>): Plan {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`pipeline options must be an object, got ${describe(options)}`);
  }
  const { source, stages = [], sink } = options;
  checkSource(source);
  const producers = checkPositiveInteger('producers', options.producers ?? 1);
  if (producers > 1 && typeof source !== 'function') {
    throw new TypeError(
      `producers: ${producers} needs a function source (an iterable can only be read once)`,
    );
  }
  if (!Array.isArray(stages)) {
    throw new TypeError(`stages must be an array, got ${describe(stages)}`);
  }
  stages.forEach((stage: unknown, index) => {
    const s = stage as Partial<Stage<unknown, unknown>> | null;
    if (typeof s !== 'object' || s === null || typeof s.kind !== 'string' || !s.options) {
      throw new TypeError(
        `stages[${index}] must be made by map(), filter() or flatMap(), got ${describe(stage)}`,
      );
    }
  });
  if (sink !== undefined && typeof sink !== 'function' && !isSinkQueue(sink)) {
    throw new TypeError(`sink must be a function or a queue (with put), got ${describe(sink)}`);
  }
  const consumers = checkPositiveInteger('consumers', options.consumers ?? 1);
  const capacity = checkPositiveInteger('capacity', options.capacity ?? DEFAULT_CAPACITY);
  checkCodec('codec', options.codec);
  if (options.slotSize !== undefined) checkPositiveInteger('slotSize', options.slotSize);
  if (options.name !== undefined && typeof options.name !== 'string') {
    throw new TypeError(`name must be a string, got ${describe(options.name)}`);
  }
  const names = new Set<string>(['source', 'sink']);
  const planned = stages.map((stage, index) => {
    const o = stage.options;
    const name = o.name ?? `${stage.kind}#${index + 1}`;
    if (names.has(name)) throw new TypeError(`stage name '${name}' is used twice`);
    names.add(name);
    return {
      kind: stage.kind,
      name,
      fn: stage.fn,
      concurrency: o.concurrency ?? 1,
      capacity: o.capacity ?? capacity,
      ordered: o.ordered ?? false,
      placement: o.placement ?? 'thread',
      codec: o.codec ?? options.codec ?? 'json',
      slotSize: o.slotSize ?? options.slotSize,
    } as const;
  });
  return {
    source: source as Source<unknown>,
    producers,
    stages: planned,
    sink: sink as SinkFunction<unknown> | SinkQueue<unknown> | undefined,
    consumers,
    capacity,
    codec: options.codec ?? 'json',
    slotSize: options.slotSize,
    pool: checkPool(options.pool),
  };
}

function checkPool(pool: unknown): WorkerPool | undefined {
  if (pool === undefined || pool instanceof WorkerPool) return pool;
  throw new TypeError(`pool must be a WorkerPool, got ${describe(pool)}`);
}

function checkSource(source: unknown): void {
  if (typeof source === 'function') return;
  if (typeof source === 'object' && source !== null) {
    const s = source as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
    if (typeof s[Symbol.iterator] === 'function' || typeof s[Symbol.asyncIterator] === 'function') {
      return;
    }
  }
  throw new TypeError(
    `source must be an iterable, an async iterable or a function, got ${describe(source)}`,
  );
}

function checkRunOptions(options: RunOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`run options must be an object, got ${describe(options)}`);
  }
  const signal = options.signal as unknown;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describe(signal)}`);
  }
}
