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
    testTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
