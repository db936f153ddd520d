// Pipelines: (1) the overhead of an in-thread pipeline of three stages over 1,000,000 small
// items against a hand-written `for await` loop doing the same work (target: under 3x);
// (2) a worker pipeline with a CPU-heavy stage at 1 and 2 workers (the speed-up should follow
// the machine's cores). Runs against the built package: `pnpm build && node bench/run.mjs pipeline`.
import { availableParallelism } from 'node:os';
import { filter, map, pipeline } from '../dist/index.js';

const N = 1_000_000;
const ROUNDS = 5;

/** Median of `rounds` timings of `fn` (after one warm-up run), in ms, and fn's last result. */
async function time(fn, rounds = ROUNDS) {
  await fn();
  const times = [];
  let result;
  for (let i = 0; i < rounds; i++) {
    globalThis.gc?.();
    const start = performance.now();
    result = await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], result };
}

function* numbers(n) {
  for (let i = 0; i < n; i++) yield i;
}

// The same work both ways: +1, keep those not divisible by 3, *2, sum.
async function handWritten() {
  let sum = 0;
  for await (const x of numbers(N)) {
    const a = x + 1;
    if (a % 3 === 0) continue;
    sum += a * 2;
  }
  return sum;
}

async function inThreadPipeline() {
  let sum = 0;
  await pipeline({
    source: numbers(N),
    stages: [map((x) => x + 1), filter((x) => x % 3 !== 0), map((x) => x * 2)],
    sink: (x) => {
      sum += x;
    },
    capacity: 256,
  }).run();
  return sum;
}

const base = await time(handWritten);
const piped = await time(inThreadPipeline);
if (base.result !== piped.result)
  throw new Error(`results differ: ${base.result} vs ${piped.result}`);
const rate = (ms) => Math.round((N / ms) * 1000).toLocaleString('en-US');
console.log(`in-thread, ${N.toLocaleString('en-US')} items, 3 stages (median of ${ROUNDS})`);
console.table([
  { variant: 'for await loop', ms: base.ms.toFixed(1), 'items/s': rate(base.ms) },
  { variant: 'pipeline()', ms: piped.ms.toFixed(1), 'items/s': rate(piped.ms) },
]);
const ratio = piped.ms / base.ms;
console.log(`overhead ratio: ${ratio.toFixed(2)}x (target < 3x) ${ratio < 3 ? 'OK' : 'MISSED'}`);

// --- worker stages --------------------------------------------------------------------------
const heavy = { module: new URL('../test/pipeline/fixtures/heavy.mjs', import.meta.url) };
const JOBS = 400;
async function workerPipeline(workers) {
  let sum = 0;
  await pipeline({
    source: numbers(JOBS),
    stages: [map(heavy, { placement: 'worker', concurrency: workers, codec: 'float64' })],
    sink: (x) => {
      sum += x;
    },
    codec: 'float64',
  }).run();
  return sum;
}

const cores = availableParallelism();
const rows = [];
let one;
for (const workers of [1, 2]) {
  const t = await time(() => workerPipeline(workers), 3);
  one ??= t.ms;
  rows.push({
    workers,
    ms: t.ms.toFixed(1),
    'jobs/s': Math.round((JOBS / t.ms) * 1000),
    'speed-up': (one / t.ms).toFixed(2),
  });
}
console.log(`\nworker stage, ${JOBS} CPU-heavy jobs (median of 3), ${cores} cores available`);
console.table(rows);
