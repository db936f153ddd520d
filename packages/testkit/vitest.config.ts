import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { awaitPoints } from './src/vite.js';

export default defineConfig({
  // The opt-in await-point plugin, on for its own test only (the rest of the suite shows what
  // explore() does without it).
  plugins: [
    awaitPoints({
      include: /[\\/]test[\\/]await-points\.test\.ts$/,
      from: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // Explorations of 1000 runs take seconds on an idle machine and much longer on a loaded one; a
    // timed-out exploration keeps running and makes the next one refuse to overlap, so be generous.
    testTimeout: 300_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
