// The browser figures: builds bench/browser/ with Vite, serves the build with `vite preview`
// (cross-origin isolated by its COOP/COEP headers) and drives it with Playwright in Chromium
// (Debian's /usr/bin/chromium, or PLAYWRIGHT_CHROMIUM_EXECUTABLE). The page measures
// SharedQueue between two Web Workers against postMessage between the same two workers, per
// item and in batches of 256, and ringbuf.js. Skipped, saying so, where no Chromium is found.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { machine, report } from './report.mjs';
import { wakeUpsSpread, wakeUpsText } from './wakeups.mjs';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const executablePath =
  process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE ??
  ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!executablePath) {
  console.log('browser bench skipped: no Chromium (set PLAYWRIGHT_CHROMIUM_EXECUTABLE)');
  process.exit(0);
}

const configFile = fileURLToPath(new URL('./browser/vite.config.mjs', import.meta.url));
await build({ configFile });
const server = await preview({ configFile, preview: { port: 0, strictPort: false } });
const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
let outcome;
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  const url =
    server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${server.httpServer.address().port}/`;
  await page.goto(url);
  await page.waitForFunction(() => window.benchResults !== undefined, undefined, {
    timeout: 600_000,
  });
  outcome = await page.evaluate(() => window.benchResults);
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}
if (outcome.error) throw new Error(`the bench page failed: ${outcome.error}`);

const version = /Chrome\/(\d+)/.exec(outcome.userAgent)?.[1] ?? '?';
const by = Object.fromEntries(outcome.results.map((r) => [r.key, r]));
const mps = (r) => `${(r.perSecond / 1e6).toFixed(2)} M/s`;
console.log(
  `Chromium ${version}, two Web Workers, median of ${outcome.results[0].rates.length} rounds (each runs every scenario once); navigator.hardwareConcurrency ${outcome.cores}; ${machine()}`,
);
console.table(
  outcome.results.map((r) => ({
    scenario: r.name,
    items: r.items.toLocaleString('en-US'),
    'median ms': r.ms.toFixed(1),
    'items/s': mps(r),
  })),
);
/** The median of the per-round ratios of `a` to `b` (the rounds take turns, see browser/main.js). */
function ratioOf(a, b) {
  const ratios = a.rates.map((rate, i) => rate / b.rates[i]).sort((x, y) => x - y);
  return ratios[Math.floor(ratios.length / 2)];
}
const perItem = ratioOf(by.queue, by.postMessage);
const batchVsTransfer = ratioOf(by.queueBatch, by.postTransferred);
const batchVsRing = ratioOf(by.queueBatch, by.ringbufBatch);
const tryVsRing = ratioOf(by.queueTry, by.ringbufBatch);
const pairVsRing = ratioOf(by.pairBatch, by.ringbufBatch);
const pairTryVsRing = ratioOf(by.pairTry, by.ringbufBatch);
const coldBatchVsRing = ratioOf(by.queueBatchCold, by.ringbufBatchCold);
const coldPairVsRing = ratioOf(by.pairBatchCold, by.ringbufBatchCold);
console.log(
  `Median of per-round ratios: SharedQueue per item vs postMessage per item: ${perItem.toFixed(1)}x; batches of 256 vs ` +
    `transferred Float64Array(256): ${batchVsTransfer.toFixed(2)}x; vs ringbuf.js batches: ${batchVsRing.toFixed(2)}x; ` +
    `batches that never wait, spinning, vs ringbuf.js batches: ${tryVsRing.toFixed(2)}x; ` +
    `oneToOne batches vs ringbuf.js batches: ${pairVsRing.toFixed(2)}x; ` +
    `oneToOne batches that never wait, spinning, vs ringbuf.js batches: ${pairTryVsRing.toFixed(2)}x; ` +
    `cold (the first ${by.pairBatchCold.items.toLocaleString('en-US')} items of fresh workers): batches vs ringbuf.js ${coldBatchVsRing.toFixed(2)}x, oneToOne ${coldPairVsRing.toFixed(2)}x`,
);
console.log(
  'Wake-ups in the timed runs, per round (consumers woken by a put / producers woken by a get: about the sleeps of each side, which a loop that spins never makes; see bench/wakeups.mjs):',
);
for (const r of outcome.results)
  if (r.wakeUps !== undefined)
    console.log(`  ${r.name.padEnd(66)}${wakeUpsText(r.wakeUps, r.rates)}`);
/** A blocking row's rate and how often its sides slept (total wake-ups per run). */
const slept = (r) => `${mps(r)}; ${wakeUpsSpread(r.wakeUps)}`;
report({
  what: `Chromium ${version}, two Web Workers: SharedQueue per item vs postMessage (1 number per message)`,
  baton: mps(by.queue),
  peer: `postMessage ${mps(by.postMessage)}; ringbuf.js per element ${mps(by.ringbuf)}`,
  ratio: Number(perItem.toFixed(1)),
  target: 5,
});
report({
  what: `Chromium ${version}: SharedQueue batches of 256 vs Float64Array(256) per message, transferred`,
  baton: mps(by.queueBatch),
  peer: `transferred ${mps(by.postTransferred)}, copied ${mps(by.postCopied)}`,
  ratio: Number(batchVsTransfer.toFixed(2)),
  target: 1,
});
report({
  what: `Chromium ${version}: SharedQueue batches of 256 vs ringbuf.js 256 per push/pop`,
  baton: slept(by.queueBatch),
  peer: `ringbuf.js ${mps(by.ringbufBatch)}`,
  ratio: Number(batchVsRing.toFixed(2)),
  target: 1,
});
report({
  what: `Chromium ${version}: SharedQueue oneToOne batches of 256 vs ringbuf.js 256 per push/pop (both one producer, one consumer)`,
  baton: slept(by.pairBatch),
  peer: `ringbuf.js ${mps(by.ringbufBatch)}`,
  ratio: Number(pairVsRing.toFixed(2)),
  target: 1,
});
report({
  what: `Chromium ${version}: SharedQueue oneToOne tryPutMany/tryGetMany 256, spinning as ringbuf.js's loop does, vs ringbuf.js`,
  baton: mps(by.pairTry),
  peer: `ringbuf.js ${mps(by.ringbufBatch)}`,
  ratio: Number(pairTryVsRing.toFixed(2)),
  targetText: 'for information (no blocking)',
});
report({
  what: `Chromium ${version}: SharedQueue tryPutMany/tryGetMany 256, spinning as ringbuf.js's loop does, vs ringbuf.js`,
  baton: mps(by.queueTry),
  peer: `ringbuf.js ${mps(by.ringbufBatch)}`,
  ratio: Number(tryVsRing.toFixed(2)),
  targetText: 'for information (no blocking)',
});
for (const [label, run, ratio] of [
  ['SharedQueue batches of 256', by.queueBatchCold, coldBatchVsRing],
  ['SharedQueue oneToOne batches of 256', by.pairBatchCold, coldPairVsRing],
])
  report({
    what: `Chromium ${version}, cold start: ${label} vs ringbuf.js 256 per push/pop, the first ${run.items.toLocaleString('en-US')} items of two fresh workers`,
    baton: mps(run),
    peer: `ringbuf.js ${mps(by.ringbufBatchCold)}`,
    ratio: Number(ratio.toFixed(2)),
    targetText: 'for information (code not yet optimized)',
  });
