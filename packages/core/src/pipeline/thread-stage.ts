/**
 * A stage that runs in this thread: `concurrency` async tasks sharing one input queue (fan-out)
 * and one output queue (fan-in).
 *
 * Unordered, each task loops get -> fn -> put on its own, so results leave in the order they
 * finish. Ordered (and concurrency > 1), one feeder takes items in input order and starts `fn`
 * on each, and one emitter puts their results in the same order; between them a queue of
 * pending results (capacity `concurrency - 1`, plus the one the emitter awaits) bounds the work
 * in flight, so a slow item holds back at most `concurrency - 1` finished ones. A call that
 * fails stops the pipeline as soon as it fails, without waiting for its turn to be emitted.
 *
 * @module
 */
import { Queue } from '../queue/index.js';
import type { QueueLike } from '../interfaces.js';
import type { RunContext } from './context.js';
import { task, tryGetItem } from './context.js';
import { Counters } from './counters.js';
import { END, getWaiting, isAsyncIterable, isIterable, isThenable, put, putWaiting } from './io.js';
import type { StageContext, StageFunction, StageKind } from './types.js';

/** A stage ready to run in this thread: its function loaded, its options settled. */
export interface ThreadStage {
  readonly kind: StageKind;
  readonly name: string;
  readonly fn: StageFunction<unknown, unknown>;
  readonly concurrency: number;
  readonly ordered: boolean;
}

/**
 * Starts `stage` between `input` and `output`. The promise settles when every task of the stage
 * has stopped (input closed and drained, or the pipeline stopping); it never rejects.
 */
export function runThreadStage(
  run: RunContext,
  stage: ThreadStage,
  input: QueueLike<unknown>,
  output: QueueLike<unknown>,
  counters: Counters,
): Promise<void> {
  if (stage.ordered && stage.concurrency > 1) {
    return runOrdered(run, stage, input, output, counters);
  }
  const tasks: Promise<void>[] = [];
  for (let index = 0; index < stage.concurrency; index++) {
    const context: StageContext = { signal: run.signal, stage: stage.name, index };
    tasks.push(task(run, stage.name, () => loop(run, stage, context, input, output, counters)));
  }
  return Promise.all(tasks).then(() => undefined);
}

/** One unordered task: get -> fn -> put until the input ends. */
async function loop(
  run: RunContext,
  stage: ThreadStage,
  context: StageContext,
  input: QueueLike<unknown>,
  output: QueueLike<unknown>,
  counters: Counters,
): Promise<void> {
  const { fn, kind } = stage;
  for (;;) {
    // (run.stopping, not signal.aborted: Node's AbortSignal getter is slow for a hot loop.)
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
    let result = fn(item, context);
    if (isThenable(result)) result = await result;
    // deliver() answers `true` synchronously when every put found room (the common case).
    const sent = deliver(kind, item, result, output, counters);
    if (sent !== true && (sent === false || !(await sent))) return;
  }
}

/** Puts what `fn` made of `item` into `output`; `false` (maybe as a promise) when closed. */
function deliver(
  kind: StageKind,
  item: unknown,
  result: unknown,
  output: QueueLike<unknown>,
  counters: Counters,
): boolean | Promise<boolean> {
  if (kind === 'map') return put(output, result, counters);
  if (kind === 'filter') return result ? put(output, item, counters) : true;
  return putAll(result, output, counters);
}

/** A flatMap result: puts each of its items in turn. */
function putAll(
  result: unknown,
  output: QueueLike<unknown>,
  counters: Counters,
): boolean | Promise<boolean> {
  if (isIterable(result) && typeof result !== 'string') {
    const iterator = result[Symbol.iterator]();
    for (;;) {
      const step = iterator.next();
      if (step.done) return true;
      const sent = put(output, step.value, counters);
      if (sent !== true) return finishIterator(iterator, sent, output, counters);
    }
  }
  if (isAsyncIterable(result)) return putAllAsync(result, output, counters);
  throw new TypeError(`flatMap function must return an iterable, got ${typeof result}`);
}

