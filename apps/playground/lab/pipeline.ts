// Lab page driven by e2e/tests/pipeline.spec.ts: one pipeline definition whose middle stage runs
// in this thread and in two module Web Workers, the stage given as source text and as a module
// URL. It runs each form unordered and ordered, then with a stage that throws; then a module URL
// that does not load, and an abort while a worker is stuck in a loop. It exposes what it saw on
// `window.pipelineLab`. A wrapper around `Worker` counts the workers alive after each run, so
// the test can check that a run leaves none behind.
import { PipelineError, map, pipeline, type Placement, type StageModule } from '@baton/core';
// `?url&no-inline`: Vite emits the stage module as a file of its own (as is: plain JavaScript,
// no imports) and gives its URL; without `no-inline` a small one becomes a data: URL, which
// imports too. Not `?worker&url`: Vite bundles a worker entry with its exports removed.
import stageUrl from './pipeline-stage.js?url&no-inline';

const ITEMS = 200;
const WORKERS = 2;

// Counting wrapper: the pipeline's `new Worker(...)` looks `Worker` up on the global object. A
// browser worker ends only when terminated (the stage bootstrap never calls `self.close()`), so
// started minus terminated is the number alive.
const NativeWorker = globalThis.Worker;
let live = 0;
let started = 0;
class CountingWorker extends NativeWorker {
  #terminated = false;
  constructor(url: string | URL, options?: WorkerOptions) {
    super(url, options);
    live++;
    started++;
  }
  override terminate(): void {
    if (!this.#terminated) {
      this.#terminated = true;
      live--;
    }
    super.terminate();
  }
}
globalThis.Worker = CountingWorker;

// The same stage as source text: what the playground's editor gives.
const stageSource = `
function spin(x) {
  const until = performance.now() + ((x * 7) % 5) * 0.3;
  while (performance.now() < until) {}
}
export default function square(x) {
  spin(x);
  return x * x;
}
export function failOn13(x) {
  if (x === 13) throw new RangeError('item ' + x + ' is unlucky');
  return x;
}
`;

/** How the middle stage is given: source text, or the module's URL from `?url` or `new URL`. */
const FORMS = ['source', 'url import', 'new URL'] as const;
type Form = (typeof FORMS)[number];

function stageModule(form: Form, exported?: string): StageModule {
  const named = exported === undefined ? {} : { export: exported };
  if (form === 'source') return { source: stageSource, ...named };
  // Vite rewrites this `new URL` (a literal path) to the emitted file, or to a data: URL when
  // the file is under `build.assetsInlineLimit`; both import.
  if (form === 'new URL')
    return { module: new URL('./pipeline-stage.js', import.meta.url), ...named };
  return { module: new URL(stageUrl, import.meta.url), ...named };
}

/** The one definition: only the middle stage's placement (and order) changes. */
function definition(middle: StageModule, placement: Placement, ordered: boolean) {
  const range = Array.from({ length: ITEMS }, (_, i) => i);
  return pipeline<number, number>({
    source: range,
    stages: [
      map((x: number) => x + 1, { name: 'plus one' }),
      map<number, number>(middle, { name: 'square', placement, concurrency: WORKERS, ordered }),
      map((x: number) => x - 1, { name: 'minus one' }),
    ],
    capacity: 8,
  });
}

interface RunReport {
  form: Form;
  placement: Placement;
  ordered: boolean;
  items: number[];
  stats: [string, Placement, number, number][];
  workersStarted: number;
  workersAlive: number;
}

interface ErrorReport {
  form: string;
  placement: Placement;
  isPipelineError: boolean;
  name: string;
  stage: string | null;
  message: string;
  cause: string;
  workersStarted: number;
  workersAlive: number;
}

