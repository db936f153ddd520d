// `pnpm bench` for the playground: the gzip size of every script and style fetched before the
// first Run can start, and of what is fetched later.
//
// "Before the first Run can start" is: the HTML, its scripts, module preloads and styles, every
// chunk those import statically, and the worker module (with its static imports), which the
// page starts at once so that the first Run does not wait for it. Dynamic imports (`import()`:
// the editor's help and syntax checker, Acorn for a syntax error's line, Sucrase for TypeScript,
// CodeMirror's lint, the TypeScript checker)
// are fetched on use, later.
// Target: first load <= 250 kB gzip.
// Time from a fresh page's first Run to its verdict is measured by the e2e suite
// (e2e/tests/playground.spec.ts prints "first Run to first verdict").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const TARGET_KB = 250;
const dist = resolve(import.meta.dirname, process.argv[2] ?? '../dist');
if (!existsSync(join(dist, 'index.html'))) {
  console.error(`playground bench: no ${dist}/index.html; run \`pnpm build\` first`);
  process.exit(1);
}

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (bytes) => (bytes / 1024).toFixed(1);

/** Files `file` loads at once: static imports, and workers it starts (`new Worker(new URL(…))`). */
function eager(file) {
  if (!file.endsWith('.js')) return [];
  const text = readFileSync(join(dist, file), 'utf8');
  const out = [];
  const base = posix.dirname(file);
  // Static imports: `import … from "./x.js"`, `import "./x.js"`, `export … from "./x.js"`.
  for (const m of text.matchAll(
    /(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]*?from\s*)?["'`](\.{1,2}\/[^"'`]+\.js)["'`]/g,
  )) {
    out.push(posix.normalize(posix.join(base, m[1])));
  }
  for (const m of text.matchAll(/new Worker\(\s*new URL\(\s*["'`]\/?([^"'`]+\.js)["'`]/g)) {
    out.push(m[1].replace(/^\//, ''));
  }
  return out;
}

const initial = new Set();
const queue = [
  ...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="\/?([^"]+\.(?:js|css))"/g),
].map((m) => m[1]);
// The run's worker, an entry of the page's build (see vite.config.ts), started at page load.
queue.push('assets/worker.js');
while (queue.length > 0) {
  const file = queue.shift();
  if (initial.has(file) || !existsSync(join(dist, file))) continue;
  initial.add(file);
  queue.push(...eager(file));
}

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
const verdict = first / 1024 <= TARGET_KB ? 'within' : 'OVER';
console.log(
  `playground first load: ${kb(first)} kB gzip (HTML, JS and CSS, worker module included), ${verdict} the ${TARGET_KB} kB target`,
);
if (verdict === 'OVER') process.exitCode = 1;
