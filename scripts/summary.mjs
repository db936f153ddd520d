// Sums the JSON reports of every test runner (vitest in each package, Playwright in e2e/) and
// prints one closing line: `tests: N passed, M failed`. Exits non-zero when any test failed or
// a runner left no report. Used by `pnpm test` and by .ci/run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @type {{ file: string, passed: number, failed: number, skipped: number }[]} */
const rows = [];
const missing = [];

function vitest(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  // A file that fails to load counts as a failure even though it ran no test.
  const broken = (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0,
  ).length;
  return {
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + broken,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

function playwright(file) {
  const { stats, errors = [] } = JSON.parse(readFileSync(file, 'utf8'));
  return {
    passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
    failed: (stats.unexpected ?? 0) + errors.length,
    skipped: stats.skipped ?? 0,
  };
}

const packageDirs = ['packages', 'apps']
  .filter((group) => existsSync(group))
  .flatMap((group) => readdirSync(group).map((name) => join(group, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')));

for (const dir of packageDirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  const file = join(dir, 'reports', 'vitest.json');
  if (existsSync(file)) rows.push({ file, ...vitest(file) });
  else missing.push(file);
}
const e2e = join('e2e', 'reports', 'playwright.json');
if (existsSync(e2e)) rows.push({ file: e2e, ...playwright(e2e) });
else missing.push(e2e);

for (const row of rows) {
  console.log(`  ${row.file}: ${row.passed} passed, ${row.failed} failed, ${row.skipped} skipped`);
}
for (const file of missing) console.log(`  ${file}: missing (the runner did not finish)`);

const passed = rows.reduce((sum, row) => sum + row.passed, 0);
const failed = rows.reduce((sum, row) => sum + row.failed, 0) + missing.length;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
