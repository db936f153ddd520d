// Build step after `tsc`: bundles the worker-stage bootstrap (dist/pipeline/worker.js and the
// ~40 modules it imports) into one file, dist/pipeline/node-worker.js, which Node workers start
// from (see src/pipeline/spawn.ts).
//
// Why: a Node worker thread pays per ES module it loads (resolve, read, compile, link: about a
// millisecond each in a fresh thread, cold loader code), so the unbundled bootstrap took 35-50 ms
// to import before the stage could take its first item, on top of the thread's own start; one
// file loads in about a quarter of that. Browsers are unaffected: a bundler (Vite) bundles
// worker.js for them anyway.
//
// What stays out of the bundle: every module the agent registry reaches, and errors.js. They
// hold this thread's registry state (the registries it joined, its agent row and name) and the
// error classes; a stage module that imports @baton/core itself must find the very same
// instances, or the thread would appear twice in wait-for graphs under two names. They are
// imported from their own files, which are the files @baton/core's index loads.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const shared = [resolve(dist, 'shared/registry.js'), resolve(dist, 'errors.js')];

// The modules those two reach, found by bundling them once (nothing written).
const probe = await rolldown({ input: shared, platform: 'neutral', logLevel: 'silent' });
const { output } = await probe.generate({ format: 'esm' });
await probe.close();
const external = new Set(
  output.flatMap((chunk) => (chunk.type === 'chunk' ? chunk.moduleIds : [])),
);
for (const file of shared) {
  if (!external.has(file)) throw new Error(`bundle-worker: ${file} not found in the probe`);
}

const bundle = await rolldown({
  input: resolve(dist, 'pipeline/worker.js'),
  platform: 'neutral',
  logLevel: 'warn',
  external: (id, importer) =>
    importer !== undefined && id.startsWith('.') && external.has(resolve(dirname(importer), id)),
});
// Written next to worker.js, so relative URLs (import.meta.url) and the external imports
// resolve exactly as they do from worker.js.
await bundle.write({ file: resolve(dist, 'pipeline/node-worker.js'), format: 'esm' });
await bundle.close();
