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
import type { Put, SinkFunction, Source, StageContext } from './types.js';

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
 * Runs `consumers` sink tasks on the last queue; without a sink function, collects the items in
 * `items`. Settles (never rejects) when the queue is closed and drained or the pipeline stops.
 */
export function runSink(
  run: RunContext,
  sink: SinkFunction<unknown> | undefined,
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
