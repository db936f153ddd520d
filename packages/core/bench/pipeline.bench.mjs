// Pipelines: (1) an in-thread pipeline of three stages over 1,000,000 small items against a
// hand-written `for await` loop (overhead target: under 3x), node's stream.pipeline with three
// object-mode Transforms and a chain of async generators doing the same work; (2) a worker
// stage with a CPU-heavy function at 1 and 2 workers beside piscina (the speed-up should follow
// the machine's cores). Runs against the built package: `pnpm build && node bench/run.mjs pipeline`.
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Piscina } from 'piscina';
import { filter, map, pipeline, WorkerPool } from '../dist/index.js';
import { machine, report } from './report.mjs';

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
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(inThread)) {
    globalThis.gc?.();
    const start = performance.now();
    await fn();
    inThreadTimes[name].push(performance.now() - start);
  }
}
const medianOf = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const inThreadMs = Object.fromEntries(
  Object.entries(inThreadTimes).map(([name, ts]) => [name, medianOf(ts)]),
);
const rate = (ms) => Math.round((N / ms) * 1000).toLocaleString('en-US');
console.log(
  `in-thread, ${N.toLocaleString('en-US')} items, 3 stages (median of ${ROUNDS}); ${machine()}`,
);
console.table(
  Object.entries(inThreadMs).map(([variant, ms]) => ({
    variant,
    ms: ms.toFixed(1),
    'items/s': rate(ms),
  })),
);
const ratio = inThreadMs['pipeline()'] / inThreadMs['for await loop'];
console.log(`overhead ratio: ${ratio.toFixed(2)}x (target < 3x) ${ratio < 3 ? 'OK' : 'MISSED'}`);
const vsStreams = inThreadMs['stream.pipeline, 3 Transforms'] / inThreadMs['pipeline()'];
const vsGenerators = inThreadMs['async generator chain'] / inThreadMs['pipeline()'];
console.log(
  `pipeline() vs stream.pipeline: ${vsStreams.toFixed(2)}x faster; vs async generators: ${vsGenerators.toFixed(2)}x faster`,
);
report({
  what: 'pipeline() in-thread, 3 stages, 1M items vs node stream.pipeline (3 object-mode Transforms)',
  baton: `${inThreadMs['pipeline()'].toFixed(0)} ms`,
  peer: `streams ${inThreadMs['stream.pipeline, 3 Transforms'].toFixed(0)} ms, async generators ${inThreadMs['async generator chain'].toFixed(0)} ms`,
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
const WORKER_ROUNDS = 5;
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
  for (const fn of Object.values(variants)) {
    if ((await fn()) !== expected) throw new Error('a variant computed a different sum');
  }
  for (let round = 0; round < WORKER_ROUNDS; round++) {
    for (const [name, fn] of Object.entries(variants)) {
      globalThis.gc?.();
      const start = performance.now();
      const sum = await fn();
      times[name].push(performance.now() - start);
      if (sum !== expected) throw new Error(`${name} computed ${sum}, expected ${expected}`);
    }
  }
  await piscinaWarm.destroy();
  await batonPool.close();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
  const fresh = m('piscina, fresh pool') / m('Baton, no pool');
  const warm = m('piscina, warm pool') / m('Baton, WorkerPool');
  const freshVsPooled = m('piscina, fresh pool') / m('Baton, WorkerPool');
  console.log(
    `Baton vs piscina (time ratio, > 1 = Baton faster): no pool vs fresh pool ${fresh.toFixed(2)}x, ` +
      `WorkerPool vs fresh pool ${freshVsPooled.toFixed(2)}x, WorkerPool vs warm pool ${warm.toFixed(2)}x`,
  );
  summary.push({ workers, m, fresh, warm, freshVsPooled });
}
console.log(
  `plain loop: ${loop.ms.toFixed(1)} ms (${(loop.ms / JOBS).toFixed(2)} ms per job); ${machine()}`,
);

const two = summary[1];
const speedup = (name) => loop.ms / two.m(name);
report({
  what: `pipeline() worker stage, ${JOBS} CPU jobs (${(loop.ms / JOBS).toFixed(1)} ms), 2 workers: Baton no pool / WorkerPool vs piscina fresh pool`,
  baton: `${two.m('Baton, no pool').toFixed(0)} / ${two.m('Baton, WorkerPool').toFixed(0)} ms`,
  peer: `piscina fresh ${two.m('piscina, fresh pool').toFixed(0)} ms, warm ${two.m('piscina, warm pool').toFixed(0)} ms`,
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
