import { expect, test } from '@playwright/test';

test('a producer and a consumer Web Worker pass items through a SharedQueue exactly once, in order', async ({
  page,
}) => {
  await page.goto('/lab/shared-queue.html');
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 45_000 });
  const report = JSON.parse((await page.getByTestId('result').textContent()) ?? '{}');

  expect(report.crossOriginIsolated).toBe(true);
  expect(report.numbers).toEqual({ count: 20_000, inOrder: true, exactlyOnce: true });
  expect(report.records).toMatchObject({ count: 2_000, inOrder: true, exactlyOnce: true });
  expect(report.records.sample).toEqual({ seq: 1999, label: 'record 1999' });
  // The page's own main thread took items with the async get(), never blocking.
  expect(report.toPage).toEqual({ count: 5_000, inOrder: true, exactlyOnce: true });

  // A blocking call on the page's main thread is refused, naming the async form.
  expect(report.blockingError).toMatch(/getSync\(\) would block.*use await get\(\) instead/);
  // The batch calls that never wait work there: 4 of 6 fit, 3 taken into a Float64Array, the
  // other 2 put from where the first call got to, then everything left, then nothing.
  expect(report.tryOnPage).toEqual({ put: 4, got: [1, 2, 3], rest: [4, 5, 6], empty: 0 });
  // The page sees both workers (and itself) in the shared registry; nothing is deadlocked.
  expect(report.agents).toEqual(expect.arrayContaining(['page', 'producer', 'consumer']));
  expect(report.deadlock).toBeNull();
});
