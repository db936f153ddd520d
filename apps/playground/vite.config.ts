import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { isolationHeaders } from './isolation.js';

// Pages under lab/ are small harnesses that the e2e suite drives (e.g. a SharedQueue between two
// Web Workers); they are built beside the app so that `vite preview` serves them too.
const labDir = resolve(import.meta.dirname, 'lab');
const labPages = Object.fromEntries(
  (existsSync(labDir) ? readdirSync(labDir) : [])
    .filter((name) => name.endsWith('.html'))
    .map((name) => [`lab/${name.slice(0, -'.html'.length)}`, resolve(labDir, name)]),
);

export default defineConfig({
  plugins: [svelte()],
  server: { port: 5173, headers: isolationHeaders },
  preview: { port: 4173, headers: isolationHeaders },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    rollupOptions: { input: { main: resolve(import.meta.dirname, 'index.html'), ...labPages } },
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
