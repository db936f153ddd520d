import { expect, test } from '@playwright/test';

test('the playground is cross-origin isolated and shares memory with a Web Worker', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('isolation')).toContainText('Cross-origin isolated');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // The page writes into a SharedArrayBuffer; a worker reads it, adds to it, and wakes the page.
  const result = await page.evaluate(async () => {
    const shared = new SharedArrayBuffer(16);
    const cells = new Int32Array(shared);
    Atomics.store(cells, 0, 41);
    const source = `
      onmessage = (event) => {
        const cells = new Int32Array(event.data);
        const seen = Atomics.load(cells, 0);
        Atomics.store(cells, 1, seen + 1);
        Atomics.notify(cells, 1);
        postMessage(seen);
      };`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url);
    try {
      const seen = await new Promise<number>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<number>) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(event.message));
        worker.postMessage(shared);
      });
      return { seen, written: Atomics.load(cells, 1) };
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  });
  expect(result).toEqual({ seen: 41, written: 42 });
});
