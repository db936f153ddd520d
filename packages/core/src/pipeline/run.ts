/**
 * One run of a pipeline: makes the queues, starts every part, closes each queue when the part
 * before it is done, stops everything on the first error or on abort, and gathers the stats.
 *
 * Stopping: the first failure (or the caller's abort) aborts the run's own signal (given to
 * every user function), closes every queue at once (so every waiting get and put rejects with
 * `ClosedError` and every part leaves its loop) and terminates the workers. `run()` settles only
 * after every part, every pending call and every worker is done, so nothing is left running.
 *
 * @module
 */
import type { QueueLike } from '../interfaces.js';
import { Queue } from '../queue/index.js';
import { emit, tracing, type TraceSubject } from '../trace/tracer.js';
import type { RunContext } from './context.js';
import { Counters, toStats, type PartInfo } from './counters.js';
import { runSink, runSource } from './ends.js';
import { PipelineError } from './errors.js';
import { loadStageFunction } from './load.js';
import { runThreadStage } from './thread-stage.js';
import type {
  CodecName,
  Placement,
  PipelineResult,
  SinkFunction,
  SinkQueue,
  Source,
  StageFunction,
  StageKind,
  StageModule,
} from './types.js';
import type { WorkerPool } from './pool.js';
import { createShared, prepareWorkerStage, type WorkerStage } from './worker-stage.js';

/** A stage with every option settled. */
export interface PlannedStage {
  readonly kind: StageKind;
  readonly name: string;
  readonly fn: StageFunction<unknown, unknown> | StageModule;
  readonly concurrency: number;
  readonly capacity: number;
  readonly ordered: boolean;
  readonly placement: Placement;
  readonly codec: CodecName;
  readonly slotSize: number | undefined;
}

/** A checked pipeline definition. */
export interface Plan {
  readonly source: Source<unknown>;
  readonly producers: number;
  readonly stages: readonly PlannedStage[];
  readonly sink: SinkFunction<unknown> | SinkQueue<unknown> | undefined;
  readonly consumers: number;
  readonly capacity: number;
  readonly codec: CodecName;
  readonly slotSize: number | undefined;
  /** Where worker stages borrow their workers; none: each run starts its own. */
  readonly pool: WorkerPool | undefined;
}

class Run implements RunContext {
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  private failure: { error: unknown } | undefined;
  private readonly queues: QueueLike<unknown>[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly stoppers: (() => void)[] = [];

  constructor(private readonly subject: TraceSubject) {}

  get stopping(): boolean {
    return this.failure !== undefined;
  }

  get error(): unknown {
    return this.failure?.error;
  }

  fail(part: string, error: unknown): void {
    if (this.failure !== undefined) return; // only the first failure (or abort) counts
    this.stop(new PipelineError(part, error));
    if (tracing()) emit(this.subject, 'broken', { stage: part, error: String(error) });
  }

  /** The caller's signal aborted: stop, and reject `run()` with its reason. */
  abort(reason: unknown): void {
    if (this.failure !== undefined) return;
    this.stop(reason);
    if (tracing()) emit(this.subject, 'abort', { reason: String(reason) });
  }

  private stop(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = { error };
    this.controller.abort(error);
    for (const queue of this.queues) queue.close({ immediate: true });
    for (const stopper of this.stoppers) stopper();
  }

  track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    const forget = (): void => void this.pending.delete(promise);
    promise.then(forget, forget);
  }

  own(queue: QueueLike<unknown>): void {
    this.queues.push(queue);
    if (this.stopping) queue.close({ immediate: true });
  }

  /** Registers what to do when the run stops early (e.g. terminate workers). */
  onStop(stopper: () => void): void {
    this.stoppers.push(stopper);
    if (this.stopping) stopper();
  }

