/**
 * {@link WorkerPool}: workers kept between runs of a pipeline, as piscina keeps its threads.
 *
 * Starting a worker costs tens of milliseconds (a thread, core's worker code, the stage's module);
 * a pipeline without a pool pays it on every `run()`. A pool starts its workers once (at
 * construction, before the first item) and lends them to the worker stages of every run it is
 * given to; a lent worker keeps the stage modules it has loaded, so a second run of the same
 * definition starts at once.
 *
 * @module
 */
import { checkNonNegativeInteger, describe } from '../options.js';
import { StageLoadError } from './load.js';
import type { MainMessage, ModuleSpec, WorkerMessage } from './protocol.js';
import { spawnWorker, type WorkerPort } from './spawn.js';
import type { StageModule } from './types.js';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /**
   * How many workers to start now. A run that needs more (the sum of its worker stages'
   * `concurrency`) starts the rest and keeps them too. Default 1.
   */
  workers?: number;
  /** Stage modules every worker imports as soon as it starts, before any run needs them. */
  preload?: readonly StageModule[];
  /** Shown in debuggers as the workers' name prefix. Default `'baton pool'`. */
  name?: string;
}

/** What a worker stage listens to while it holds a pooled worker. */
export interface JobListener {
  message(message: WorkerMessage): void;
  error(error: unknown): void;
  /** The worker exited (crashed, or terminated). */
  exit(): void;
}

/** One worker of a pool, lent to one stage of one run at a time. */
export class PooledWorker {
  private job: JobListener | undefined;
  private gone = false;
  /** Resolves when every module sent with {@link PooledWorker.preload} is loaded. */
  private loading: Promise<void>[] = [];
  private answers: ((error: unknown) => void)[] = [];

  constructor(
    readonly port: WorkerPort,
    private readonly onExit: (worker: PooledWorker) => void,
  ) {
    port.onMessage((data) => {
      const message = data as WorkerMessage;
      if (message.type === 'loaded') this.answers.shift()?.(message.error);
      else this.job?.message(message);
    });
    port.onError((error) => {
      if (this.job) this.job.error(error);
      else port.terminate(); // broke while idle: not worth keeping
    });
    void port.exited.then(() => {
      this.gone = true;
      for (const answer of this.answers.splice(0)) answer(new Error('worker exited'));
      this.onExit(this);
      this.job?.exit();
    });
  }

  /** Whether the worker has exited. */
  get exited(): boolean {
    return this.gone;
  }

  post(message: MainMessage): void {
    this.port.post(message);
  }

  /** Routes the worker's messages to `listener` until {@link PooledWorker.detach}. */
  attach(listener: JobListener): void {
    this.job = listener;
    if (this.gone) listener.exit();
  }

  detach(): void {
    this.job = undefined;
  }

  /** Imports `spec` in the worker now; the promise rejects with the worker's load error. */
  preload(spec: ModuleSpec): Promise<void> {
    const loaded = new Promise<void>((resolve, reject) => {
      this.answers.push((error) => (error === undefined ? resolve() : reject(revive(error))));
    });
    this.post({ type: 'load', spec });
    this.loading.push(loaded);
    return loaded;
  }

  /** Resolves once every preload so far has settled; rejects with the first failure. */
  async loaded(): Promise<void> {
    await Promise.all(this.loading);
  }
}

/**
 * Workers kept for the worker stages of pipeline runs: give it to `pipeline({ pool })` and
 * every run borrows its workers instead of starting new ones, and returns them at its end. The
 * workers start when the pool is made, and keep the stage modules they have loaded, so the
 * second run of a definition pays no start-up at all. Close it with `close()` (or `using` /
 * `await using`): each worker finishes, flushes its console output and exits.
 *
 * A run that stops early (an error, an abort) terminates the workers it borrowed, which may be
 * running away; the pool starts new ones when next needed.
 *
 * @example
 * ```ts
 * import { map, pipeline, WorkerPool } from '@baton/core';
 *
 * const heavy = { module: new URL('./heavy.js', import.meta.url) };
 * await using pool = new WorkerPool({ workers: 2, preload: [heavy] });
 * const squares = pipeline<number, number>({
 *   source: [1, 2, 3, 4],
 *   stages: [map<number, number>(heavy, { placement: 'worker', concurrency: 2 })],
 *   pool,
 * });
 * await pool.ready(); // optional: both workers started and heavy.js loaded
 * const first = await squares.run();
 * const second = await squares.run(); // the same two workers, already warm
 * ```
 */
export class WorkerPool {
  /** `'WorkerPool'`. */
  readonly kind = 'WorkerPool';
  readonly name: string;
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();
  private readonly preloads: readonly ModuleSpec[];
  private closing: Promise<void> | undefined;
  private spawned = 0;

