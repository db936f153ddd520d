import { expect, test, type Locator, type Page } from '@playwright/test';
import { EXAMPLES } from '../../apps/playground/src/examples.js';
import { encodeFragment } from '../../apps/playground/src/share.js';
import { DEFAULT_SETTINGS } from '../../apps/playground/src/settings.js';

// Runs are real Web Workers on a possibly loaded 2-core machine: wait for verdicts generously.
const VERDICT_TIMEOUT = 30_000;

/** Opens the playground with this code in the URL (nothing runs until Run is pressed). */
async function openWith(
  page: Page,
  producer: string,
  consumer: string,
  language: 'js' | 'ts' = 'js',
  settings = DEFAULT_SETTINGS,
) {
  await page.goto(`/${encodeFragment({ producer, consumer, language, settings })}`);
  await expect(page.getByTestId('run-state')).toHaveText('idle');
}

async function run(page: Page) {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toBeVisible({ timeout: VERDICT_TIMEOUT });
  return verdict;
}

/** Checks the verdict's kind; on a mismatch the failure shows the whole verdict. */
async function expectVerdict(verdict: Locator, kind: string) {
  const actual = await verdict.getAttribute('data-kind');
  expect(actual, `verdict: ${await verdict.innerText()}`).toBe(kind);
}

/** The text of a CodeMirror pane, line by line. */
const paneText = (page: Page, label: string) =>
  page
    .getByRole('textbox', { name: label })
    .locator('.cm-line')
    .allTextContents()
    .then((lines) => lines.join('\n'));

