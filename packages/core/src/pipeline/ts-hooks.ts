/**
 * Node module hooks (`module.register`) that let a pipeline stage be a `.ts` / `.mts` module on
 * Node versions that cannot import TypeScript themselves (Node 20, and 22 without
 * `--experimental-strip-types`). Registered by `load.ts` only when a stage names such a module,
 * so nothing changes for anyone else.
 *
 * Core has no runtime dependencies: the types are stripped by a transpiler the user's project
 * already has, found from the stage module's own folder (then the working directory), in this
 * order: `typescript` (`transpileModule`), `esbuild` (`transformSync`), `vite` (8:
 * `transformWithOxc`, earlier: `transformWithEsbuild`). A project with none of them gets an
 * error saying what to install.
 *
 * These hooks run on Node's loader thread, so they talk to the importing thread only through
 * the `data` given to `initialize` and the errors they throw.
 *
 * @module
 */

/** Passed to `module.register(..., { data })`. */
export interface TsHooksData {
  /** Where to look for a transpiler from: the stage module's URL and the working directory. */
  readonly from: readonly string[];
}

type Transpile = (source: string, url: string) => Promise<string>;

interface Builtins {
  fs: { readFileSync(path: string, encoding: 'utf8'): string };
  url: { fileURLToPath(url: string): string; pathToFileURL(path: string): URL };
  module: { createRequire(from: string): { resolve(id: string): string } };
}

function builtins(): Builtins {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = (id: string): unknown => proc?.getBuiltinModule?.(id);
  return {
    fs: get('node:fs') as Builtins['fs'],
    url: get('node:url') as Builtins['url'],
    module: get('node:module') as Builtins['module'],
  };
}

const TS_FILE = /\.m?ts$/;
let from: readonly string[] = [];
let transpiler: Promise<Transpile> | undefined;

/** Node calls this once with the `data` given to `module.register`. */
export function initialize(data: TsHooksData | undefined): void {
  from = data?.from ?? [];
}

/** Imports `id` as installed where one of `from` can see it; `undefined` when none can. */
async function importFrom(id: string): Promise<Record<string, unknown> | undefined> {
  const { module, url } = builtins();
  for (const place of from) {
    let path: string;
    try {
      path = module.createRequire(place).resolve(id);
    } catch {
      continue;
    }
    const namespace = (await import(url.pathToFileURL(path).href)) as Record<string, unknown>;
    // A CommonJS package (typescript, esbuild) comes as its `module.exports` on `default`.
    return { ...((namespace.default as object | undefined) ?? {}), ...namespace };
  }
  return undefined;
}

async function findTranspiler(): Promise<Transpile> {
  const ts = await importFrom('typescript');
  if (ts && typeof ts.transpileModule === 'function') {
    const transpileModule = ts.transpileModule as (
      source: string,
      options: object,
    ) => { outputText: string };
    const kinds = ts.ModuleKind as Record<string, number>;
    const targets = ts.ScriptTarget as Record<string, number>;
    return async (source, file) =>
      transpileModule(source, {
        fileName: file,
        compilerOptions: { module: kinds.ESNext, target: targets.ES2022, sourceMap: false },
      }).outputText;
  }
  const esbuild = await importFrom('esbuild');
  if (esbuild && typeof esbuild.transform === 'function') {
    const transform = esbuild.transform as (
      source: string,
      options: object,
    ) => Promise<{ code: string }>;
    return async (source, file) =>
      (await transform(source, { loader: 'ts', format: 'esm', sourcefile: file })).code;
  }
  const vite = await importFrom('vite');
  const viteTransform = (vite?.transformWithOxc ?? vite?.transformWithEsbuild) as
    ((source: string, file: string, options?: object) => Promise<{ code: string }>) | undefined;
  if (viteTransform) {
    return async (source, file) => (await viteTransform(source, file, { lang: 'ts' })).code;
  }
  throw new Error(
    'Node cannot import a .ts stage module by itself before Node 22.6 (and without ' +
      '--experimental-strip-types): install typescript, esbuild or vite in your project so ' +
      'Baton can strip the types, or point the stage at compiled JavaScript',
  );
}

interface LoadContext {
  readonly format?: string;
}
type NextLoad = (url: string, context?: LoadContext) => Promise<unknown>;

/** Loads a `.ts` / `.mts` file as an ES module with its types stripped. */
export async function load(url: string, context: LoadContext, next: NextLoad): Promise<unknown> {
  if (!url.startsWith('file:') || !TS_FILE.test(new URL(url).pathname)) return next(url, context);
  const { fs, url: urls } = builtins();
  const file = urls.fileURLToPath(url);
  transpiler ??= findTranspiler();
  const source = await (await transpiler)(fs.readFileSync(file, 'utf8'), file);
  return { format: 'module', source, shortCircuit: true };
}

interface ResolveContext {
  readonly parentURL?: string;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<unknown>;

/**
 * Resolves as Node does, except that inside a `.ts` module a relative `./x.js` that does not
 * exist may name `./x.ts` (TypeScript's NodeNext convention).
 */
export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: NextResolve,
): Promise<unknown> {
  try {
    return await next(specifier, context);
  } catch (error) {
    const parent = context.parentURL;
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (!relative || !parent || !TS_FILE.test(parent) || !/\.m?js$/.test(specifier)) throw error;
    return next(specifier.replace(/js$/, 'ts'), context);
  }
}
