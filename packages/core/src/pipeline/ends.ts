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
 * a `RedisQueue`) rather than a function. A source needs no such test: every queue is an async
 * iterable, read with `for await` until it is closed and drained (a `RedisQueue` acknowledges
 * each item as the pipeline takes the next).
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
