// Pipelines: (1) an in-thread pipeline of three stages over 1,000,000 small items against a
// hand-written `for await` loop (overhead target: under 3x), node's stream.pipeline with three
// object-mode Transforms and a chain of async generators doing the same work; (2) a worker
// stage with a CPU-heavy function at 1 and 2 workers beside piscina (the speed-up should follow
// the machine's cores). Runs against the built package: `pnpm build && node bench/run.mjs pipeline`.
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Piscina } from 'piscina';
import { filter, map, pipeline, WorkerPool } from '../dist/index.js';
import { machine, median, report } from './report.mjs';

const N = 1_000_000;
const ROUNDS = 5;
const IN_THREAD_ROUNDS = 9;

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

// Node streams: stream.pipeline with three object-mode Transforms and a Writable sink.
async function nodeStreams() {
  let sum = 0;
  const transform = (fn) =>
    new Transform({
      objectMode: true,
      transform(x, _encoding, callback) {
        const y = fn(x);
        callback(null, y === SKIP ? undefined : y);
      },
    });
  await streamPipeline(
    Readable.from(numbers(N)),
    transform((x) => x + 1),
    transform((x) => (x % 3 !== 0 ? x : SKIP)),
    transform((x) => x * 2),
    new Writable({
      objectMode: true,
      write(x, _encoding, callback) {
        sum += x;
        callback();
      },
    }),
  );
  return sum;
}
const SKIP = Symbol('skip');

// A chain of async generators, one per stage.
async function generatorChain() {
  async function* plusOne(source) {
    for await (const x of source) yield x + 1;
  }
  async function* notThirds(source) {
    for await (const x of source) if (x % 3 !== 0) yield x;
  }
  async function* twice(source) {
    for await (const x of source) yield x * 2;
  }
  let sum = 0;
  for await (const x of twice(notThirds(plusOne(numbers(N))))) sum += x;
  return sum;
}

// Variants take turns round by round, so a change in machine load hits them alike.
const inThread = {
  'for await loop': handWritten,
  'pipeline()': inThreadPipeline,
  'stream.pipeline, 3 Transforms': nodeStreams,
  'async generator chain': generatorChain,
};
const inThreadTimes = Object.fromEntries(Object.keys(inThread).map((name) => [name, []]));
let reference;
for (const [name, fn] of Object.entries(inThread)) {
  const sum = await fn(); // warm up, and check every variant does the same work
  reference ??= sum;
  if (sum !== reference) throw new Error(`${name} computed ${sum}, expected ${reference}`);
}
// Per round, the ratios of the variants measured back to back: on a shared machine these are
// steadier than either figure, so the summary takes their median and shows their spread.
const roundRatios = { vsStreams: [], vsLoop: [] };
for (let round = 0; round < IN_THREAD_ROUNDS; round++) {
  const names = Object.keys(inThread);
  const order = round % 2 === 0 ? names : [...names].reverse();
  const ms = {};
  for (const name of order) {
    globalThis.gc?.();
    const start = performance.now();
    await inThread[name]();
    ms[name] = performance.now() - start;
    inThreadTimes[name].push(ms[name]);
  }
  roundRatios.vsStreams.push(ms['stream.pipeline, 3 Transforms'] / ms['pipeline()']);
  roundRatios.vsLoop.push(ms['pipeline()'] / ms['for await loop']);
}
const spreadOf = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
const inThreadMs = Object.fromEntries(
  Object.entries(inThreadTimes).map(([name, ts]) => [name, median(ts)]),
);
const rate = (ms) => Math.round((N / ms) * 1000).toLocaleString('en-US');
console.log(
  `in-thread, ${N.toLocaleString('en-US')} items, 3 stages (median of ${IN_THREAD_ROUNDS}, variants alternating); ${machine()}`,
);
console.table(
  Object.entries(inThreadMs).map(([variant, ms]) => ({
    variant,
    ms: ms.toFixed(1),
    'items/s': rate(ms),
  })),
);
const ratio = median(roundRatios.vsLoop);
console.log(
  `overhead ratio: ${ratio.toFixed(2)}x (median of per-round ratios, spread ${spreadOf(roundRatios.vsLoop)}; target < 3x) ${ratio < 3 ? 'OK' : 'MISSED'}`,
);
const vsStreams = median(roundRatios.vsStreams);
const vsGenerators = inThreadMs['async generator chain'] / inThreadMs['pipeline()'];
console.log(
  `pipeline() vs stream.pipeline: ${vsStreams.toFixed(2)}x faster (per-round spread ${spreadOf(roundRatios.vsStreams)}); vs async generators: ${vsGenerators.toFixed(2)}x faster`,
);
report({
  what: 'pipeline() in-thread, 3 stages, 1M items vs node stream.pipeline (3 object-mode Transforms)',
  baton: `${inThreadMs['pipeline()'].toFixed(0)} ms (${ratio.toFixed(2)}x a for-await loop)`,
  peer: `streams ${inThreadMs['stream.pipeline, 3 Transforms'].toFixed(0)} ms, async generators ${inThreadMs['async generator chain'].toFixed(0)} ms; ratio spread ${spreadOf(roundRatios.vsStreams)}`,
  ratio: Number(vsStreams.toFixed(2)),
  target: 1,
  targetText: '>= 1x (keep)',
});

