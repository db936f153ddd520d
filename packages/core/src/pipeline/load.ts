/**
 * Loading a stage's function from a module URL or from module source text. The same code runs
 * in the main thread (placement `'thread'`) and in the worker bootstrap (placement `'worker'`),
 * so one stage definition behaves the same in both places.
 *
 * @module
 */
import type { StageFunction, StageModule } from './types.js';
import { isNode } from './environment.js';

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
 * @throws TypeError when the export is missing or not a function.
 */
export async function loadStageFunction(
  spec: StageModule,
  stage: string,
): Promise<StageFunction<unknown, unknown>> {
  const { url, revoke } = moduleSpecifier(spec);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  } finally {
    revoke?.();
  }
  const name = spec.export ?? 'default';
  const fn = namespace[name];
  if (typeof fn !== 'function') {
    const where = 'module' in spec ? String(spec.module) : 'the stage source';
    throw new TypeError(
      `stage '${stage}': export '${name}' of ${where} must be a function, got ${typeof fn}`,
    );
  }
  return fn as StageFunction<unknown, unknown>;
}
