// Build step after `tsc`: bundles a stage worker's code (dist/pipeline/worker-jobs.js and the
// ~40 modules it imports) into one script, dist/pipeline/node-worker-bundle.js, which Node
// workers run from dist/pipeline/node-worker.js (see src/pipeline/node-worker.ts: why one
// file, and why a script rather than an ES module). Browsers are unaffected: a bundler (Vite)
// bundles worker.js for them anyway.
//
// The script is one function expression, `(errors, importModule, bootstrapUrl) => exports`:
// - errors.js stays outside (user code tells errors apart with `instanceof`, so there must be
//   one class of each): the bundle is given the entry's;
// - `import.meta` has no meaning in a script: `import.meta.url` becomes `bootstrapUrl` (the
//   entry's URL, in the same directory), and the one dynamic `import()` (a stage's module,
//   load.ts) becomes `importModule`, the entry's way of loading a module.
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { rolldown } from 'rolldown';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const external = new Set([resolve(dist, 'errors.js')]);
const EXPORTS = '__batonWorker';

const bundle = await rolldown({
  input: resolve(dist, 'pipeline/worker-jobs.js'),
  platform: 'neutral',
  logLevel: 'warn',
  transform: { define: { 'import.meta.url': 'bootstrapUrl' } },
  external: (id, importer) =>
    importer !== undefined && id.startsWith('.') && external.has(resolve(dirname(importer), id)),
});
// Without comments (a third of the text: less to scan in every new thread); the code itself
// stays as written, names included, so stack traces read as they would from the modules.
const { output } = await bundle.generate({
  format: 'iife',
  name: EXPORTS,
  globals: () => 'errors',
  comments: false,
});
await bundle.close();

const code = output[0].code;
const imports = code.match(/\bimport\s*\(/g) ?? [];
if (imports.length !== 1) {
  throw new Error(
    `bundle-worker: expected one dynamic import() in the worker's code (load.ts), found ${imports.length}`,
  );
}
const script =
  `(function (errors, importModule, bootstrapUrl) {\n'use strict';\n` +
  `${code.replace(/\bimport\s*\(/, 'importModule(')}\nreturn ${EXPORTS};\n})\n`;
// A script cannot hold `import.meta` or `import` declarations: compiling it here says so now,
// rather than in every worker.
new Script(script, { filename: 'node-worker-bundle.js' });
await writeFile(resolve(dist, 'pipeline/node-worker-bundle.js'), script);
