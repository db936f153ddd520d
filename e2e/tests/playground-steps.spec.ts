// Step mode, replay, shared schedules, the scrubbable timeline and the lesson track, driven as a
// user would, by clicking. Saves the screenshots apps/playground/README.md shows.
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { LESSON } from '../../apps/playground/src/lesson.js';
import { DEFAULT_SETTINGS } from '../../apps/playground/src/settings.js';
import { encodeFragment } from '../../apps/playground/src/share.js';

const VERDICT_TIMEOUT = 30_000;
const DOCS = fileURLToPath(new URL('../../apps/playground/docs/', import.meta.url));

async function fresh(page: Page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
  await expect(page.getByTestId('run-state')).toHaveText('idle');
}

async function pick(page: Page, id: string) {
  await page.getByRole('combobox', { name: 'Example' }).selectOption(id);
}

/**
 * Clicks enabled step buttons (preferring `prefer`, in that order) until the verdict shows.
 * A button can vanish between being found and being clicked (the run ended, or its lane was
 * redrawn), so each round first waits for "some button enabled, or the verdict", then clicks with
 * a short timeout and simply looks again when the click missed.
 */
async function stepUntilVerdict(page: Page, prefer: string[], max = 200) {
  const verdict = page.getByTestId('verdict');
  const enabled = page.locator('[data-testid="step-button"]:enabled');
  for (let i = 0; i < max; i++) {
    await expect(enabled.or(verdict).first()).toBeVisible({ timeout: VERDICT_TIMEOUT });
    if (await verdict.isVisible()) return verdict;
    // The first preferred worker that can step, else whoever can.
    const candidates = [
      ...prefer.map((name) =>
        page.locator(`[data-testid="step-button"][data-worker="${name}"]:enabled`),
      ),
      enabled,
    ];
    for (const button of candidates) {
      if ((await button.count()) === 0) continue;
      // Gone or disabled since we looked: the next round looks again.
      await button
        .first()
        .click({ timeout: 2_000 })
        .catch(() => undefined);
      break;
    }
  }
  await expect(verdict).toBeVisible();
  return verdict;
}

test('step mode: the lesson deadlock, stepped to its verdict by clicking', async ({ page }) => {
  test.setTimeout(180_000);
  await fresh(page);
  await pick(page, 'locks-twice');
  await page.getByTestId('step-mode').check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTestId('run-state')).toHaveText('stepping');
  // Each worker stops before its first primitive call; its editor shows the line and the call.
  const producerStep = page.getByRole('button', { name: 'Step producer 1' });
  await expect(producerStep).toBeEnabled({ timeout: VERDICT_TIMEOUT });
  await expect(page.getByTestId('intent').first()).toContainText('acquire producer_lock');
  await expect(page.getByTestId('editor-producer').locator('.cm-worker-label')).toContainText(
    'producer 1: acquire producer_lock',
  );
  await expect(page.getByTestId('editor-producer').locator('.cm-worker-line')).toHaveCount(1);

  // producer 1: acquire, write, then acquire again: it now waits for itself.
  await producerStep.click();
  await expect(page.getByTestId('intent').first()).toContainText('write');
  await producerStep.click();
  await expect(page.getByTestId('intent').first()).toContainText('acquire producer_lock');
  await producerStep.click();
  await expect(page.getByTestId('intent').first()).toContainText('waiting');
  await expect(producerStep).toBeDisabled();
  await page.screenshot({ path: `${DOCS}step-mode.png` });

  const verdict = await stepUntilVerdict(page, ['consumer 1']);
  await expect(verdict).toHaveAttribute('data-kind', 'deadlock');
  await expect(verdict.getByTestId('deadlock')).toContainText(
    /producer 1 waits for lock producer_lock since .*, which it holds itself/,
  );
  await expect(verdict.getByTestId('deadlock')).toContainText('consumer_lock');
});

test('Run to the end continues a stepped run without the page', async ({ page }) => {
  await fresh(page);
  await pick(page, 'bounded-queue');
  await page.getByTestId('step-mode').check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Step producer 1' })).toBeEnabled({
    timeout: VERDICT_TIMEOUT,
  });
  await page.getByRole('button', { name: 'Step producer 1' }).click();
  await page.getByTestId('run-to-end').click();
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toHaveAttribute('data-kind', 'ok', { timeout: VERDICT_TIMEOUT });
});

test('Replay runs a recorded racy run again to the same verdict', async ({ page }) => {
  await fresh(page);
  await pick(page, 'race');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toBeVisible({ timeout: VERDICT_TIMEOUT });
  const kind = await verdict.getAttribute('data-kind');
  const headline = await verdict.getByRole('heading').textContent();
  expect(kind).toBe('wrong');

  await page.getByTestId('replay').click();
  await expect(page.getByTestId('replayed')).toBeVisible({ timeout: VERDICT_TIMEOUT });
  await expect(verdict).toHaveAttribute('data-kind', kind ?? '');
  await expect(verdict.getByRole('heading')).toHaveText(headline ?? '');
});

