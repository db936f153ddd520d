/**
 * Loading a stage's function from a module URL or from module source text. The same code runs
 * in the main thread (placement `'thread'`) and in the worker bootstrap (placement `'worker'`),
 * so one stage definition behaves the same in both places.
 *
 * A failure to load says what to do about it (a {@link StageLoadError}), rather than passing on
 * the loader's bare message.
 *
 * @module
 */
import { BatonError } from '../errors.js';
import { isNode } from './environment.js';
import type { TsHooksData } from './ts-hooks.js';
import type { StageFunction, StageModule } from './types.js';

/**
 * A stage's module could not be loaded, or does not export a function. The message names the
 * stage and the module, gives the loader's reason, and says what to do; `cause` holds the
 * loader's own error.
 */
export class StageLoadError extends BatonError {
  static {
    this.prototype.name = 'StageLoadError';
  }
}

/** The module specifier to import for `spec`: its URL, or a URL made from its source text. */
export function moduleSpecifier(spec: StageModule): { url: string; revoke?: () => void } {
  if ('module' in spec) return { url: String(spec.module) };
  // Browsers import a blob: URL; Node cannot, but imports data: URLs (without relative imports).
  if (!isNode() && typeof URL.createObjectURL === 'function' && typeof Blob === 'function') {
    const url = URL.createObjectURL(new Blob([spec.source], { type: 'text/javascript' }));
    return { url, revoke: () => URL.revokeObjectURL(url) };
  }
  return { url: `data:text/javascript;charset=utf-8,${encodeURIComponent(spec.source)}` };
}

/**
 * Imports the module `spec` names and returns its export (`default` unless `spec.export` says).
 *
 * @throws StageLoadError when the module cannot be loaded, or its export is missing or not a
 *   function.
 */
export async function loadStageFunction(
  spec: StageModule,
  stage: string,
): Promise<StageFunction<unknown, unknown>> {
  const { url, revoke } = moduleSpecifier(spec);
  const where = 'module' in spec ? `module ${url}` : 'the stage source text';
  let namespace: Record<string, unknown>;
  try {
    if ('module' in spec && isTypeScript(url)) allowTypeScript(url);
    namespace = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  } catch (error) {
    throw new StageLoadError(
      `stage '${stage}' could not load ${where}: ${reason(error)}. ${advice(spec, url, error)}`,
      { cause: error },
    );
  } finally {
    revoke?.();
  }
  const name = spec.export ?? 'default';
  const fn = namespace[name];
  if (typeof fn !== 'function') {
    const exported = Object.keys(namespace).filter((key) => typeof namespace[key] === 'function');
    throw new StageLoadError(
      `stage '${stage}': export '${name}' of ${where} must be a function, got ${typeof fn}` +
        (exported.length > 0
          ? ` (its functions: ${exported.map((key) => `'${key}'`).join(', ')}; name one with { export })`
          : ''),
    );
  }
  return fn as StageFunction<unknown, unknown>;
}

function reason(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}

/** What the user can do about a failed import, from the loader's error code. */
function advice(spec: StageModule, url: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof SyntaxError || code === 'ERR_INVALID_TYPESCRIPT_SYNTAX') {
    return 'Fix the syntax error in the stage module.';
  }
  const notFound =
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'ENOENT' ||
    code === 'ERR_INVALID_URL' ||
    /Cannot find module|Failed to resolve|Invalid URL|relative/i.test(reason(error));
  if (!('module' in spec)) {
    return notFound
      ? 'Source text is imported from a data: (Node) or blob: URL, so it cannot use relative imports; import packages by bare name or absolute URL.'
      : 'The error was thrown while the module was evaluated; see the cause.';
  }
  if (notFound) {
    return url.startsWith('file:') || url.startsWith('http')
      ? `Check that the file exists; give the module as new URL('./stage.js', import.meta.url) so it resolves from the file that defines the pipeline, not from the working directory.`
      : `Give the module as an absolute URL: new URL('./stage.js', import.meta.url).`;
  }
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return 'Point the stage at a .js/.mjs file, or at .ts with typescript, esbuild or vite installed in your project.';
  }
  if (code === 'ERR_UNSUPPORTED_ESM_URL_SCHEME' || code === 'ERR_INVALID_URL') {
    return `Give the module as a file:, http(s): or data: URL, e.g. new URL('./stage.js', import.meta.url).`;
  }
  return 'The error was thrown while the module was evaluated; see the cause.';
}

function isTypeScript(url: string): boolean {
  return url.startsWith('file:') && /\.m?ts$/.test(new URL(url).pathname);
}

interface NodeModuleApi {
  register?(specifier: string | URL, options: { data: TsHooksData }): void;
}

let hooked = false;

/**
 * Lets this thread import `.ts` files (see `ts-hooks.ts`), once, where Node cannot by itself.
 * Node 22.6+ run with type stripping (`process.features.typescript`) needs nothing.
 */
function allowTypeScript(url: string): void {
  const proc = (
    globalThis as {
      process?: {
        features?: { typescript?: unknown };
        getBuiltinModule?: (id: string) => unknown;
        cwd?: () => string;
      };
    }
  ).process;
  if (hooked || !isNode() || proc?.features?.typescript) return;
  const module = proc?.getBuiltinModule?.('node:module') as NodeModuleApi | undefined;
  if (typeof module?.register !== 'function') return;
  hooked = true;
  const cwd = proc?.cwd?.();
  // Not `new URL('./ts-hooks.js', import.meta.url)` written out: a bundler would then try to
  // bundle this Node-only file for the browser.
  const hooks = './ts-hooks.js';
  module.register(new URL(hooks, import.meta.url), {
    data: { from: cwd === undefined ? [url] : [url, `${cwd}/`] },
  });
}
