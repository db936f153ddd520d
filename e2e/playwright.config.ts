import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './browser.mjs';

const browser = await findChromium();
// E2E_PORT lets two checkouts run their suites side by side.
const PORT = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: './tests',
  // A loaded 2-core CI machine runs the built app and Chromium side by side.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list'], ['json', { outputFile: 'reports/playwright.json' }]],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          ...(browser?.executablePath ? { executablePath: browser.executablePath } : {}),
          args: CHROMIUM_ARGS,
        },
      },
    },
  ],
  webServer: {
    // The app built with the e2e lab pages (BATON_LAB=1, into dist/e2e; the production build has
    // no lab pages), served by `vite preview` with the same COOP/COEP headers as `vite dev`.
    command:
      'pnpm --filter @baton/playground exec vite build --outDir dist/e2e --emptyOutDir --logLevel warn' +
      ` && pnpm --filter @baton/playground exec vite preview --outDir dist/e2e --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env.CI,
    env: { BATON_LAB: '1' },
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
