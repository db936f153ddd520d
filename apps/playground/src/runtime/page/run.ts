/**
 * One run, on the page: creates the shared primitives, starts one worker per producer and per
 * consumer, feeds their events to a {@link RunModel}, notices the end (everyone finished, a
 * deadlock, or Stop) and decides the verdict.
 *
 * @module
 */
import { scanDeclarations } from './declarations.js';
import { RunModel } from './model.js';
import type {
  EventBatch,
  InitMessage,
  Language,
  Settings,
  WorkerSpec,
} from '../common/protocol.js';
import { createShared, type SharedRun } from './shared.js';
import { Stepper } from './stepper.js';
import { explainStuck } from './wait-graph.js';
import { account, decide, isStuck, type Deadlock, type Verdict } from './verdict.js';

/** What the user wrote: both panes and the settings. */
export interface Program {
  readonly producer: string;
  readonly consumer: string;
  readonly language: Language;
  readonly settings: Settings;
}

/**
 * How long every worker must have been blocked, with nothing happening, before the run is
 * called deadlocked. Short enough to answer "within a second of the last progress"; long
 * enough that a worker just woken on a busy machine has time to report it.
 */
export const DEADLOCK_QUIET_MS = 400;

/** The workers of a run, named as the page and the verdict name them. */
export function workerSpecs(settings: Settings): WorkerSpec[] {
  const specs: WorkerSpec[] = [];
  for (let i = 1; i <= settings.producers; i++) {
    specs.push({ id: specs.length, role: 'producer', index: i, name: `producer ${i}` });
  }
  for (let i = 1; i <= settings.consumers; i++) {
    specs.push({ id: specs.length, role: 'consumer', index: i, name: `consumer ${i}` });
  }
  return specs;
}

/** How a run is driven. */
export interface RunOptions {
  /** `'step'`: the page holds every worker before each primitive call (step mode, replay). */
  readonly mode?: 'free' | 'step';
  /** Seed of the workers' `random()`; a replay passes the recorded one. */
  readonly seed?: number;
}

/** Creates a worker running `worker/main.ts`; replaceable in tests. */
export type WorkerFactory = (spec: WorkerSpec) => Worker;

/**
 * The worker module's address. The production build makes the worker an entry of the page's own
 * build (see `vite.config.ts`), so the page and its workers share one copy of `@baton/core`
 * instead of fetching it twice; in development Vite serves the module from its source.
 */
const WORKER_URL = import.meta.env.DEV
  ? new URL(/* @vite-ignore */ '../worker/main.ts', import.meta.url)
  : new URL(`${import.meta.env.BASE_URL}assets/worker.js?v=${__BATON_BUILD__}`, location.href);

const spawn = (): Worker => new Worker(WORKER_URL, { type: 'module', name: 'baton worker' });

/**
 * Workers started ahead of time, waiting for their `init` message: loading and evaluating the
 * worker module is most of a small run's time, so the page keeps the next run's workers ready.
 * A worker serves one run only (Stop terminates it), so the pool refills after each run.
 */
const spare: Worker[] = [];
/** Spare workers whose module failed to load: never handed to a run. */
const broken = new WeakSet<Worker>();

/** Starts workers until `count` are waiting for the next run. */
export function prewarm(count: number): void {
  while (spare.length < count) {
    const worker = spawn();
    worker.onerror = () => broken.add(worker);
    spare.push(worker);
  }
}

const defaultFactory: WorkerFactory = () => {
  for (let worker = spare.shift(); worker !== undefined; worker = spare.shift()) {
    if (!broken.has(worker)) return worker;
    worker.terminate();
  }
  return spawn();
};

export class Run {
  readonly model: RunModel;
  readonly specs: readonly WorkerSpec[];
  verdict: Verdict | null = null;
  /** `performance.now()` when the run started and ended. */
  readonly startedAt = performance.now();
  endedAt: number | null = null;
  /** For a deadlock: ms between the last event received and the moment it was called. */
  detectedAfter: number | null = null;
  #workers: Worker[] = [];
  readonly #shared: SharedRun;
  #lastReceived = performance.now();
  readonly #onEnd: (run: Run) => void;
  /** Step mode, replay, and the recorded order of passes. */
  readonly stepper: Stepper;
  /** Seed of the workers' `random()`. */
  readonly seed: number;
  /** The order of passes when the run ended (see {@link Stepper.schedule}). */
  schedule: readonly number[] = [];