  /** Waits for every tracked call, including calls tracked while waiting. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}

/**
 * Objects that keep the hidden classes of a run's own objects alive between runs. V8 reaches
 * the shape a class instance ends up with only weakly (through the transitions from the class's
 * initial shape); once a run is over its `Run` and queues are garbage, and a full GC would drop
 * their shapes and with them the optimized code of every hot function that checks for them (the
 * next run of 1M items then cost about twice as much, more on a busy machine where recompiling
 * waits for a core). So one `Run` lives as long as the module, and the latest in-thread queue a
 * run made is kept (closed and empty by then: it holds no item).
 */
const shapes: { run: Run; queue: Queue<unknown> | undefined } = {
  run: new Run({ kind: 'Pipeline', id: 0, name: 'shape keeper' }),
  queue: undefined,
};

/** A part of the running pipeline (source, stage or sink). */
type Part = PartInfo;

/** Runs `plan` once; see {@link Pipeline.run}. */
export async function runPipeline(
  subject: TraceSubject,
  plan: Plan,
  signal: AbortSignal | undefined,
): Promise<PipelineResult<unknown>> {
  const run = new Run(subject);
  const startedAt = performance.now();
  const onAbort = (): void => run.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const { stages } = plan;
  const shared = (i: number): boolean =>
    stages[i - 1]?.placement === 'worker' || stages[i]?.placement === 'worker';

  // The queue before stage i is queues[i]; queues[stages.length] feeds the sink. A queue next
  // to a worker stage is a SharedQueue (so workers can reach it), any other an in-thread Queue.
  const partNames = ['source', ...stages.map((s) => s.name), 'sink'];
  const queues: QueueLike<unknown>[] = [];
  const workerStages: (WorkerStage | undefined)[] = [];
  const items: unknown[] = [];
  const parts: Part[] = [];
  try {
    for (let i = 0; i <= stages.length && !run.stopping; i++) {
      const capacity = stages[i - 1]?.capacity ?? plan.capacity;
      const name = `${subject.name}: ${partNames[i]} -> ${partNames[i + 1]}`;
      if (!shared(i)) {
        const queue = new Queue<unknown>({ capacity, name });
        shapes.queue = queue; // see `shapes`
        queues.push(queue);
      } else {
        try {
          const codec = stages[i - 1]?.codec ?? plan.codec;
          queues.push(
            createShared(capacity, codec, name, stages[i - 1]?.slotSize ?? plan.slotSize),
          );
        } catch (error) {
          // Blame the worker stage that needs this queue (e.g. no SharedArrayBuffer here).
          const worker = stages[i]?.placement === 'worker' ? stages[i] : stages[i - 1];
          run.fail(worker?.name ?? 'pipeline', error);
          break;
        }
      }
      run.own(queues[i] as QueueLike<unknown>);
    }
    parts.push(part('source', 'source', 'thread', plan.producers, plan.capacity));
    for (const stage of stages) {
      parts.push(part(stage.name, stage.kind, stage.placement, stage.concurrency, stage.capacity));
    }
    parts.push(part('sink', 'sink', 'thread', plan.consumers, 0));
    if (tracing()) emit(subject, 'created', describeRun(parts, queues));

    // Load every stage's code (and start its workers) before any item moves, so a bad module
    // fails the run before the source has produced anything.
    const loaded = await Promise.all(
      stages.map(async (stage, i) => {
        if (run.stopping) return undefined;
        try {
          if (stage.placement === 'worker') {
            const prepared = await prepareWorkerStage(
              run,
              stage,
              queues[i] as QueueLike<unknown>,
              queues[i + 1] as QueueLike<unknown>,
              plan.pool,
            );
            workerStages[i] = prepared;
            return undefined;
          }
          return typeof stage.fn === 'function'
            ? stage.fn
            : await loadStageFunction(stage.fn, stage.name);
        } catch (error) {
          run.fail(stage.name, error);
          return undefined;
        }
      }),
    );

    const done: Promise<void>[] = [];
    const finish = (index: number) => (): void => {
      const counters = (parts[index] as Part).counters;
      counters.endedAt = performance.now();
      queues[index]?.close(); // the part after this one sees its input end once it is drained
      if (tracing()) {
        emit(subject, 'close', {
          stage: partNames[index],
          stats: toStats(parts[index] as Part, startedAt, counters.endedAt),
        });
      }
    };
    if (!run.stopping) {
      done.push(
        runSource(
          run,
          plan.source,
          plan.producers,
          queues[0] as QueueLike<unknown>,
          counters(0),
        ).then(finish(0)),
      );
      stages.forEach((stage, i) => {
        const input = queues[i] as QueueLike<unknown>;
        const output = queues[i + 1] as QueueLike<unknown>;
        const worker = workerStages[i];
        const started =
          worker !== undefined
            ? worker.run(counters(i + 1))
            : runThreadStage(
                run,
                // A literal, not a spread: its shape is held by this code, so it survives GCs.
                {
                  kind: stage.kind,
                  name: stage.name,
                  fn: loaded[i] as StageFunction<unknown, unknown>,
                  concurrency: stage.concurrency,
                  ordered: stage.ordered,
                },
                input,
                output,
                counters(i + 1),
              );
        done.push(started.then(finish(i + 1)));
      });
      done.push(
        runSink(
          run,
          plan.sink,
          plan.consumers,
          queues[stages.length] as QueueLike<unknown>,
          counters(stages.length + 1),
          items,
        ).then(finish(stages.length + 1)),
      );
    }
    await Promise.all(done);
  } catch (error) {
    run.fail('pipeline', error);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await run.settle();
    for (const worker of workerStages) await worker?.exited;
  }
  if (run.stopping) throw run.error;
  const now = performance.now();
  if (tracing()) emit(subject, 'close', { durationMs: now - startedAt });
  return Object.freeze({
    items,
    stats: Object.freeze(parts.map((p) => toStats(p, startedAt, now))),
    durationMs: now - startedAt,
  });

  function counters(index: number): Counters {
    return (parts[index] as Part).counters;
  }
}

function part(
  name: string,
  kind: PartInfo['kind'],
  placement: Placement,
  concurrency: number,
  capacity: number,
): Part {
  return { name, kind, placement, concurrency, capacity, counters: new Counters() };
}

function describeRun(parts: readonly Part[], queues: readonly QueueLike<unknown>[]) {
  return {
    parts: parts.map((p) => ({
      name: p.name,
      kind: p.kind,
      placement: p.placement,
      concurrency: p.concurrency,
    })),
    queues: queues.map((q) => ({ name: (q as { name?: string }).name, capacity: q.capacity })),
  };
}
