// Accessibility: axe-core finds no serious or critical problem on the main page, idle and after a
// run, and the page can be used with the keyboard alone, into and out of an editor.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

const VERDICT_TIMEOUT = 30_000;

async function seriousFindings(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('axe-core: no serious or critical finding, idle and after a run', async ({ page }) => {
  // Two full axe-core passes on a loaded machine.
  test.setTimeout(180_000);
  await page.goto('/');
  await expect(page.getByTestId('run-state')).toHaveText('idle');
  expect(await seriousFindings(page)).toEqual([]);
  await page.getByRole('combobox', { name: 'Example' }).selectOption('locks-twice');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: VERDICT_TIMEOUT });
  expect(await seriousFindings(page)).toEqual([]);
});

test('keyboard only: Tab goes into an editor and out again; Ctrl+Enter keeps the focus', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('run-state')).toHaveText('idle');
  const editor = page.getByRole('textbox', { name: 'Producer code' });
  // Tab from the top of the page until the producer's editor has the focus.
  let reached = false;
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await editor.evaluate((el) => el === document.activeElement);
  }
  expect(reached).toBe(true);
  // Its focus is visible: the editor's frame has an outline.
  const outline = await page
    .getByTestId('editor-producer')
    .evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe('none');
  // Typing works (a harmless space before the first comment), and Tab leaves instead of indenting.
  await page.keyboard.type(' ');
  await page.keyboard.press('Tab');
  expect(await editor.evaluate((el) => el === document.activeElement)).toBe(false);
  expect(await editor.evaluate((el) => el.contains(document.activeElement))).toBe(false);
  await page.keyboard.press('Shift+Tab');
  expect(await editor.evaluate((el) => el === document.activeElement)).toBe(true);

  // Ctrl+Enter from the Run button: the run ends and the focus is still on Run, not the body.
  await page.getByRole('button', { name: 'Run', exact: true }).focus();
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: VERDICT_TIMEOUT });
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Run');
});
