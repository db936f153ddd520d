import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['bench/**/*.ts'], exclude: ['bench/vitest.config.ts'] },
});
