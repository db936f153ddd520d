/**
 * A stage placed in workers: `concurrency` workers running `worker.ts`, all getting from one
 * `SharedQueue` and putting into another, so items move between workers through shared memory
 * without passing through the main thread.
 *
 * Unordered, the workers are wired to the stage's own input and output queues. Ordered, the
 * main thread numbers the items on the way in (`[seq, item]`) and puts the workers' answers
 * (`[seq, outputs]`) back in order on the way out; a window of `2 * concurrency` numbers bounds
 * how far the fastest worker may run ahead of the slowest, and so the reordering buffer.
 *
 * @module
 */
import type { QueueLike } from '../interfaces.js';
import { Queue } from '../queue/index.js';
import { SharedQueue } from '../shared/index.js';
import type { RunContext } from './context.js';
import { task, tryGetItem } from './context.js';
import { Counters, type WorkerCounts } from './counters.js';
import { END, getWaiting, put } from './io.js';
import { revive, toModuleSpec, WorkerPool, type PooledWorker } from './pool.js';
import type { InitMessage } from './protocol.js';
import type { PlannedStage } from './run.js';
import type { CodecName, StageModule } from './types.js';

/** Default slot size of an ordered stage's envelope queues, in bytes. */
const ENVELOPE_SLOT_SIZE = 1024;

/** A worker stage whose first worker has loaded the stage's module (the others are loading). */
export interface WorkerStage {
  /** Runs until every worker is done (or the pipeline stops); never rejects. */
  run(counters: Counters): Promise<void>;
  /** Resolves once every worker of the stage has exited. */
  readonly exited: Promise<void>;
}

/** A queue that workers can reach: a `SharedQueue` with `codec`. */
export function createShared(
  capacity: number,
  codec: CodecName,
  name: string,
  slotSize: number | undefined,
): QueueLike<unknown> {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new TypeError(
      'worker stages need SharedArrayBuffer, which this page lacks: serve it cross-origin ' +
        'isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)',
    );
  }
  // The number codecs have a fixed slot size; only the others take one.
  const sized = slotSize !== undefined && codec !== 'float64' && codec !== 'int32';
  return new SharedQueue<unknown>({ capacity, codec, name, ...(sized ? { slotSize } : {}) });
}

/**
 * Starts the stage's workers between `input` and `output` (both `SharedQueue`s) and waits until
 * the first of them has loaded the stage's module (the others take items once they have). With a `pool` the workers are borrowed from it (already
 * started, perhaps with the module loaded) and given back at a clean end; without one they are
 * started for this run and closed gracefully at its end, so their console output is flushed.
 *
 * @throws the worker's error when the first to settle fails to start or to load the module;
 *   a later failure fails the run (`run.fail`) instead.
 */
export async function prepareWorkerStage(
  run: RunContext,
  stage: PlannedStage,
  input: QueueLike<unknown>,
  output: QueueLike<unknown>,
  pool?: WorkerPool,
): Promise<WorkerStage> {
  const ordered = stage.ordered;
  const window = 2 * stage.concurrency;
  // Ordered: the workers get numbered items from `tagged` and answer into `answers`.
  // Envelopes hold an item and its outputs as JSON, so their slots default larger.
  const slot = stage.slotSize ?? ENVELOPE_SLOT_SIZE;
  const tagged = ordered
    ? createShared(stage.concurrency, 'json', `${stage.name}.tagged`, slot)
    : undefined;
  const answers = ordered ? createShared(window, 'json', `${stage.name}.answers`, slot) : undefined;
  if (tagged) run.own(tagged);
  if (answers) run.own(answers);
  const workerInput = (tagged ?? input) as SharedQueue<unknown>;
  const workerOutput = (answers ?? output) as SharedQueue<unknown>;

  // Without a pool, a private one for this run only: closed (gracefully) at its end.
  const lender = pool ?? new WorkerPool({ workers: 0, name: stage.name });
  const spec = toModuleSpec(stage.fn as StageModule);
  const workers = lender.lend(stage.concurrency).map((worker, index) => {
    const init: InitMessage = {
      type: 'init',
      stage: stage.name,
      kind: stage.kind,
      spec,
      index,
      input: workerInput.handle,
      output: workerOutput.handle,
      ordered,
      workers: stage.concurrency,
      last: pool === undefined,
    };
    return startJob(run, stage.name, index, worker, init);
  });
  /** Gives a worker back to the pool after a clean job, or terminates it. */
  const release = (w: StageWorker, clean: boolean): void => {
    if (w.released) return;
    w.released = true;
    if (clean) {
      lender.giveBack(w.worker);
      w.markGone();
    } else {
      // Still attached: its exit settles `finished` (quietly, the run being over for it).
      void lender.discard(w.worker).then(w.markGone);
    }
  };
  // A stopping run may have a worker running away: terminate whatever it still holds.
  run.onStop(() => {
    for (const w of workers) release(w, false);
  });
  // Every worker given back or exited; then a private pool closes (gracefully: no lost output).
  const exited = Promise.all(workers.map((w) => w.gone)).then(() =>
    pool === undefined ? lender.close() : undefined,
  );
  try {
    // Items flow as soon as one worker is ready: the others join when they have loaded the
    // module (piscina-like), rather than the whole stage waiting for its slowest start. All
    // load the same module, so a bad one still fails here, before any item moves: the first
    // worker to settle is then the first to fail.
    await new Promise<void>((resolve, reject) => {
      for (const w of workers) w.ready.then(resolve, reject);
    });
  } catch (error) {
    for (const w of workers) release(w, false);
    await exited;
    throw error;
  }
  // A later worker failing to start or to load (after another one could) fails the run with
  // its error, as it would have before the first item; its items are still in the shared
  // queue for the others until the run stops. Once the run stops, a worker terminated while
  // loading rejects `ready` too: `fail` then keeps the first failure.
  for (const w of workers) w.ready.catch((error: unknown) => run.fail(stage.name, error));

  return {
    exited,
    run: async (counters) => {
      const pumps: Promise<void>[] = [];
      if (ordered && tagged && answers) {
        const tickets = new Queue<number>({ capacity: window, name: `${stage.name}.window` });
        run.own(tickets);
        pumps.push(numberItems(run, stage.name, input, tagged, tickets, counters));
        pumps.push(reorder(run, stage.name, answers, output, tickets, counters));
      }
      const counts = await Promise.all(workers.map((w) => w.finished));
      for (const c of counts) if (c) counters.add(c);
      workers.forEach((w, i) => release(w, counts[i] !== undefined && !run.stopping));
      answers?.close(); // the reorderer drains what is left, then ends
      await Promise.all(pumps);
    },
  };
}

