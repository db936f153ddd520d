// Runs compiled modules with node, one process each, and vitest over the test blocks.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} Outcome
 * @property {number | null} code
 * @property {string} stdout
 * @property {string} stderr
 * @property {boolean} timedOut
 */

/**
 * Runs `node args` in `cwd`, killing it after `ms`.
 * @param {string[]} args
 * @param {{ cwd: string, ms?: number }} options
 * @returns {Promise<Outcome>}
 */
export function node(args, { cwd, ms = 30_000 }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/**
 * The runner every block goes through: imports the module and checks how it ends. The process
 * must then exit by itself (no worker, timer or handle left behind), or it is killed as hung.
 */
const RUNNER = `import { pathToFileURL } from 'node:url';
const [file, expected] = process.argv.slice(2);
try {
  await import(pathToFileURL(file).href);
  if (expected) {
    console.error('expected it to throw ' + expected + ', but it completed');
    process.exitCode = 1;
  }
} catch (error) {
  if (expected && error && error.name === expected) {
    console.log('threw ' + expected + ' as expected: ' + error.message);
  } else {
    console.error(error);
    process.exitCode = 1;
  }
}
`;

/**
 * Runs one compiled module as its block asks.
 * @param {string} dir  the project
 * @param {string} file compiled module
 * @param {string | undefined} throws  error name it must end with
 */
export function runModule(dir, file, throws) {
  const runner = join(dir, 'run-block.mjs');
  writeFileSync(runner, RUNNER);
  return node([runner, file, throws ?? ''], { cwd: dir });
}

/**
 * Runs vitest (the project's own, from its node_modules) over the given compiled test files and
 * returns vitest's JSON report.
 * @param {string} dir
 * @param {string[]} files
 */
export async function runVitest(dir, files) {
  const report = join(dir, 'vitest-report.json');
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    `export default { test: { testTimeout: 30000, include: ['out/**/*.test.js'] } };\n`,
  );
  const outcome = await node(
    [
      join(dir, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--reporter=json',
      `--outputFile=${report}`,
      ...files,
    ],
    { cwd: dir, ms: 120_000 },
  );
  const { readFileSync, existsSync } = await import('node:fs');
  if (!existsSync(report)) {
    throw new Error(`vitest wrote no report:\n${outcome.stdout}\n${outcome.stderr}`);
  }
  return { outcome, report: JSON.parse(readFileSync(report, 'utf8')) };
}