// --- worker stages beside piscina ---------------------------------------------------------
// The same CPU-heavy stage (heavy.mjs: a few ms of arithmetic per job) run by: a plain loop on
// this thread; piscina with a fresh pool per run (created, 400 `run()`s, destroyed) and with a
// warm pool (created once); Baton's worker stage without a pool (each run starts and closes its
// workers) and with a WorkerPool kept across runs (created once, module preloaded). Variants
// take turns round by round, so a change in machine load hits them alike.
const heavyUrl = new URL('../test/pipeline/fixtures/heavy.mjs', import.meta.url);
const heavy = { module: heavyUrl };
const { default: heavyFn } = await import(heavyUrl.href);
const JOBS = 400;
const WORKER_ROUNDS = 7;
const jobs = Array.from({ length: JOBS }, (_, i) => i);
const expected = jobs.reduce((sum, i) => sum + heavyFn(i), 0);

function bakedPipeline(workers, pool) {
  let sum = 0;
  const definition = pipeline({
    source: jobs,
    stages: [map(heavy, { placement: 'worker', concurrency: workers, codec: 'float64' })],
    sink: (x) => {
      sum += x;
    },
    codec: 'float64',
    ...(pool ? { pool } : {}),
  });
  return async () => {
    sum = 0;
    await definition.run();
    return sum;
  };
}

async function piscinaRun(pool) {
  const results = await Promise.all(jobs.map((i) => pool.run(i)));
  return results.reduce((a, b) => a + b, 0);
}