test('a shared link with a schedule replays to the same verdict for whoever opens it', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  await fresh(page);
  await pick(page, 'release-free');
  // Two items keep the clicking short.
  await page.getByRole('spinbutton', { name: 'Items per producer' }).fill('2');
  await page.getByRole('spinbutton', { name: 'Items per producer' }).blur();
  await page.getByTestId('step-mode').check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  // The consumer goes first: it reads before anything was written.
  const verdict = await stepUntilVerdict(page, ['consumer 1', 'producer 1']);
  const kind = await verdict.getAttribute('data-kind');
  const headline = await verdict.getByRole('heading').textContent();
  expect(['wrong', 'deadlock', 'failed']).toContain(kind);

  await page.getByTestId('share-run').click();
  const url = await page.getByTestId('share-url').inputValue();
  const context = await browser.newContext();
  try {
    const other = await context.newPage();
    await other.goto(url);
    await expect(other.getByTestId('notice')).toContainText('recorded run');
    await expect(other.getByTestId('run-state')).toHaveText('idle');
    await other.getByTestId('replay').click();
    const replayed = other.getByTestId('verdict');
    await expect(replayed).toBeVisible({ timeout: VERDICT_TIMEOUT });
    await expect(replayed).toHaveAttribute('data-kind', kind ?? '');
    await expect(replayed.getByRole('heading')).toHaveText(headline ?? '');
  } finally {
    await context.close();
  }
});

test('the timeline fits the run, explains what is under the pointer, and scrubs', async ({
  page,
}) => {
  await fresh(page);
  await pick(page, 'hand-off');
  await page.getByRole('spinbutton', { name: 'Slow motion (ms per call)' }).fill('20');
  await page.getByRole('spinbutton', { name: 'Slow motion (ms per call)' }).blur();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'ok', {
    timeout: VERDICT_TIMEOUT,
  });
  // Hover: the lane's state at that moment, with its times.
  const bars = page.getByTestId('timeline-bars');
  const box = await bars.boundingBox();
  if (box === null) throw new Error('no timeline');
  await page.mouse.move(box.x + box.width * 0.5, box.y + 12);
  await expect(page.getByTestId('timeline-tip')).toContainText('producer 1:');
  await expect(page.getByTestId('timeline-tip')).toContainText(' to ');

  // Scrub back to the start: nothing held but the lock held from the start, no console yet.
  const scrubber = page.getByTestId('scrubber');
  await scrubber.focus();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('scrub-time')).toHaveText('0 µs');
  await expect(page.getByTestId('locks')).toContainText('held from the start');
  // Then to a moment in the middle: each worker's line is highlighted in its editor.
  await scrubber.fill(String(Number(await scrubber.getAttribute('max')) / 2));
  await expect(page.locator('.cm-worker-line').first()).toBeVisible();
  await expect(page.getByTestId('editor-producer').locator('.cm-worker-label')).toContainText(
    'producer 1',
  );
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await page.screenshot({ path: `${DOCS}timeline.png` });
  await page.getByRole('button', { name: 'Back to the end' }).click();
  await expect(page.locator('.cm-worker-line')).toHaveCount(0);
});

test('the lesson track, walked from its first step to its last', async ({ page }) => {
  test.setTimeout(300_000);
  await fresh(page);
  await expect(page.getByTestId('lesson')).toContainText(`step 1 of ${LESSON.length}`);
  for (const [i, step] of LESSON.entries()) {
    await expect(page.getByTestId('lesson')).toContainText(`step ${i + 1} of ${LESSON.length}`);
    await expect(page.getByTestId('lesson')).toContainText(step.title);
    const load = page.getByRole('button', { name: "Load this step's code" });
    if (await load.isVisible()) await load.click();
    await expect(page.getByRole('combobox', { name: 'Example' })).toHaveValue(step.example.id);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByTestId('verdict')).toBeVisible({ timeout: VERDICT_TIMEOUT });
    // Step 1's race can, rarely, come out right; run it again until it goes wrong.
    for (let again = 0; again < 5; again++) {
      if ((await page.getByTestId('lesson-goal').getAttribute('data-reached')) === 'true') break;
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await expect(page.getByTestId('run-state')).toHaveText(/finished|stopped/, {
        timeout: VERDICT_TIMEOUT,
      });
    }
    await expect(page.getByTestId('lesson-goal')).toHaveAttribute('data-reached', 'true');
    if (i < LESSON.length - 1) await page.getByTestId('next-step').click();
  }
  // Progress is remembered.
  await page.reload();
  await expect(page.getByTestId('lesson')).toContainText(`step ${LESSON.length} of`);
  await expect(page.getByRole('button', { name: /\(goal reached\)/ })).toHaveCount(LESSON.length);
});

test('picking an example asks before replacing edited code, and clears the last run', async ({
  page,
}) => {
  await fresh(page);
  await pick(page, 'locks-twice');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: VERDICT_TIMEOUT });
  // A new example: its description at once, and nothing of the last run.
  await pick(page, 'bounded-queue');
  await expect(page.getByTestId('example-description')).toContainText('queue');
  await expect(page.getByTestId('verdict')).toHaveCount(0);
  await expect(page.getByTestId('lane')).toHaveCount(0);
  await expect(page.getByTestId('console')).toHaveCount(0);
  // Edited code: the page asks; declining keeps the code.
  await page.getByRole('textbox', { name: 'Producer code' }).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n// mine');
  let asked = '';
  page.once('dialog', (dialog) => {
    asked = dialog.message();
    void dialog.dismiss();
  });
  await pick(page, 'race');
  expect(asked).toContain('Replace your code');
  await expect(page.getByRole('combobox', { name: 'Example' })).toHaveValue('bounded-queue');
  await expect(page.getByRole('textbox', { name: 'Producer code' })).toContainText('// mine');
});

test('a 1 MB log line is cut, and the page stays responsive', async ({ page }) => {
  await page.goto(
    `/${encodeFragment({
      producer: "log('x'.repeat(1_000_000));",
      consumer: '',
      language: 'js',
      settings: DEFAULT_SETTINGS,
    })}`,
  );
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: VERDICT_TIMEOUT });
  await expect(page.getByTestId('console')).toContainText('more characters');
  const text = (await page.getByTestId('console').textContent()) ?? '';
  expect(text.length).toBeLessThan(10_000);
});
