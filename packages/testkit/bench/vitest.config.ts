import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { awaitPoints } from '../src/vite.js';

export default defineConfig({
  plugins: [
    awaitPoints({
      include: /[\\/]bench[\\/]rewritten\.ts$/,
      from: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    }),
  ],
  test: { include: ['bench/explore-runs.ts', 'bench/explore-workers-runs.ts'] },
});
