// TypeScript diagnostics in the editors: computed in a worker that is fetched only once the first
// Run has started (or the user asks), never as part of the first load; advice that never stops a
// run.
import { gzipSync } from 'node:zlib';
import { expect, test, type Page, type Request } from '@playwright/test';
import { DEFAULT_SETTINGS } from '../../apps/playground/src/settings.js';
import { encodeFragment } from '../../apps/playground/src/share.js';

const VERDICT_TIMEOUT = 30_000;
/** The checker loads a megabyte of compiler and parses the standard library: be patient. */
const CHECKER_TIMEOUT = 60_000;
const BUDGET_BYTES = 250 * 1024;
/** The checker's chunks: the worker that bundles the compiler, and the linter that starts it. */
const TYPESCRIPT_CHUNK = /checker\.worker|typescript/i;

const PRODUCER = [
  '// A bounded queue',
  'for (let i = 0; i < settings.items; i++) {',
  '  queue.put(i);',
  '}',
  'queue.put(FINISH);',
  '',
].join('\n');
const CONSUMER = "for (let v = queue.get(); v !== FINISH; v = queue.get()) log('got', v);\n";

/** Every request of the page and of its workers, in order. */
function recordRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.context().on('request', (request) => seen.push(request));
  return seen;
}

/** Types `text` as a new first line of the producer's pane. */
async function typeFirstLine(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Producer code' }).click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type(`${text}\n`);
}

/** Hovers the marked range that contains `text` and returns the tooltip's text. */
async function hoverMessage(page: Page, text: string) {
  const range = page.locator('.cm-lintRange-warning', { hasText: text }).first();
  await expect(range).toBeVisible({ timeout: CHECKER_TIMEOUT });
  await range.hover();
  const tooltip = page.locator('.cm-tooltip-lint');
  await expect(tooltip).toBeVisible();
  return tooltip;
}

/** Opens the playground on a small correct bounded queue (nothing runs until Run). */
async function open(page: Page, producer = PRODUCER, language: 'js' | 'ts' = 'js') {
  await page.goto(
    `/${encodeFragment({ producer, consumer: CONSUMER, language, settings: DEFAULT_SETTINGS })}`,
  );
  await expect(page.getByTestId('run-state')).toHaveText('idle');
}

const typescriptUrls = (requests: readonly Request[]) =>
  requests.map((r) => r.url()).filter((url) => TYPESCRIPT_CHUNK.test(url));

test('the first load is within 250 kB gzip and holds no TypeScript', async ({ page }) => {
  const requests = recordRequests(page);
  await open(page);
  await page.waitForLoadState('networkidle');
  expect(typescriptUrls(requests)).toEqual([]);
  // Counted in the browser as `pnpm bench` counts the build: every document, script and style
  // fetched before the first Run (each URL once: the worker module is requested per worker),
  // gzipped.
  const byUrl = new Map(requests.map((r) => [r.url(), r]));
  let bytes = 0;
  for (const request of byUrl.values()) {
    const type = request.resourceType();
    if (type !== 'script' && type !== 'stylesheet' && type !== 'document') continue;
    const body = await (await request.response())?.body();
    if (body !== undefined) bytes += gzipSync(body, { level: 9 }).length;
  }
  console.log(
    `playground: first load measured in the browser ${(bytes / 1024).toFixed(1)} kB gzip`,
  );
  expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
});

test('no TypeScript before the first Run; then type errors are marked, with messages, and runs still run', async ({
  page,
}) => {
  const requests = recordRequests(page);
  await open(page);

  // Working in an editor loads its help and syntax check, still no TypeScript.
  await typeFirstLine(page, "lock.acquire(5, 'x');");
  await expect(page.locator('.cm-lint-marker-error')).toHaveCount(0);
  await page.waitForLoadState('networkidle');
  expect(typescriptUrls(requests)).toEqual([]);
  await expect(page.getByText('Types are checked from the first Run on')).toHaveCount(2);

  // The first Run: the type error does not stop it (JavaScript semantics: lock.acquire is
  // undefined, so the producer fails with a TypeError on line 1, like any runtime error).
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toBeVisible({ timeout: VERDICT_TIMEOUT });
  await expect(verdict.getByTestId('errors')).toContainText('TypeError');

  // Now the checker loads, and the wrong call is marked, its message shown on hover.
  const tooltip = await hoverMessage(page, 'acquire');
  await expect(tooltip).toContainText("Property 'acquire' does not exist on type");
  await expect(tooltip).toContainText('TypeScript 2339');
  expect(requests.some((r) => TYPESCRIPT_CHUNK.test(r.url()))).toBe(true);

  // Fixed, the marker goes; a new mistake that JavaScript tolerates is marked and still runs.
  await page.getByRole('textbox', { name: 'Producer code' }).click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  await page.keyboard.type('log(settings.itemz);');
  const message = await hoverMessage(page, 'itemz');
  await expect(message).toContainText(
    "Property 'itemz' does not exist on type 'Settings'. Did you mean 'items'?",
  );
  await expect(page.locator('.cm-lintRange-warning', { hasText: 'acquire' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'ok', {
    timeout: VERDICT_TIMEOUT,
  });
});

test('"check types now" loads the checker without a run; a 1 MB paste is not checked and the page stays responsive', async ({
  page,
}) => {
  // Loading the checker, then a megabyte through the editor, its syntax check and local storage,
  // on a possibly loaded 2-core machine.
  test.setTimeout(180_000);
  const requests = recordRequests(page);
  await open(page, 'queue.putt(1);\n', 'ts');
  expect(typescriptUrls(requests)).toEqual([]);
  await page.getByRole('button', { name: 'check types now' }).first().click();
  const tooltip = await hoverMessage(page, 'putt');
  await expect(tooltip).toContainText("Property 'putt' does not exist on type 'Queue'");
  await expect(page.getByTestId('run-state')).toHaveText('idle');
  expect(requests.some((r) => TYPESCRIPT_CHUNK.test(r.url()))).toBe(true);

  // Paste a megabyte of code into the producer's pane.
  const pasted = 'queue.putt(1);\n'.repeat(70_000);
  await page.getByRole('textbox', { name: 'Producer code' }).focus();
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    document.activeElement?.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
    );
  }, pasted);
  // Too long to check quickly: one note (on line 1) instead of thousands of markers.
  await page.keyboard.press('Control+Home');
  await expect(page.locator('.cm-lint-marker-info')).toHaveCount(1, { timeout: CHECKER_TIMEOUT });
  await expect(page.locator('.cm-lintRange-warning')).toHaveCount(0);
  // The page still answers: the other editor takes typing at once.
  await page.getByRole('textbox', { name: 'Consumer code' }).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('// still here');
  await expect(page.getByRole('textbox', { name: 'Consumer code' })).toContainText(
    '// still here',
    { timeout: 30_000 },
  );
});
