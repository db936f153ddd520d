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
 * - **A CommonJS entry, `require` before `import()`**: an ES module entry, or the first
 *   `import()`, starts Node's asynchronous ES module loader in the thread: 4-6 ms. Node 20.19
 *   and later load an ES module synchronously with `require()` without it (as piscina loads its
 *   task modules). So errors.js and a stage's `.js`/`.mjs` file are required where Node can,
 *   and imported where it cannot (older Node, top-level await, data: URLs, `.ts`, `.cjs`): see
 *   {@link importModule}.
 *
 * The bundle is a copy of core of its own. That is safe because the state a thread must keep
 * once (its registries, its agent row and name; the tracer and scheduler hooks) lives on
 * versioned globals that every copy finds (shared/registry/state.ts, trace/hooks.ts), so a
 * stage module that imports @baton/core shares it. The error classes are not copied: the bundle
 * is given the errors.js that user code imports, so `instanceof` holds.
 *
 * @module
 */
import type * as Errors from '../errors.js';
import type { NodeWorkerData } from './protocol.js';
import type { WorkerHooks } from './worker-jobs.js';

// This file's CommonJS scope (the build compiles it without Node's types).
declare const require: (id: string) => unknown;
declare const __dirname: string;
declare const __filename: string;

interface Script {
  runInThisContext(): unknown;
  createCachedData(): Uint8Array;
  /** Set when `cachedData` was given: whether V8 refused it. */
  readonly cachedDataRejected?: boolean;
}

interface Builtins {
  fs: { readFileSync(path: string, encoding: 'utf8'): string };
  path: { join(...parts: string[]): string };
  url: { fileURLToPath(url: string): string; pathToFileURL(path: string): URL };
  vm: {
    Script: new (source: string, options: { filename: string; cachedData?: Uint8Array }) => Script;
  };
  threads: { workerData: unknown };
}

/** What evaluating the bundle gives: a function of what it imports, returning its exports. */
type Bundle = (
  errorClasses: typeof Errors,
  importModule: (specifier: string) => Promise<unknown>,
  bootstrapUrl: string,
) => { serveJobs(hooks?: WorkerHooks): void };

const fs = require('node:fs') as Builtins['fs'];
const path = require('node:path') as Builtins['path'];
const url = require('node:url') as Builtins['url'];
const vm = require('node:vm') as Builtins['vm'];
const threads = require('node:worker_threads') as Builtins['threads'];

/**
 * What `require` throws for a module it cannot load where `import()` can: an ES module on a
 * Node before 20.19, top-level await, a cycle through one, an import of a file or URL only
 * `import()` (or its hooks) takes. Any other error (a syntax error, one thrown while the module
 * ran, a missing file) is the module's own: `import()` would give the same, after running a
 * CommonJS module a second time.
 */
const IMPORT_ONLY = new Set([
  'ERR_REQUIRE_ESM',
  'ERR_REQUIRE_ASYNC_MODULE',
  'ERR_REQUIRE_CYCLE_MODULE',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNSUPPORTED_ESM_URL_SCHEME',
]);

/**
 * A stage's module as `import()` gives it, by `require` where Node can load it so (a file: URL
 * of a `.js` or `.mjs` file holding an ES module, on Node 20.19 or later), else by `import()`.
 * A CommonJS file gives `require` its `module.exports`, not a namespace: it is then imported
 * too, which finds it loaded (Node does not run it again) and gives the namespace a stage
 * placed in the main thread gets (`default` is `module.exports`).
 */
function importModule(specifier: string): Promise<unknown> {
  if (!/^file:[^?#]*\.m?js$/.test(specifier)) return import(specifier);
  let loaded: unknown;
  try {
    loaded = require(url.fileURLToPath(specifier));
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && IMPORT_ONLY.has(code)
      ? import(specifier)
      : Promise.reject(error as Error);
  }
  return Object.prototype.toString.call(loaded) === '[object Module]'
    ? Promise.resolve(loaded)
    : import(specifier);
}

function givenCache(workerData: unknown): Uint8Array | undefined {
  const cache = (workerData as NodeWorkerData | null | undefined)?.codeCache;
  return cache instanceof Uint8Array ? cache : undefined;
}

function start(errors: typeof Errors): void {
  const file = path.join(__dirname, 'node-worker-bundle.js');
  const cachedData = givenCache(threads.workerData);
  const script = new vm.Script(fs.readFileSync(file, 'utf8'), {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const bundle = script.runInThisContext() as Bundle;
  const compiled = cachedData === undefined || script.cachedDataRejected === true;
  bundle(errors, importModule, url.pathToFileURL(__filename).href).serveJobs(
    compiled ? { codeCache: () => script.createCachedData() } : {},
  );
}

const errorsFile = path.join(__dirname, '..', 'errors.js');
let errors: typeof Errors | undefined;
try {
  errors = require(errorsFile) as typeof Errors;
} catch {
  // a Node that cannot require an ES module: import it (below)
}
if (errors === undefined) {
  void (import(url.pathToFileURL(errorsFile).href) as Promise<typeof Errors>).then(start);
} else {
  start(errors);
}
