// Keeps a copy of this package's build and bench under `.builds/<name>/`, so that a later build
// (another change) can be compared with it, side by side in one process, by compare-builds.mjs.
//
//   node bench/keep-build.mjs before        # after `pnpm build` of the code to compare against
//   ... change the code, pnpm build ...
//   node bench/compare-builds.mjs before current
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distIsStale } from './builds.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const builds = join(root, '.builds');
const name = process.argv[2];

function fail(why) {
  console.error(why);
  process.exit(2);
}

// A plain name, starting with a letter, digit or "_" (so never "." or ".."), and a folder of
// its own inside .builds/: the copy replaces what is there.
if (name === undefined || !/^[A-Za-z0-9_][\w.-]*$/.test(name) || name === 'current') {
  fail(
    'usage: node bench/keep-build.mjs <name>  (letters, digits, "_", "." and "-", ' +
      'starting with a letter, digit or "_"; not "current")',
  );
}
const to = resolve(builds, name);
if (!to.startsWith(resolve(builds) + sep)) fail(`${name}: not a folder inside ${builds}`);
if (!existsSync(join(root, 'dist', 'index.js'))) fail('no build to keep: run `pnpm build` first');

if (distIsStale(root)) {
  console.warn('src/ has changed since dist/ was built: the kept build is of older code');
}

rmSync(to, { recursive: true, force: true });
// dist/ and bench/ side by side, as bench/sides.mjs imports '../dist/index.js'; ringbuf.js
// resolves from this package's node_modules, two levels up.
cpSync(join(root, 'dist'), join(to, 'dist'), { recursive: true });
cpSync(join(root, 'bench'), join(to, 'bench'), { recursive: true });
// What it was built from, for whoever reads the comparison later.
const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout ?? '';
const changed = git('status', '--porcelain', '--', 'src', 'bench').trimEnd();
writeFileSync(
  join(to, 'KEPT.txt'),
  `commit ${git('rev-parse', 'HEAD').trim() || 'unknown'}\n` +
    `kept ${new Date().toISOString()}\n` +
    (changed === '' ? 'src/ and bench/ as committed\n' : `changed since:\n${changed}\n`),
);
console.log(`kept the build as ${to}`);