test('the page is cross-origin isolated and names its controls', async ({ page }) => {
  await page.goto('/');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('isolation')).toContainText('Cross-origin isolated');
  for (const name of ['Run', 'Stop', 'Share']) {
    await expect(page.getByRole('button', { name, exact: true })).toBeVisible();
  }
  await expect(page.getByRole('combobox', { name: 'Example' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Language' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Producer code' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Consumer code' })).toBeVisible();
  await expect(page.getByRole('spinbutton', { name: 'Queue capacity' })).toBeVisible();
});

for (const example of EXAMPLES) {
  test(`example "${example.title}" reaches its verdict: ${example.expect}`, async ({ page }) => {
    await page.goto('/');
    await page.getByRole('combobox', { name: 'Example' }).selectOption(example.id);
    expect(await paneText(page, 'Producer code')).toBe(example.producer);
    const verdict = await run(page);
    const text = (await verdict.textContent()) ?? '';
    if (example.expect === 'fails') {
      // How it fails depends on who goes first; that it fails does not.
      expect(['wrong', 'deadlock', 'failed'], text).toContain(
        await verdict.getAttribute('data-kind'),
      );
      return;
    }
    await expectVerdict(verdict, example.expect);
    if (example.expect === 'ok') {
      expect(text).toContain('consumed once and in order');
    } else if (example.expect === 'wrong') {
      expect(text).toMatch(/lost|doubled|never consumed|nobody wrote/);
    } else {
      // The deadlock is explained by the locks' names, in words and in the diagram.
      for (const name of example.names ?? []) {
        await expect(verdict.getByTestId('deadlock')).toContainText(name);
      }
      await expect(verdict.getByTestId('deadlock')).toContainText('which it holds itself');
      await expect(verdict.getByRole('img')).toBeVisible();
      // Called within a second of the last progress, on the page's own clock.
      const after = Number(await verdict.getByTestId('detected-after').getAttribute('data-ms'));
      expect(after).toBeLessThan(1000);
    }
    await expect(page.getByTestId('run-state')).toHaveText('finished');
  });
}

test('a lock-order deadlock between two workers is explained as a cycle', async ({ page }) => {
  // Each takes its first lock and waits for the other to have taken its own, so the cycle forms
  // however late one worker starts (a sleep(100) in between was not enough under CI load: one
  // worker took both locks before the other began).
  await openWith(
    page,
    "lock('a').acquire();\nevent('p').set();\nevent('c').wait();\nlock('b').acquire();",
    "lock('b').acquire();\nevent('c').set();\nevent('p').wait();\nlock('a').acquire();",
  );
  const verdict = await run(page);
  await expectVerdict(verdict, 'deadlock');
  // Core's wording: the cycle in one sentence, each wait with its holder.
  // (The cycle starts with whichever worker began to wait first.)
  const words = verdict.getByTestId('deadlock');
  await expect(words).toContainText(
    /producer 1 waits for lock b since .*, held by consumer 1 since/,
  );
  await expect(words).toContainText(
    /consumer 1 waits for lock a since .*, held by producer 1 since/,
  );
  await expect(words).toContainText(/; and so back to (producer|consumer) 1\./);
  await expect(verdict.getByRole('img')).toHaveAttribute('aria-label', /Wait-for cycle/);
  await expect(page.getByTestId('locks')).toContainText('lock a');
});

test('a worker that fails holding a lock is named, and so is the worker it left stuck', async ({
  page,
}) => {
  await openWith(
    page,
    "lock('l').acquire();\nthrow new Error('gave up');",
    "sleep(50);\nlock('l').acquire();",
  );
  const verdict = await run(page);
  await expectVerdict(verdict, 'failed');
  await expect(verdict.getByTestId('errors')).toContainText('producer 1: Error: gave up (line 2');
  await expect(verdict.getByTestId('deadlock')).toContainText(
    /consumer 1 waits for lock l since .*, held by producer 1 since .*; producer 1 has finished without releasing it/,
  );
});

test('an event wakes blocking and async waiters, and a lock works from async code', async ({
  page,
}) => {
  await openWith(
    page,
    "sleep(100);\nconst l = lock('l');\nawait l.acquireAsync();\nl.release();\nevent('go').set();",
    "const go = event('go');\nif (index === 1) go.wait();\nelse await go.waitAsync();\nlog(name, 'went');",
    'js',
    { ...DEFAULT_SETTINGS, consumers: 2 },
  );
  const verdict = await run(page);
  await expectVerdict(verdict, 'ok');
  await expect(page.getByTestId('console')).toContainText('consumer 1 went');
  await expect(page.getByTestId('console')).toContainText('consumer 2 went');
  await expect(page.getByTestId('locks')).toContainText('event go');
});

test('Stop ends code stuck in while (true) {} within a second', async ({ page }) => {
  await openWith(page, 'log("spinning");\nwhile (true) {}', 'while (true) {}');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  // Both workers are in their loops (the producer has logged before entering it).
  await expect(page.getByTestId('console')).toContainText('spinning', { timeout: VERDICT_TIMEOUT });
  await expect(page.getByTestId('lane').first()).toHaveAttribute('data-state', 'running');
  // Measured in the page, from the click to the 'stopped' state on screen.
  const elapsed = await page.evaluate(async () => {
    const state = document.querySelector('[data-testid="run-state"]') as HTMLElement;
    const stop = Array.from(document.querySelectorAll('button')).find(
      (b) => b.textContent === 'Stop',
    );
    const start = performance.now();
    const stopped = new Promise<number>((resolve) => {
      new MutationObserver(() => {
        if (state.textContent === 'stopped') resolve(performance.now() - start);
      }).observe(state, { childList: true, characterData: true, subtree: true });
    });
    stop?.click();
    return stopped;
  });
  expect(elapsed).toBeLessThan(1000);
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-kind', 'stopped');
  await expect(page.getByTestId('lane').first()).toHaveAttribute('data-state', 'stopped');
  // The page is free again: another run starts and finishes.
  await page.getByRole('combobox', { name: 'Example' }).selectOption('bounded-queue');
  const verdict = await run(page);
  await expectVerdict(verdict, 'ok');
});

test('keyboard: Ctrl+Enter runs and Escape stops', async ({ page }) => {
  await openWith(page, 'while (true) { sleep(10); }', 'while (true) { sleep(10); }');
  await page.getByRole('textbox', { name: 'Producer code' }).click();
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('run-state')).toHaveText('running');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('run-state')).toHaveText('stopped');
});

test('a syntax error is reported with its worker and line, and marked in the gutter', async ({
  page,
}) => {
  await openWith(page, 'const a = 1;\nconst b = 2;\nlet c = (;\n', 'log("fine");');
  // Marked as you type once you work in the editor (the checker loads on first focus, so it is
  // not part of the first load), before anything runs.
  await page.getByRole('textbox', { name: 'Producer code' }).focus();
  await expect(page.locator('.cm-lint-marker-error')).toHaveCount(1);
  await expect(page.getByTestId('run-state')).toHaveText('idle');
  const verdict = await run(page);
  await expectVerdict(verdict, 'failed');
  await expect(verdict.getByTestId('errors')).toContainText('producer 1');
  await expect(verdict.getByTestId('errors')).toContainText('syntax error');
  await expect(verdict.getByTestId('errors')).toContainText('line 3');
  await expect(page.locator('.cm-lint-marker-error')).toHaveCount(1);
});

test('a runtime error in TypeScript is reported with its line', async ({ page }) => {
  await openWith(
    page,
    'queue.put(1);\nqueue.put(FINISH);',
    'const first: number = queue.get() as number;\nconst missing: { x: number } | null = null;\nlog(first, missing!.x);\n',
    'ts',
  );
  const verdict = await run(page);
  await expectVerdict(verdict, 'failed');
  await expect(verdict.getByTestId('errors')).toContainText('consumer 1');
  await expect(verdict.getByTestId('errors')).toContainText('TypeError');
  await expect(verdict.getByTestId('errors')).toContainText('line 3');
});

