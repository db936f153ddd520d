import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { isolationHeaders } from './isolation-headers.js';

// Pages under lab/ are small harnesses that the e2e suite drives (e.g. a SharedQueue between two
// Web Workers). They are not part of the playground: only a build with BATON_LAB=1 (the e2e
// suite's, into dist-e2e/) includes them, so that `vite preview` serves them there.
const labDir = resolve(import.meta.dirname, 'lab');
const withLab = process.env.BATON_LAB === '1';
const labPages = Object.fromEntries(
  (withLab && existsSync(labDir) ? readdirSync(labDir) : [])
    .filter((name) => name.endsWith('.html'))
    .map((name) => [`lab/${name.slice(0, -'.html'.length)}`, resolve(labDir, name)]),
);

export default defineConfig({
  plugins: [svelte()],
  // Component tests mount Svelte's client build (its server build has no `mount`).
  ...(process.env.VITEST ? { resolve: { conditions: ['browser'] } } : {}),
  server: { port: 5173, headers: isolationHeaders },
  preview: { port: 4173, headers: isolationHeaders },
  worker: { format: 'es' },
  define: { __BATON_BUILD__: JSON.stringify(Date.now().toString(36)) },
  // Pre-bundle what only the workers import, so `vite dev` does not discover it on the first Run
  // and reload the page in the middle of that run.
  optimizeDeps: { include: ['acorn', 'sucrase', 'lz-string'] },
  build: {
    target: 'es2022',
    sourcemap: true,
    // The editor makes the main chunk ~570 kB minified; what matters is its gzip size on first
    // load, which `pnpm bench` checks against the 250 kB budget.
    chunkSizeWarningLimit: 800,
    // Vite wraps each dynamic import in a helper that adds <link rel="modulepreload"> tags for
    // the imported chunk's own imports, through `document`. The run's worker shares chunks with
    // the page (see `input` below), and its dynamic imports (Sucrase, Acorn) run where there is no
    // `document`: with no dependencies to preload, the helper goes straight to `import()`. What
    // the page imports lazily is small and fetched on use, so nothing is lost by not preloading.
    modulePreload: { resolveDependencies: () => [] },
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        // The run's worker is an entry of this build, not a separate worker bundle: the chunks it
        // shares with the page (all of @baton/core the page uses) are then fetched once, not twice.
        // Its file name is fixed (the page starts it by name); `?v=` in the page busts caches.
        worker: resolve(import.meta.dirname, 'src/runtime/worker/main.ts'),
        ...labPages,
      },
      output: {
        entryFileNames: (chunk) =>
          chunk.name === 'worker' ? 'assets/worker.js' : 'assets/[name]-[hash].js',
      },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