  constructor(options: WorkerPoolOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`worker pool options must be an object, got ${describe(options)}`);
    }
    const workers = options.workers ?? 1;
    checkNonNegativeInteger('workers', workers);
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new TypeError(`name must be a string, got ${describe(options.name)}`);
    }
    if (options.preload !== undefined && !Array.isArray(options.preload)) {
      throw new TypeError(
        `preload must be an array of stage modules, got ${describe(options.preload)}`,
      );
    }
    this.name = options.name ?? 'baton pool';
    this.preloads = (options.preload ?? []).map((spec, i) => toModuleSpec(spec, `preload[${i}]`));
    for (let i = 0; i < workers; i++) this.idle.push(this.spawn());
  }

  /** Workers alive (idle or lent). */
  get size(): number {
    return this.all.size;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Resolves once every worker started so far has loaded the `preload` modules (so a run will
   * not wait for them); rejects with a `StageLoadError` when one of them cannot be loaded.
   */
  async ready(): Promise<void> {
    await Promise.all([...this.all].map((worker) => worker.loaded()));
  }

  /**
   * Lends `count` workers, starting those the pool lacks. They are the caller's until
   * {@link WorkerPool.giveBack} or {@link WorkerPool.discard}.
   *
   * @internal Used by worker stages.
   * @throws Error when the pool is closed.
   */
  lend(count: number): PooledWorker[] {
    if (this.closing) throw new Error(`worker pool '${this.name}' is closed`);
    const lent: PooledWorker[] = [];
    while (lent.length < count) {
      const worker = this.idle.pop();
      if (worker === undefined) lent.push(this.spawn());
      else if (!worker.exited) lent.push(worker);
    }
    return lent;
  }

  /**
   * Takes back a worker that finished its job cleanly (idle again).
   *
   * @internal Used by worker stages.
   */
  giveBack(worker: PooledWorker): void {
    worker.detach();
    if (worker.exited) return;
    if (this.closing) void worker.port.close();
    else this.idle.push(worker);
  }

  /**
   * Terminates a lent worker (its run stopped early; it may be running away).
   *
   * @internal Used by worker stages.
   */
  discard(worker: PooledWorker): Promise<void> {
    worker.port.terminate();
    return worker.port.exited;
  }

  /**
   * Closes the pool: idle workers finish and exit on their own now (their console output
   * flushed), lent ones when their run gives them back. Resolves once every worker has exited.
   * Idempotent.
   */
  close(): Promise<void> {
    if (this.closing === undefined) {
      for (const worker of this.idle.splice(0)) void worker.port.close();
      const exits = (): Promise<unknown> =>
        Promise.all([...this.all].map((worker) => worker.port.exited));
      // Workers lent now exit when given back; wait until none is left.
      this.closing = (async () => {
        while (this.all.size > 0) await exits();
      })();
    }
    return this.closing;
  }

  /** `using pool = new WorkerPool()`: starts closing (the workers exit shortly after). */
  [Symbol.dispose](): void {
    void this.close();
  }

  /** `await using pool = new WorkerPool()`: closes and waits for every worker to exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private spawn(): PooledWorker {
    const port = spawnWorker(`${this.name} #${this.spawned++}`);
    const worker = new PooledWorker(port, (gone) => {
      this.all.delete(gone);
      const at = this.idle.indexOf(gone);
      if (at >= 0) this.idle.splice(at, 1);
    });
    this.all.add(worker);
    for (const spec of this.preloads) worker.preload(spec).catch(() => undefined); // see ready()
    return worker;
  }
}

/** A stage module as plain data for `postMessage` (a URL object becomes its string). */
export function toModuleSpec(spec: StageModule, field = 'module'): ModuleSpec {
  const s = spec as Partial<Record<'module' | 'source' | 'export', unknown>> | null;
  const exported = s?.export === undefined ? {} : { export: String(s.export) };
  if (s && (typeof s.module === 'string' || s.module instanceof URL)) {
    return { module: String(s.module), ...exported };
  }
  if (s && typeof s.source === 'string') return { source: s.source, ...exported };
  throw new TypeError(
    `${field} must be { module: URL | string } or { source: string }, got ${describe(spec)}`,
  );
}

/** An error that came through `postMessage`: an Error if it was one, else rebuilt as one. */
export function revive(error: unknown): unknown {
  if (error instanceof Error) return error;
  const e = error as { name?: string; message?: string; stack?: string } | null;
  if (e && typeof e.message === 'string') {
    const revived =
      e.name === 'StageLoadError' ? new StageLoadError(e.message) : new Error(e.message);
    if (e.name !== undefined && revived.name !== e.name) revived.name = e.name;
    if (e.stack) revived.stack = e.stack;
    return revived;
  }
  return error;
}
