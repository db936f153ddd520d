/**
 * The two ends of a pipeline: the source that fills the first queue and the sink that empties
 * the last one.
 *
 * @module
 */
import { ClosedError } from '../errors.js';
import type { QueueLike } from '../interfaces.js';
import type { RunContext } from './context.js';
import { task, tryGetItem } from './context.js';
import type { Counters } from './counters.js';
import { END, getWaiting, isAsyncIterable, isIterable, isThenable, put } from './io.js';
import type { Put, SinkFunction, SinkQueue, Source, StageContext } from './types.js';

/**
 * Whether a sink is a queue (anything with `put` and `tryPut`: core's `Queue`s, a `SharedQueue`,
 * a `RedisQueue`) rather than a function.
 */
export function isSinkQueue(sink: unknown): sink is SinkQueue<unknown> {
  return (
    typeof sink === 'object' &&
    sink !== null &&
    typeof (sink as SinkQueue<unknown>).put === 'function' &&
    typeof (sink as SinkQueue<unknown>).tryPut === 'function'
  );
}

/**
 * Runs the source: `producers` copies of a producer function, or one pass over an iterable.
 * Settles (never rejects) when every producer is done or the pipeline stops.
 */
export function runSource(
  run: RunContext,
  source: Source<unknown>,
  producers: number,
  output: QueueLike<unknown>,
  counters: Counters,
): Promise<void> {
  if (isQueueSource(source)) {
    return task(run, 'source', () => drainQueue(source, output, counters, run.signal));
  }
  if (typeof source !== 'function') {
    return task(run, 'source', () => drain(source, output, counters));
  }
  // A producer's put() throws ClosedError when the pipeline stops, which ends the producer's
  // loop the way Python's queue.ShutDown does; task() then drops that echo of the stop.
  const putItem: Put<unknown> = async (item) => {
    const sent = put(output, item, counters);
    if (sent === true || (sent !== false && (await sent))) return;
    throw new ClosedError('pipeline is stopping: the source queue is closed');
  };
  const tasks: Promise<void>[] = [];
  for (let index = 0; index < producers; index++) {
    const context: StageContext = { signal: run.signal, stage: 'source', index };
    tasks.push(
      task(run, 'source', async () => {
        const made = source(putItem, context);
        if (isIterable(made) || isAsyncIterable(made)) await drain(made, output, counters);
        else if (isThenable(made)) await made;
      }),
    );
  }
  return Promise.all(tasks).then(() => undefined);
}

/** A queue given as the source: anything with `get`, `put` and `close` (every queue is). */
type QueueSource = QueueLike<unknown> & { taskDone?: (item: unknown) => unknown };

function isQueueSource(source: unknown): source is QueueSource {
  const q = source as Partial<QueueLike<unknown>> | null;
  return (
    typeof q === 'object' &&
    q !== null &&
    typeof q.get === 'function' &&
    typeof q.put === 'function' &&
    typeof q.close === 'function'
  );
}

/**
 * Gets every item of a queue source into `output` until the queue is closed and drained. Not
 * `for await`: a get waiting on a queue nobody closes must end when the pipeline stops, and
 * `get({ signal })` does, leaving no trace (an iterator's pending `next()` could not be called
 * off, and would still take an item). The pipeline is the source queue's consumer: once an item
 * is in the pipeline's first queue it is marked with `taskDone(item)` when the queue has it (so
 * `join()` on the source resolves once the pipeline took everything, and a `RedisQueue`
 * acknowledges the item then: at-least-once up to that hand-off).
 */
async function drainQueue(
  queue: QueueSource,
  output: QueueLike<unknown>,
  counters: Counters,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    let item: unknown;
    try {
      item = await queue.get({ signal });
    } catch (error) {
      if (error instanceof ClosedError || signal.aborted) return;
      throw error;
    }
    const sent = put(output, item, counters);
    if (sent === false || (sent !== true && !(await sent))) return;
    if (typeof queue.taskDone === 'function') await queue.taskDone(item);
  }
}

/** Puts every item of an iterable into `output`, stopping early if the pipeline stops. */
async function drain(
  items: Iterable<unknown> | AsyncIterable<unknown>,
  output: QueueLike<unknown>,
  counters: Counters,
): Promise<void> {
  if (isIterable(items)) {
    // `return` inside for-of calls the iterator's return(), so a generator's finally runs.
    for (const item of items) {
      const sent = put(output, item, counters);
      if (sent === false || (sent !== true && !(await sent))) return;
    }
    return;
  }
  for await (const item of items) {
    const sent = put(output, item, counters);
    if (sent === false || (sent !== true && !(await sent))) return;
  }
}

/**
 * Runs `consumers` sink tasks on the last queue; without a sink, collects the items in `items`.
 * A sink queue gets every item with `put` (waiting while it is full, which holds the pipeline
 * back); the pipeline never closes it, since other pipelines (in other processes) may put into
 * it too. Settles (never rejects) when the last queue is closed and drained or the pipeline
 * stops; a sink queue closed by someone else fails the pipeline (its items could not be put).
 */
export function runSink(
  run: RunContext,
  sink: SinkFunction<unknown> | SinkQueue<unknown> | undefined,
  consumers: number,
  input: QueueLike<unknown>,
  counters: Counters,
  items: unknown[],
): Promise<void> {
  const tasks: Promise<void>[] = [];
  for (let index = 0; index < consumers; index++) {
    const context: StageContext = { signal: run.signal, stage: 'sink', index };
    tasks.push(
      task(run, 'sink', async () => {
        for (;;) {
          if (run.stopping) return;
          let item: unknown;
          const got = tryGetItem(input);
          if (got.ok) {
            item = got.value;
          } else {
            const waited = await getWaiting(input, counters);
            if (waited === END) return;
            item = waited;
          }
          counters.itemsIn++;
          if (sink === undefined) {
            items.push(item);
          } else if (isSinkQueue(sink)) {
            if (!sink.tryPut(item)) await sink.put(item, { signal: run.signal });
          } else {
            const done = sink(item, context);
            if (isThenable(done)) await done;
          }
        }
      }),
    );
  }
  return Promise.all(tasks).then(() => undefined);
}
