import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A private redis-server for the whole run (test/global-setup.ts); no mock.
    globalSetup: ['test/global-setup.ts'],
    // Multi-process suites spawn node processes and wait for reclaims; room on a loaded machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The files share one redis-server, each under its own queue names; run them one at a time
    // so that process-heavy suites do not starve each other on 2 cores.
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