const loop = await time(() => jobs.reduce((sum, i) => sum + heavyFn(i), 0), 3);
const summary = [];
for (const workers of [1, 2]) {
  const piscinaWarm = new Piscina({
    filename: heavyUrl.href,
    minThreads: workers,
    maxThreads: workers,
  });
  await piscinaRun(piscinaWarm); // start its threads and load the module
  const batonPool = new WorkerPool({ workers, preload: [heavy] });
  await batonPool.ready();
  const variants = {
    'piscina, fresh pool': async () => {
      const pool = new Piscina({
        filename: heavyUrl.href,
        minThreads: workers,
        maxThreads: workers,
      });
      try {
        return await piscinaRun(pool);
      } finally {
        await pool.destroy();
      }
    },
    'piscina, warm pool': () => piscinaRun(piscinaWarm),
    'Baton, no pool': bakedPipeline(workers),
    'Baton, WorkerPool': bakedPipeline(workers, batonPool),
  };
  const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  // Warm-up: every variant twice (module caches, JIT, the OS's thread start paths).
  for (let i = 0; i < 2; i++) {
    for (const fn of Object.values(variants)) {
      if ((await fn()) !== expected) throw new Error('a variant computed a different sum');
    }
  }
  // Per round, Baton's ratios against piscina measured back to back (in alternating order):
  // the median of these is the figure reported, and their spread says how far to trust it.
  const perRound = { fresh: [], warm: [] };
  for (let round = 0; round < WORKER_ROUNDS; round++) {
    const names = Object.keys(variants);
    const order = round % 2 === 0 ? names : [...names].reverse();
    const ms = {};
    for (const name of order) {
      globalThis.gc?.();
      const start = performance.now();
      const sum = await variants[name]();
      ms[name] = performance.now() - start;
      times[name].push(ms[name]);
      if (sum !== expected) throw new Error(`${name} computed ${sum}, expected ${expected}`);
    }
    perRound.fresh.push(ms['piscina, fresh pool'] / ms['Baton, no pool']);
    perRound.warm.push(ms['piscina, warm pool'] / ms['Baton, WorkerPool']);
  }
  await piscinaWarm.destroy();
  await batonPool.close();
  const rows = Object.entries(times).map(([variant, ts]) => ({
    workers,
    variant,
    'median ms': median(ts).toFixed(1),
    'jobs/s': Math.round((JOBS / median(ts)) * 1000),
    'speed-up over loop': (loop.ms / median(ts)).toFixed(2),
  }));
  console.log(
    `\nworker stage, ${JOBS} CPU-heavy jobs, ${workers} worker(s), median of ${WORKER_ROUNDS}`,
  );
  console.table(rows);
  const m = (name) => median(times[name]);
  const spread = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
  const fresh = median(perRound.fresh);
  const warm = median(perRound.warm);
  const freshVsPooled = m('piscina, fresh pool') / m('Baton, WorkerPool');
  console.log(
    `Baton vs piscina (time ratio, > 1 = Baton faster; median of ${WORKER_ROUNDS} per-round ratios, spread): ` +
      `no pool vs fresh pool ${fresh.toFixed(2)}x (${spread(perRound.fresh)}), ` +
      `WorkerPool vs warm pool ${warm.toFixed(2)}x (${spread(perRound.warm)}), ` +
      `WorkerPool vs fresh pool ${freshVsPooled.toFixed(2)}x`,
  );
  summary.push({ workers, m, fresh, warm, freshVsPooled, spread: spread(perRound.fresh) });
}
console.log(
  `plain loop: ${loop.ms.toFixed(1)} ms (${(loop.ms / JOBS).toFixed(2)} ms per job); ${machine()}`,
);

const two = summary[1];
const speedup = (name) => loop.ms / two.m(name);
report({
  what: `pipeline() worker stage, ${JOBS} CPU jobs (${(loop.ms / JOBS).toFixed(1)} ms), 2 workers: Baton no pool / WorkerPool vs piscina fresh pool`,
  baton: `${two.m('Baton, no pool').toFixed(0)} / ${two.m('Baton, WorkerPool').toFixed(0)} ms`,
  peer: `piscina fresh ${two.m('piscina, fresh pool').toFixed(0)} ms, warm ${two.m('piscina, warm pool').toFixed(0)} ms; ratio spread ${two.spread}`,
  ratio: Number(two.fresh.toFixed(2)),
  target: 1,
});
report({
  what: 'worker stage speed-up over a plain loop, 2 workers (Baton WorkerPool vs piscina warm)',
  baton: `${speedup('Baton, WorkerPool').toFixed(2)}x`,
  peer: `${speedup('piscina, warm pool').toFixed(2)}x`,
  ratio: Number((speedup('Baton, WorkerPool') / speedup('piscina, warm pool')).toFixed(2)),
  target: 1,
});
