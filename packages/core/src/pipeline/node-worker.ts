/**
 * The file a stage's worker starts from in Node. It runs the worker's code (worker-jobs.ts and
 * the core modules it uses) from one script the build bundles them into,
 * `node-worker-bundle.js` (scripts/bundle-worker.mjs), compiled with V8's code cache once the
 * main thread has one. What each choice saves, measured in fresh threads on a 2-core machine
 * from the thread's start to its `ready`:
 *
 * - **One file**: a fresh thread pays per ES module it loads (resolve, read, compile, link:
 *   about a millisecond each, running cold loader code), so the ~40 modules behind
 *   worker-jobs.js took 35-55 ms to import; one file loads in a third of that.
 * - **A code cache**: a fresh thread compiles all the code it runs; the bundle's 150 KB took
 *   4-8 ms of each start. Node 20 caches no ES module's code, but `vm.Script` takes V8's cache:
 *   so the bundle is a script, and the first worker of a process that had to compile it sends
 *   the main thread a cache after its first job, when the cache holds the code of every
 *   function a job runs. The main thread gives it to the workers it starts after (their
 *   `workerData`, see spawn.ts); a worker whose cache V8 refuses (another V8, other flags)
 *   compiles from the text and sends a new one.
 *
 * Not done: loading errors.js and the stage's module with `require()` (Node 20.19 and later
 * load ES modules so without starting the asynchronous module loader, 4-6 ms less per start,
 * as piscina does). A worker terminated in the middle of such a `require` aborts the whole
 * process on Node 20.20 (an assertion in `CreateRequiredModuleFacade`), and pipelines
 * terminate workers that are still loading when a run stops: 2 processes in 3 that stopped 150
 * runs early died so. `import()` is safe there.
 *
 * The bundle is a copy of core of its own. That is safe because the state a thread must keep
 * once (its registries, its agent row and name; the tracer and scheduler hooks) lives on
 * versioned globals that every copy finds (shared/registry/state.ts, trace/hooks.ts), so a
 * stage module that imports @baton/core shares it. The error classes are not copied: the bundle
 * is given this file's import of errors.js, the one user code imports, so `instanceof` holds.
 * Stage modules are imported from here too, so they resolve as they would from this file.
 *
 * @module
 */
import * as errors from '../errors.js';
import type { NodeWorkerData } from './protocol.js';
import type { WorkerHooks } from './worker-jobs.js';

interface Script {
  runInThisContext(): unknown;
  createCachedData(): Uint8Array;
  /** Set when `cachedData` was given: whether V8 refused it. */
  readonly cachedDataRejected?: boolean;
}

interface Builtins {
  fs: { readFileSync(path: URL, encoding: 'utf8'): string };
  url: { fileURLToPath(url: URL): string };
  vm: {
    Script: new (source: string, options: { filename: string; cachedData?: Uint8Array }) => Script;
  };
  threads: { workerData: unknown };
}

/** What evaluating the bundle gives: a function of what it imports, returning its exports. */
type Bundle = (
  errorClasses: typeof errors,
  importModule: (specifier: string) => Promise<unknown>,
  bootstrapUrl: string,
) => { serveJobs(hooks?: WorkerHooks): void };

function builtins(): Builtins {
  const proc = (globalThis as unknown as { process: { getBuiltinModule(id: string): unknown } })
    .process;
  return {
    fs: proc.getBuiltinModule('node:fs') as Builtins['fs'],
    url: proc.getBuiltinModule('node:url') as Builtins['url'],
    vm: proc.getBuiltinModule('node:vm') as Builtins['vm'],
    threads: proc.getBuiltinModule('node:worker_threads') as Builtins['threads'],
  };
}

function givenCache(workerData: unknown): Uint8Array | undefined {
  const cache = (workerData as NodeWorkerData | null | undefined)?.codeCache;
  return cache instanceof Uint8Array ? cache : undefined;
}

const { fs, url, vm, threads } = builtins();
const file = new URL('./node-worker-bundle.js', import.meta.url);
const cachedData = givenCache(threads.workerData);
const script = new vm.Script(fs.readFileSync(file, 'utf8'), {
  filename: url.fileURLToPath(file),
  ...(cachedData === undefined ? {} : { cachedData }),
});
const bundle = script.runInThisContext() as Bundle;
const compiled = cachedData === undefined || script.cachedDataRejected === true;
bundle(errors, (specifier) => import(specifier), import.meta.url).serveJobs(
  compiled ? { codeCache: () => script.createCachedData() } : {},
);