/** Goes on with a sync iterator after a put had to wait. */
async function finishIterator(
  iterator: Iterator<unknown>,
  pending: false | Promise<boolean>,
  output: QueueLike<unknown>,
  counters: Counters,
): Promise<boolean> {
  if (pending === false || !(await pending)) {
    iterator.return?.();
    return false;
  }
  for (;;) {
    const step = iterator.next();
    if (step.done) return true;
    const sent = put(output, step.value, counters);
    if (sent === false || (sent !== true && !(await sent))) {
      iterator.return?.();
      return false;
    }
  }
}

async function putAllAsync(
  result: AsyncIterable<unknown>,
  output: QueueLike<unknown>,
  counters: Counters,
): Promise<boolean> {
  for await (const value of result) {
    const sent = put(output, value, counters);
    if (sent === false || (sent !== true && !(await sent))) return false;
  }
  return true;
}

/** What an ordered stage's function made of one item. */
type Outcome = { ok: true; outputs: unknown[] } | { ok: false; error: unknown };

function runOrdered(
  run: RunContext,
  stage: ThreadStage,
  input: QueueLike<unknown>,
  output: QueueLike<unknown>,
  counters: Counters,
): Promise<void> {
  // Pending results in input order. The feeder reserves a place here *before* starting fn, so
  // at most `concurrency` calls are in flight: concurrency - 1 queued plus the emitter's one.
  // (Each promise travels in a box, since awaiting a get() would unwrap a bare promise.)
  const pending = new Queue<{ outcome: Promise<Outcome> }>({
    capacity: stage.concurrency - 1,
    name: `${stage.name}.pending`,
  });
  run.own(pending);
  const scratch = new Counters(); // waits on `pending` are not waits on the stage's queues
  const contexts = Array.from({ length: stage.concurrency }, (_, index): StageContext => ({
    signal: run.signal,
    stage: stage.name,
    index,
  }));

  const feeder = async (): Promise<void> => {
    try {
      for (let seq = 0; ; seq++) {
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
        let settle!: (outcome: Outcome) => void;
        const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
        const box = { outcome };
        if (!pending.tryPut(box) && !(await putWaiting(pending, box, scratch))) return;
        const context = contexts[seq % stage.concurrency] as StageContext;
        const work = compute(stage, item, context).then((outcome) => {
          // Report a failure now, not when the emitter reaches it: an earlier item may be slow
          // (or wait for the stop signal), and the first error must stop every part at once.
          if (!outcome.ok && !run.stopping) run.fail(stage.name, outcome.error);
          settle(outcome);
        });
        run.track(work);
      }
    } finally {
      pending.close(); // the emitter drains what is pending, then ends
    }
  };

  const emitter = async (): Promise<void> => {
    for (;;) {
      const got = tryGetItem(pending);
      let next: { outcome: Promise<Outcome> };
      if (got.ok) {
        next = got.value;
      } else {
        const waited = await getWaiting(pending, scratch);
        if (waited === END) return;
        next = waited;
      }
      const outcome = await next.outcome;
      if (!outcome.ok) throw outcome.error;
      for (const value of outcome.outputs) {
        const sent = put(output, value, counters);
        if (sent === false || (sent !== true && !(await sent))) return;
      }
    }
  };

  return Promise.all([task(run, stage.name, feeder), task(run, stage.name, emitter)]).then(
    () => undefined,
  );
}

/** Runs `fn` on `item` and gathers its outputs; never rejects (the error is in the outcome). */
async function compute(stage: ThreadStage, item: unknown, context: StageContext): Promise<Outcome> {
  try {
    let result = stage.fn(item, context);
    if (isThenable(result)) result = await result;
    if (stage.kind === 'map') return { ok: true, outputs: [result] };
    if (stage.kind === 'filter') return { ok: true, outputs: result ? [item] : [] };
    if (isIterable(result) && typeof result !== 'string') return { ok: true, outputs: [...result] };
    if (isAsyncIterable(result)) {
      const outputs: unknown[] = [];
      for await (const value of result) outputs.push(value);
      return { ok: true, outputs };
    }
    throw new TypeError(`flatMap function must return an iterable, got ${typeof result}`);
  } catch (error) {
    return { ok: false, error };
  }
}