  /**
   * Starts the run at once.
   *
   * @throws {DeclarationError} when the panes declare primitives that cannot be created.
   */
  constructor(
    program: Program,
    onEnd: (run: Run) => void,
    factory: WorkerFactory = defaultFactory,
    options: RunOptions = {},
  ) {
    this.#onEnd = onEnd;
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const { settings } = program;
    const declarations = scanDeclarations(
      { producer: program.producer, consumer: program.consumer },
      settings,
    );
    this.specs = workerSpecs(settings);
    this.model = new RunModel(this.specs, declarations, settings);
    this.#shared = createShared(declarations, settings);
    // Attached before any worker starts, so that each one's first step is steered or recorded.
    this.stepper = new Stepper(this.#shared.registry, this.specs, options.mode === 'step', (w) => {
      const state = this.model.lanes[w]?.state;
      return state === 'done' || state === 'failed';
    });
    const { handles } = this.#shared;
    const epoch = performance.timeOrigin + performance.now();
    for (const spec of this.specs) {
      const worker = factory(spec);
      worker.onmessage = (event: MessageEvent<EventBatch>) => {
        this.#lastReceived = performance.now();
        this.model.receive(event.data);
      };
      worker.onerror = (event) => {
        // The worker script itself failed to load or threw outside user code.
        event.preventDefault();
        this.model.fail(spec.id, {
          phase: 'runtime',
          name: 'WorkerError',
          message: event.message || 'the worker failed to start',
        });
      };
      const init: InitMessage = {
        type: 'init',
        worker: spec,
        source: spec.role === 'producer' ? program.producer : program.consumer,
        language: program.language,
        settings,
        declarations,
        handles,
        startedAt: epoch,
        seed: this.seed,
      };
      worker.postMessage(init);
      this.#workers.push(worker);
    }
  }

  get running(): boolean {
    return this.verdict === null;
  }

  /**
   * Applies what arrived and checks whether the run is over. Call once per frame.
   *
   * @returns whether the run ended during this call.
   */
  tick(): boolean {
    if (this.verdict !== null) return false;
    this.model.drain(false, performance.now());
    if (this.model.finished && !this.model.waitingForEvents) {
      this.#end(false);
      return true;
    }
    // Code that does not compile: say so now, without waiting for the others to look stuck.
    if (this.model.errors.some((e) => e.error.phase === 'syntax')) {
      this.#end(false);
      return true;
    }
    // Stepped into a state where nobody can take a step: a deadlock, known without waiting
    // for quiet. Shared memory says so before the workers' last events arrive; the verdict
    // waits for those, so that it can explain every worker's wait.
    if (this.stepper.stuck && !this.model.waitingForEvents && isStuck(this.model.graph())) {
      this.#end(true);
      return true;
    }
    if (
      !this.model.waitingForEvents &&
      performance.now() - this.#lastReceived >= DEADLOCK_QUIET_MS &&
      isStuck(this.model.graph())
    ) {
      this.#end(true);
      return true;
    }
    return false;
  }

  /** Ends the run now: terminates every worker, whatever its code is doing. */
  stop(): void {
    if (this.verdict !== null) return;
    this.#terminate();
    this.model.drain(true);
    this.#finish({ stopped: true, deadlocked: false });
  }

  #terminate(): void {
    for (const worker of this.#workers) worker.terminate();
    this.#workers = [];
  }

  #end(deadlocked: boolean): void {
    this.#terminate();
    this.#finish({ stopped: false, deadlocked });
  }

  /**
   * Lets worker `w` take its next step (step mode), then checks whether the run ended.
   *
   * @example
   * ```ts
   * const run = new Run(program, onEnd, undefined, { mode: 'step' });
   * await run.step(0); // producer 1 makes its first primitive call
   * ```
   */
  async step(w: number): Promise<void> {
    if (this.verdict !== null) return;
    const lane = this.model.lanes[w];
    if (lane !== undefined) lane.intent = null;
    await this.stepper.step(w);
    this.tick();
  }

  /** Leaves step mode: every worker goes on by itself. */
  release(): void {
    this.stepper.release();
  }

  /**
   * The deadlock in words: core's one wait-for analysis and wording, over the page's model of
   * the run (see `wait-graph.ts`).
   */
  #explain(): Deadlock {
    // Durations up to the moment the deadlock is called, not the last event.
    return explainStuck(this.model, Math.max(this.model.now, performance.now() - this.startedAt));
  }

  #finish({ stopped, deadlocked }: { stopped: boolean; deadlocked: boolean }): void {
    this.schedule = this.stepper.schedule();
    this.stepper.dispose();
    const t = Math.max(this.model.now, performance.now() - this.startedAt);
    const deadlock = deadlocked ? this.#explain() : null;
    this.model.stopLive(t, deadlocked ? 'blocked' : 'stopped');
    this.endedAt = performance.now();
    if (deadlocked) this.detectedAfter = this.endedAt - this.#lastReceived;
    this.verdict = decide({
      accounting: account(this.model.produced, this.model.consumed, this.model.phantoms),
      errors: this.model.errors,
      deadlock,
      stopped,
    });
    this.#onEnd(this);
  }
}