async function runOnce(form: Form, placement: Placement, ordered: boolean): Promise<RunReport> {
  const before = started;
  const { items, stats } = await definition(stageModule(form), placement, ordered).run({
    signal: AbortSignal.timeout(30_000), // a hang guard only
  });
  return {
    form,
    placement,
    ordered,
    items,
    stats: stats.map((s) => [s.name, s.placement, s.itemsIn, s.itemsOut]),
    workersStarted: started - before,
    workersAlive: live,
  };
}

/** Runs `build()`'s pipeline, which must fail, and reports how. */
async function runFailing(
  form: string,
  placement: Placement,
  build: () => { run(options: { signal: AbortSignal }): Promise<unknown> },
): Promise<ErrorReport> {
  const before = started;
  try {
    await build().run({ signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const e = error as Error & { stage?: string; cause?: unknown };
    const cause = e.cause as Error | undefined;
    return {
      form,
      placement,
      isPipelineError: error instanceof PipelineError,
      name: e.name,
      stage: e.stage ?? null,
      message: e.message,
      cause: cause ? `${cause.name}: ${cause.message}` : String(cause),
      workersStarted: started - before,
      workersAlive: live,
    };
  }
  throw new Error(`the ${form} ${placement} run should have failed`);
}

interface AbortReport {
  rejectedWithReason: boolean;
  sinkSaw: number[];
  workersStarted: number;
  workersAlive: number;
}

/** A worker stuck in a loop that never returns: aborting the run must terminate it. */
async function runAborted(): Promise<AbortReport> {
  const before = started;
  const controller = new AbortController();
  const reason = new Error('enough');
  const sinkSaw: number[] = [];
  const stuckAt5 = 'export default (x) => { while (x === 5) {} return x; }';
  const running = pipeline<number, number>({
    source: Array.from({ length: 20 }, (_, i) => i),
    stages: [map({ source: stuckAt5 }, { name: 'stuck', placement: 'worker', concurrency: 2 })],
    sink: (x: number) => {
      sinkSaw.push(x);
      // 4 is taken before 5, by the worker that is not stuck
      if (x === 4) controller.abort(reason);
    },
  }).run({ signal: controller.signal });
  let rejectedWithReason = false;
  try {
    await running;
  } catch (error) {
    rejectedWithReason = error === reason;
  }
  return { rejectedWithReason, sinkSaw, workersStarted: started - before, workersAlive: live };
}

async function run(): Promise<{ runs: RunReport[]; errors: ErrorReport[]; abort: AbortReport }> {
  const runs: RunReport[] = [];
  const errors: ErrorReport[] = [];
  for (const form of FORMS) {
    for (const ordered of [false, true]) {
      for (const placement of ['thread', 'worker'] as const) {
        runs.push(await runOnce(form, placement, ordered));
      }
    }
    for (const placement of ['thread', 'worker'] as const) {
      errors.push(
        await runFailing(form, placement, () =>
          definition(stageModule(form, 'failOn13'), placement, false),
        ),
      );
    }
  }
  // A module URL that does not load (a 404) fails the run, naming the stage.
  const missing = { module: new URL('no-such-stage.js', document.baseURI) };
  for (const placement of ['thread', 'worker'] as const) {
    errors.push(
      await runFailing('missing module', placement, () => definition(missing, placement, false)),
    );
  }
  return { runs, errors, abort: await runAborted() };
}

declare global {
  interface Window {
    pipelineLab?: {
      done: boolean;
      crossOriginIsolated: boolean;
      runs?: RunReport[];
      errors?: ErrorReport[];
      abort?: AbortReport;
      error?: string;
    };
  }
}

const status = document.querySelector('[data-testid="status"]')!;
const output = document.querySelector('[data-testid="result"]')!;
run().then(
  (report) => {
    window.pipelineLab = { done: true, crossOriginIsolated, ...report };
    output.textContent = JSON.stringify(report);
    status.textContent = 'done';
  },
  (error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    window.pipelineLab = { done: true, crossOriginIsolated, error: message };
    output.textContent = message;
    status.textContent = 'failed';
  },
);
