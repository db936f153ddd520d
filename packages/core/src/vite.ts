/**
 * `@baton/core/vite`: a Vite plugin that gives a pipeline stage module (TypeScript or
 * JavaScript, with imports) a URL that a worker stage can import, in `vite dev` and in
 * `vite build`.
 *
 * Vite's own `?url` (or `new URL('./x.ts', import.meta.url)`) emits a file as it is: a `.ts` file
 * stays uncompiled and its imports unresolved; `?worker&url` compiles it but drops its exports.
 * `import stageUrl from './stage.ts?stage'` instead gives, in a build, the URL of an ES module
 * chunk made from the file (compiled, imports bundled, exports kept: rolldown's
 * `preserveSignature: 'strict'`), and in dev, the dev server's URL of the file, which it
 * compiles when the worker imports it.
 *
 * The plugin is a plain object, so this module needs neither Vite nor Node at run time.
 *
 * @example
 * ```ts no-run
 * // vite.config.ts
 * import { defineConfig } from 'vite';
 * import { batonStages } from '@baton/core/vite';
 *
 * export default defineConfig({ plugins: [batonStages()] });
 * ```
 *
 * @module
 */

/** The query that asks for a stage module's URL: `import url from './stage.ts?stage'`. */
export const STAGE_QUERY = '?stage';

interface EmitChunk {
  type: 'chunk';
  id: string;
  preserveSignature: 'strict';
}

interface PluginContext {
  emitFile(file: EmitChunk): string;
}

interface ResolvedConfig {
  command: 'build' | 'serve';
}

/** The subset of Vite's `Plugin` this plugin implements (structurally a Vite plugin). */
export interface BatonStagesPlugin {
  readonly name: 'baton-stages';
  configResolved(config: ResolvedConfig): void;
  load(this: PluginContext, id: string): string | null;
}

/**
 * A Vite plugin for `import url from './stage.ts?stage'`: the URL of the stage module, compiled
 * with its imports and exports, to give to a worker stage as `{ module: new URL(url,
 * import.meta.url) }`. TypeScript users declare the import once, e.g. in `env.d.ts`:
 * `declare module '*?stage' { const url: string; export default url; }`.
 */
export function batonStages(): BatonStagesPlugin {
  let command: ResolvedConfig['command'] = 'serve';
  return {
    name: 'baton-stages',
    configResolved(config) {
      command = config.command;
    },
    load(id) {
      if (!id.endsWith(STAGE_QUERY)) return null;
      const file = id.slice(0, -STAGE_QUERY.length);
      if (command === 'build') {
        // A chunk of its own that keeps the module's exports (a worker imports and calls them).
        const ref = this.emitFile({ type: 'chunk', id: file, preserveSignature: 'strict' });
        return `export default import.meta.ROLLUP_FILE_URL_${ref};`;
      }
      // The dev server compiles the file when the worker imports it by this URL.
      const url = file.startsWith('/@fs/') ? file : `/@fs${file.startsWith('/') ? '' : '/'}${file}`;
      return `export default ${JSON.stringify(url)};`;
    },
  };
}
