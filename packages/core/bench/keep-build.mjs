// Keeps a copy of this package's build and bench under `.builds/<name>/`, so that a later build
// (another change) can be compared with it, side by side in one process, by compare-builds.mjs.
//
//   node bench/keep-build.mjs before        # after `pnpm build` of the code to compare against
//   ... change the code, pnpm build ...
//   node bench/compare-builds.mjs before current
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
if (name === undefined || !/^[\w.-]+$/.test(name) || name === 'current') {
  console.error(
    'usage: node bench/keep-build.mjs <name>  (letters, digits, ".", "_" or "-"; not "current")',
  );
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('no build to keep: run `pnpm build` first');
  process.exit(2);
}
const to = join(root, '.builds', name);
rmSync(to, { recursive: true, force: true });
// dist/ and bench/ side by side, as bench/sides.mjs imports '../dist/index.js'; ringbuf.js
// resolves from this package's node_modules, two levels up.
cpSync(join(root, 'dist'), join(to, 'dist'), { recursive: true });
cpSync(join(root, 'bench'), join(to, 'bench'), { recursive: true });
console.log(`kept the build as ${to}`);