test('a shared URL restores the same code and settings in a fresh page, without running it', async ({
  page,
  browser,
}) => {
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Example' }).selectOption('semaphore');
  const capacity = page.getByRole('spinbutton', { name: 'Queue capacity' });
  await capacity.fill('4');
  await capacity.blur();
  const producer = await paneText(page, 'Producer code');
  const consumer = await paneText(page, 'Consumer code');
  await page.getByRole('button', { name: 'Share' }).click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toContain('#code=');

  const fresh = await browser.newContext();
  try {
    const other = await fresh.newPage();
    await other.goto(url);
    await expect(other.getByTestId('notice')).toContainText('runs only when you press Run');
    expect(await paneText(other, 'Producer code')).toBe(producer);
    expect(await paneText(other, 'Consumer code')).toBe(consumer);
    await expect(other.getByRole('spinbutton', { name: 'Queue capacity' })).toHaveValue('4');
    await expect(other.getByTestId('run-state')).toHaveText('idle');
    await expect(other.getByTestId('lane')).toHaveCount(0);
    // Reopening the link keeps it; editing the code drops it from the address, so a reload
    // brings back the user's own version (from local storage) rather than the shared one.
    await other.reload();
    expect(other.url()).toContain('#code=');
    await other.getByRole('textbox', { name: 'Producer code' }).click();
    await other.keyboard.press('Control+End');
    await other.keyboard.type('\n// mine');
    await expect.poll(() => other.url()).not.toContain('#code=');
    await other.reload();
    expect(await paneText(other, 'Producer code')).toContain('// mine');
  } finally {
    await fresh.close();
  }
});

test('nothing from a link is inserted as HTML, and logged markup stays text', async ({ page }) => {
  const markup = '<img src=x onerror="window.pwned = 1">';
  await openWith(page, `// ${markup}\nlog('${markup}');`, `// ${markup}`);
  expect(await paneText(page, 'Producer code')).toContain(markup);
  const verdict = await run(page);
  await expectVerdict(verdict, 'ok');
  await expect(page.getByTestId('console')).toContainText(markup);
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
});

test('the last session is restored from local storage', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Example' }).selectOption('event');
  const producer = await paneText(page, 'Producer code');
  // Saved a moment after the last change.
  await expect
    .poll(() => page.evaluate(() => localStorage.getItem('baton.playground.session') ?? ''))
    .toContain("event('stop')");
  await page.reload();
  expect(await paneText(page, 'Producer code')).toBe(producer);
});

for (const viewport of [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
]) {
  test(`usable at ${viewport.width}x${viewport.height}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto('/');
    await page.getByRole('combobox', { name: 'Example' }).selectOption('many');
    const verdict = await run(page);
    await expectVerdict(verdict, 'ok');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeInViewport();
  });
}

test('a finished run, with its timing from page load to first result', async ({
  page,
  browser,
}, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Example' }).selectOption('locks-twice');
  const verdict = await run(page);
  await expectVerdict(verdict, 'deadlock');
  await expect(page.getByTestId('lane')).toHaveCount(2);
  const path = testInfo.outputPath('finished-run.png');
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach('finished-run', { path, contentType: 'image/png' });

  // Time to first result on a fresh load: navigation start to the first verdict on screen,
  // with Run pressed by a script in the page as soon as it is enabled (so Playwright's own
  // round trips are not counted). Reported, not asserted: wall-clock targets belong to
  // benchmarks, and this machine may be loaded.
  const context = await browser.newContext();
  try {
    await context.addInitScript(() => {
      const press = () => {
        const run = Array.from(document.querySelectorAll('button')).find(
          (b) => b.textContent === 'Run',
        );
        if (run !== undefined && !run.disabled) run.click();
        else requestAnimationFrame(press);
      };
      requestAnimationFrame(press);
    });
    const fresh = await context.newPage();
    await fresh.goto('/');
    // A fresh page opens on the lesson's first step, the race: its verdict is 'wrong'.
    await expect(fresh.getByTestId('verdict')).toBeVisible({ timeout: VERDICT_TIMEOUT });
    const { result, run } = await fresh.evaluate(() => ({
      result: Number(document.documentElement.dataset.firstResultMs),
      run: Number(document.documentElement.dataset.firstRunMs),
    }));
    testInfo.annotations.push({ type: 'first-result-ms', description: String(result) });
    testInfo.annotations.push({
      type: 'first-run-to-verdict-ms',
      description: String(result - run),
    });
    console.log(`playground: page load to first run result ${result} ms`);
    console.log(`playground: first Run to first verdict ${result - run} ms (target 1000 ms)`);
    expect(result).toBeGreaterThan(0);
  } finally {
    await context.close();
  }
});
