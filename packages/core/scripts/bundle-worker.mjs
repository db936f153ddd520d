// Build step after `tsc`: bundles the worker-stage bootstrap (dist/pipeline/worker.js and the
// ~40 modules it imports) into one file, dist/pipeline/node-worker.js, which Node workers start
// from (see src/pipeline/spawn.ts).
//
// Why: a Node worker thread pays per ES module it loads (resolve, read, compile, link: about a
// millisecond each in a fresh thread, running cold loader code), so the unbundled bootstrap
// took 35-55 ms to import before the stage could take its first item, on top of the thread's own
// start; one file loads in a third of that. Browsers are unaffected: a bundler (Vite) bundles
// worker.js for them anyway.
//
// The bundle is a copy of core of its own. That is safe because the state a thread must keep
// once (its registries, its agent row and name; the tracer and scheduler hooks) lives on
// versioned globals that every copy finds (shared/registry/state.ts, trace/hooks.ts), so a
// stage module that imports @baton/core shares it. errors.js stays an import of its own: user
// code tells errors apart with `instanceof`, so there must be one class of each.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const external = new Set([resolve(dist, 'errors.js')]);

const bundle = await rolldown({
  input: resolve(dist, 'pipeline/worker.js'),
  platform: 'neutral',
  logLevel: 'warn',
  external: (id, importer) =>
    importer !== undefined && id.startsWith('.') && external.has(resolve(dirname(importer), id)),
});
// Written next to worker.js, so relative URLs (import.meta.url) and the external import resolve
// exactly as they do from worker.js. Without comments (a third of the text: less to scan in
// every new thread); the code itself stays as written, names included, so stack traces read as
// they would from the modules.
await bundle.write({
  file: resolve(dist, 'pipeline/node-worker.js'),
  format: 'esm',
  comments: false,
});
await bundle.close();
