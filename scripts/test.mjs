// `pnpm test`: every check of the workspace, then one closing line summed over all runners.
//   1. turbo: typecheck, lint, unit and worker tests (vitest) of every package, e2e (Playwright)
//      against the built playground; --continue so that one failure does not hide the others;
//   2. prettier --check and ESLint over the files outside the packages;
//   3. scripts/summary.mjs reads the runners' JSON reports and prints `tests: N passed, M failed`.
// Extra arguments go to turbo, e.g. `pnpm test --filter=@baton/core`.
import { spawnSync } from 'node:child_process';

const run = (command, args) =>
  spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1;

const failures = [];
if (run('node', ['scripts/clean-reports.mjs']) !== 0) failures.push('clean-reports');
const turbo = [
  'run',
  'typecheck',
  'lint',
  'test',
  'test:e2e',
  '--continue',
  ...process.argv.slice(2),
];
if (run('turbo', turbo) !== 0) failures.push('turbo (typecheck, lint, test, test:e2e)');
if (run('eslint', ['scripts', 'eslint.config.js']) !== 0) failures.push('eslint (root scripts)');
if (run('prettier', ['--check', '--log-level=warn', '.']) !== 0) failures.push('prettier --check');
const summary = run('node', ['scripts/summary.mjs']);

if (failures.length > 0) console.error(`failed: ${failures.join(', ')}`);
process.exit(failures.length > 0 || summary !== 0 ? 1 : 0);