interface StageWorker {
  readonly worker: PooledWorker;
  /** Resolves once the worker loaded the module; rejects with its error otherwise. */
  readonly ready: Promise<void>;
  /** Resolves with the worker's counts when it is done, or `undefined` if it stopped early. */
  readonly finished: Promise<WorkerCounts | undefined>;
  /** Set once the worker is given back (clean end) or being terminated. */
  released: boolean;
  /** Resolves once the worker is given back, or has exited after being terminated. */
  readonly gone: Promise<void>;
  readonly markGone: () => void;
}

/** Starts one job of the stage on a borrowed worker and follows it to its end. */
function startJob(
  run: RunContext,
  stage: string,
  index: number,
  worker: PooledWorker,
  init: InitMessage,
): StageWorker {
  let markReady!: () => void;
  let refuse!: (error: unknown) => void;
  let isReady = false;
  let isDone = false;
  let finish!: (counts: WorkerCounts | undefined) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    refuse = reject;
  });
  ready.catch(() => undefined); // observed by prepareWorkerStage; never unhandled
  const finished = new Promise<WorkerCounts | undefined>((resolve) => (finish = resolve));
  const failed = (error: unknown): void => {
    if (isReady) run.fail(stage, error);
    else refuse(error);
    finish(undefined);
  };
  let markGone!: () => void;
  const gone = new Promise<void>((resolve) => (markGone = resolve));
  const job: StageWorker = { worker, ready, finished, released: false, gone, markGone };
  worker.attach({
    message: (message) => {
      if (message.type === 'ready') {
        isReady = true;
        markReady();
      } else if (message.type === 'done') {
        isDone = true;
        finish(message.counts);
      } else if (message.type === 'error') {
        failed(revive(message.error));
      }
    },
    error: failed,
    exit: () => {
      // Terminated by us (the pipeline stopping) or gone on its own (a bug, or user code
      // calling process.exit): only the last is an error.
      if (!isDone && !run.stopping && !job.released) {
        failed(new Error(`worker ${index} of stage '${stage}' exited early`));
      }
      refuse(new Error(`worker ${index} of stage '${stage}' stopped before it was ready`));
      finish(undefined);
    },
  });
  worker.post(init);
  return job;
}

/** Ordered, on the way in: numbers each item and passes it to the workers. */
function numberItems(
  run: RunContext,
  stage: string,
  input: QueueLike<unknown>,
  tagged: QueueLike<unknown>,
  tickets: QueueLike<number>,
  counters: Counters,
): Promise<void> {
  const scratch = new Counters();
  return task(run, stage, async () => {
    try {
      for (let seq = 0; ; seq++) {
        const got = tryGetItem(input);
        let item: unknown;
        if (got.ok) {
          item = got.value;
        } else {
          const waited = await getWaiting(input, counters);
          if (waited === END) return;
          item = waited;
        }
        // A ticket per item in flight: waits while the window is full.
        const ticket = put(tickets, seq, scratch);
        if (ticket === false || (ticket !== true && !(await ticket))) return;
        const sent = put(tagged, [seq, item], scratch);
        if (sent === false || (sent !== true && !(await sent))) return;
      }
    } finally {
      tagged.close(); // the workers drain what is left, then say done
    }
  });
}

/** Ordered, on the way out: puts the workers' outputs into `output` in input order. */
function reorder(
  run: RunContext,
  stage: string,
  answers: QueueLike<unknown>,
  output: QueueLike<unknown>,
  tickets: QueueLike<number>,
  counters: Counters,
): Promise<void> {
  const scratch = new Counters(); // itemsOut is the workers' count; keep the waits and depth
  const early = new Map<number, unknown[]>();
  let next = 0;
  return task(run, stage, async () => {
    try {
      for (;;) {
        const got = tryGetItem(answers);
        let answer: unknown;
        if (got.ok) {
          answer = got.value;
        } else {
          const waited = await getWaiting(answers, scratch);
          if (waited === END) return;
          answer = waited;
        }
        const [seq, outputs] = answer as [number, unknown[]];
        early.set(seq, outputs);
        for (let ready = early.get(next); ready !== undefined; ready = early.get(next)) {
          early.delete(next);
          next++;
          for (const value of ready) {
            const sent = put(output, value, scratch);
            if (sent === false || (sent !== true && !(await sent))) return;
          }
          tickets.tryGet(); // one more item may enter the window
        }
      }
    } finally {
      counters.blockedOnPutMs += scratch.blockedOnPutMs;
      counters.peakQueueDepth = Math.max(counters.peakQueueDepth, scratch.peakQueueDepth);
    }
  });
}
