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
import type { InitMessage, WorkerMessage } from './protocol.js';
import type { PlannedStage } from './run.js';
import { spawnWorker, type WorkerPort } from './spawn.js';
import type { CodecName, StageModule } from './types.js';

/** Default slot size of an ordered stage's envelope queues, in bytes. */
const ENVELOPE_SLOT_SIZE = 1024;

/** A worker stage whose workers are started and have loaded the stage's module. */
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
 * each has loaded the stage's module.
 *
 * @throws the worker's error when one fails to start or to load the module.
 */
export async function prepareWorkerStage(
  run: RunContext,
  stage: PlannedStage,
  input: QueueLike<unknown>,
  output: QueueLike<unknown>,
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

  const workers: StageWorker[] = [];
  const spec = serialisable(stage.fn as StageModule);
  for (let index = 0; index < stage.concurrency; index++) {
    const init: InitMessage = {
      type: 'init',
      stage: stage.name,
      kind: stage.kind,
      spec,
      index,
      input: workerInput.handle,
      output: workerOutput.handle,
      ordered,
    };
    workers.push(startWorker(run, stage.name, index, init));
  }
  const exited = Promise.all(workers.map((w) => w.port.exited)).then(() => undefined);
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (error) {
    for (const w of workers) w.port.terminate();
    await exited;
    throw error;
  }

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
      for (const w of workers) w.port.terminate(); // idle now; Node would keep it otherwise
      answers?.close(); // the reorderer drains what is left, then ends
      await Promise.all(pumps);
    },
  };
}

interface StageWorker {
  readonly port: WorkerPort;
  /** Resolves once the worker loaded the module; rejects with its error otherwise. */
  readonly ready: Promise<void>;
  /** Resolves with the worker's counts when it is done, or `undefined` if it stopped early. */
  readonly finished: Promise<WorkerCounts | undefined>;
}

function startWorker(
  run: RunContext,
  stage: string,
  index: number,
  init: InitMessage,
): StageWorker {
  const port = spawnWorker(`${stage} #${index}`);
  run.onStop(() => port.terminate());
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
  port.onMessage((data) => {
    const message = data as WorkerMessage;
    if (message.type === 'ready') {
      isReady = true;
      markReady();
    } else if (message.type === 'done') {
      isDone = true;
      finish(message.counts);
    } else if (message.type === 'error') {
      failed(revive(message.error));
    }
  });
  port.onError((error) => failed(error));
  void port.exited.then(() => {
    // Terminated by us (done, or the pipeline stopping) or gone on its own (a bug, or user
    // code calling process.exit): only the last is an error.
    if (!isDone && !run.stopping)
      failed(new Error(`worker ${index} of stage '${stage}' exited early`));
    refuse(new Error(`worker ${index} of stage '${stage}' stopped before it was ready`));
    finish(undefined);
  });
  port.post(init);
  return { port, ready, finished };
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

/** A stage module as plain data for `postMessage` (a URL object becomes its string). */
function serialisable(spec: StageModule): InitMessage['spec'] {
  const exported = spec.export === undefined ? {} : { export: spec.export };
  return 'module' in spec
    ? { module: String(spec.module), ...exported }
    : { source: spec.source, ...exported };
}

/** An error that came through `postMessage`: an Error if it was one, else rebuilt as one. */
function revive(error: unknown): unknown {
  if (error instanceof Error) return error;
  const e = error as { name?: string; message?: string; stack?: string } | null;
  if (e && typeof e.message === 'string') {
    const revived = new Error(e.message);
    revived.name = e.name ?? 'Error';
    if (e.stack) revived.stack = e.stack;
    return revived;
  }
  return error;
}
