// `pnpm bench` for the playground: the gzip size of what the built app loads before it can
// run anything (the HTML's scripts, module preloads and styles), and of what it loads later
// (the workers, the syntax checker, TypeScript stripping only in TS mode; and the lab pages).
// Target: first load < 250 kB gzip.
// Time from page load to the first run result is measured by the e2e suite
// (e2e/tests/playground.spec.ts prints "page load to first run result").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const TARGET_KB = 250;
const dist = resolve(import.meta.dirname, '../dist');
if (!existsSync(join(dist, 'index.html'))) {
  console.error('playground bench: no dist/index.html; run `pnpm build` first');
  process.exit(1);
}

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set(
  [...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="\/?([^"]+\.(?:js|css))"/g)].map(
    (m) => m[1],
  ),
);
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (bytes) => (bytes / 1024).toFixed(1);

const assets = readdirSync(join(dist, 'assets'))
  .filter((name) => /\.(js|css)$/.test(name))
  .map((name) => `assets/${name}`);
const rows = assets.map((file) => ({ file, gzip: gz(file), initial: initial.has(file) }));
const first = rows.filter((r) => r.initial).reduce((sum, r) => sum + r.gzip, 0) + gz('index.html');

for (const r of rows.sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzip - a.gzip)) {
  console.log(
    `${r.initial ? 'first load' : 'later     '}  ${kb(r.gzip).padStart(7)} kB  ${r.file}`,
  );
}
const verdict = first / 1024 < TARGET_KB ? 'within' : 'OVER';
console.log(
  `playground first load: ${kb(first)} kB gzip (HTML, JS and CSS), ${verdict} the ${TARGET_KB} kB target`,
);
if (verdict === 'OVER') process.exitCode = 1;
