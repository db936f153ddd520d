import { expect, test } from '@playwright/test';

// A static host that cannot send COOP/COEP: every response reaches the page without them.
// The page must install its service worker, reload once, and end up isolated anyway.
test('on a host without COOP/COEP headers, the service worker makes the page isolated', async ({
  page,
}) => {
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
  await page.goto('/');
  await expect(page.getByTestId('isolation')).toContainText('Cross-origin isolated', {
    timeout: 20_000,
  });
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // Isolated through the service worker, not through headers that slipped past the route.
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await page.getByRole('combobox', { name: 'Example' }).selectOption('bounded-queue');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'ok', { timeout: 30_000 });
});

test('without isolation and without a service worker, the page says why and does not run', async ({
  browser,
}) => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    await page.route('**/*', async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response, headers });
    });
    await page.goto('/');
    const isolation = page.getByTestId('isolation');
    await expect(isolation).toContainText('not cross-origin isolated');
    await expect(isolation).toContainText('Cross-Origin-Embedder-Policy: require-corp');
    await expect(page.getByRole('button', { name: 'Run' })).toBeDisabled();
  } finally {
    await context.close();
  }
});
