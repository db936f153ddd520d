// Compares builds of this package with the bench's own batch scenarios (bench/sides.mjs, run by
// each build's bench/shared-worker.mjs), side by side: every build and ringbuf.js in each round,
// in alternating order, all in one process. Across separate `pnpm bench` runs this machine's
// spells move the ratios more than most changes do; within one process, rounds a second apart,
// a set of 40 rounds tells a change of a few per cent.
//
//   node bench/compare-builds.mjs <build> <build> ...
//
// A build is `current` (this package's dist/ and bench/) or a name kept by keep-build.mjs.
// ROUNDS (40 by default) and SCENARIOS (pairBatch,queueBatch by default; also pairTry,
// queueTry) may be set in the environment. It prints each round, then per scenario and build
// the median rate, the median of the per-round ratios to ringbuf.js and the median wake-ups.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { startRun } from './start.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const SCENARIOS = (process.env.SCENARIOS ?? 'pairBatch,queueBatch').split(',');
const ITEMS = 8_192_000;
const CAPACITY = 1024;
const BATCH = 256;

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: node bench/compare-builds.mjs <build> <build> ...  (current, or kept)');
  process.exit(2);
}
const dirOf = (name) => (name === 'current' ? root : join(root, '.builds', name));
const builds = {};
for (const name of names) {
  const dir = dirOf(name);
  if (!existsSync(join(dir, 'dist', 'index.js')) || !existsSync(join(dir, 'bench'))) {
    console.error(`no build ${name} in ${dir} (keep one with bench/keep-build.mjs)`);
    process.exit(2);
  }
  const core = await import(pathToFileURL(join(dir, 'dist', 'index.js')).href);
  // Two fresh workers per run: a registry with room for every run's agents.
  const runs = ROUNDS * (1 + SCENARIOS.length * names.length);
  core.useRegistry(core.SharedRegistry.create({ maxAgents: Math.min(256 + 2 * runs, 65_536) }));
  builds[name] = { core, worker: join(dir, 'bench', 'shared-worker.mjs') };
}

/** One run of `scenario` between two fresh workers of `build`: items per second, wake-ups. */
async function once(scenario, build) {
  const start = new SharedArrayBuffer(4);
  const common = { scenario, items: ITEMS, batch: BATCH, start, producers: 1, consumers: 1 };
  let shared;
  let queue;
  if (scenario === 'ringbufBatch') {
    shared = { ring: RingBuffer.getStorageForCapacity(CAPACITY, Float64Array) };
  } else {
    const oneToOne = scenario.startsWith('pair');
    queue = new build.core.SharedQueue({ capacity: CAPACITY, codec: 'float64', oneToOne });
    shared = { handle: queue.handle };
  }
  const workers = ['producer', 'consumer'].map(
    (role) => new Worker(build.worker, { workerData: { ...common, ...shared, role, index: 0 } }),
  );
  try {
    const { t0, done, wakeUps } = await startRun(workers, start, queue?.handle);
    await done[1];
    const rate = ITEMS / ((performance.now() - t0) / 1000);
    await Promise.all(done);
    const woken = wakeUps?.();
    return { rate, wakeUps: woken === undefined ? 0 : woken.consumers + woken.producers };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
};
const runs = new Map();
const runsOf = (key) => runs.get(key) ?? runs.set(key, []).get(key);
for (let round = 0; round < ROUNDS; round++) {
  const order = [['ringbufBatch', names[0]]];
  for (const scenario of SCENARIOS) for (const name of names) order.push([scenario, name]);
  // Every other round in the reverse order, so that no build always runs right after another.
  if (round % 2 === 1) order.reverse();
  const line = [];
  for (const [scenario, name] of order) {
    const run = await once(scenario, builds[name]);
    const key = scenario === 'ringbufBatch' ? 'ringbuf.js' : `${scenario} ${name}`;
    runsOf(key).push(run);
    line.push(`${key} ${(run.rate / 1e6).toFixed(0)} M/s${run.wakeUps ? ` (${run.wakeUps})` : ''}`);
  }
  console.log(`round ${round + 1}: ${line.join(' | ')}`);
}
const ringbuf = runsOf('ringbuf.js').map((run) => run.rate);
console.log(`\nmedians of ${ROUNDS} rounds (ratios per round to ringbuf.js, in the same round):`);
for (const [key, list] of runs) {
  const rates = list.map((run) => run.rate);
  const ratio = median(rates.map((rate, i) => rate / ringbuf[i]));
  const woken = median(list.map((run) => run.wakeUps));
  const rate = `${(median(rates) / 1e6).toFixed(0).padStart(5)} M items/s`;
  console.log(`  ${key.padEnd(24)} ${rate}, ${ratio.toFixed(2)}x ringbuf.js, wake-ups ${woken}`);
}
