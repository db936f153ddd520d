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
// queueTry, the single items of queue and pair, and mpmc2x2 / mpmc4x4: putSync / getSync with
// that many producers x consumers) may be set in the environment. A change to the spin or the
// sleeps reaches every row, so measure it on the single items and the oversubscribed MPMC runs
// too. It prints each round, then per scenario and build the median rate, the medians of the
// per-round ratios to ringbuf.js (batch rows) and to the first build, and the median wake-ups.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { distIsStale } from './builds.mjs';
import { median } from './report.mjs';
import { timeRun } from './start.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const SCENARIOS = (process.env.SCENARIOS ?? 'pairBatch,queueBatch').split(',');
// As the Node bench's runs (2,000,000 single items, 4 x as many in batches), through a ring of
// as many slots, in batches of as many items.
const ITEMS = 2_000_000;
const BATCH_ITEMS = 4 * ITEMS;
const CAPACITY = 1024;
const BATCH = 256;
const BATCHES = new Set(['pairBatch', 'queueBatch', 'pairTry', 'queueTry']);
const KNOWN = new Set([...BATCHES, 'queue', 'pair', 'mpmc2x2', 'mpmc4x4']);
/** What a scenario name runs: the sides' scenario, with how many producers and consumers. */
function shapeOf(name) {
  const many = /^mpmc(\d)x(\d)$/.exec(name);
  if (many) return { scenario: 'mpmc', producers: Number(many[1]), consumers: Number(many[2]) };
  return { scenario: name, producers: 1, consumers: 1 };
}

function fail(why) {
  console.error(why);
  process.exit(2);
}

const names = process.argv.slice(2);
if (names.length === 0) {
  fail('usage: node bench/compare-builds.mjs <build> <build> ...  (current, or a kept name)');
}
// One run per scenario, build and round: the per-round ratios pair runs by round.
if (new Set(names).size !== names.length) fail('each build may be named once');
if (new Set(SCENARIOS).size !== SCENARIOS.length || !SCENARIOS.every((s) => KNOWN.has(s))) {
  fail(`SCENARIOS: each of ${[...KNOWN].join(', ')} at most once`);
}
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) fail('ROUNDS: a whole number of rounds, 1 or more');

const dirOf = (name) => (name === 'current' ? root : join(root, '.builds', name));
// Fresh workers per run (two, or the MPMC rows' 4 or 8), each taking an agent id of the
// registry for good (ringbuf.js's take none). Builds whose registries have the same version
// share one registry state (the last one made here), so each is made with room for every run's
// agents. The registry's size also sets the rows of a queue's claim table: more here than the
// 256 of `pnpm bench`'s default runs, alike for every build compared, but depending on ROUNDS
// and SCENARIOS, so compare ratios to ringbuf.js across sets with the same two only.
const workersPerRound = SCENARIOS.reduce((n, name) => {
  const { producers, consumers } = shapeOf(name);
  return n + (producers + consumers) * names.length;
}, 0);
const agents = Math.min(256 + ROUNDS * workersPerRound, 65_536);
const builds = {};
for (const name of names) {
  const dir = dirOf(name);
  const worker = join(dir, 'bench', 'shared-worker.mjs');
  if (!existsSync(join(dir, 'dist', 'index.js')) || !existsSync(worker)) {
    fail(`no build ${name} in ${dir} (keep one with bench/keep-build.mjs)`);
  }
  if (name === 'current' && distIsStale(root)) {
    console.warn('current: src/ has changed since dist/ was built (run `pnpm build`)');
  }
  const core = await import(pathToFileURL(join(dir, 'dist', 'index.js')).href);
  core.useRegistry(core.SharedRegistry.create({ maxAgents: agents }));
  // Wake-ups are read from the queue's header, so through the build's own layout.
  const { countWakeUps } = await import(pathToFileURL(join(dir, 'bench', 'wakeups.mjs')).href);
  builds[name] = { core, worker, countWakeUps };
}
// ringbuf.js always runs through this package's own bench/, whichever builds are named.
const here = { worker: join(root, 'bench', 'shared-worker.mjs') };

/** One run of scenario `name` with fresh workers of `build`: items per second, wake-ups. */
async function once(name, build) {
  const { scenario, producers, consumers } = shapeOf(name);
  const items = name === 'ringbufBatch' || BATCHES.has(name) ? BATCH_ITEMS : ITEMS;
  const start = new SharedArrayBuffer(4);
  const common = { scenario, items, batch: BATCH, start, producers, consumers };
  let shared;
  let queue;
  if (scenario === 'ringbufBatch') {
    shared = { ring: RingBuffer.getStorageForCapacity(CAPACITY, Float64Array) };
  } else {
    const oneToOne = scenario.startsWith('pair');
    const options = { capacity: CAPACITY, codec: 'float64', name: 'bench', oneToOne };
    queue = new build.core.SharedQueue(options);
    shared = { handle: queue.handle };
  }
  const sides = [];
  for (let index = 0; index < producers; index++) sides.push({ role: 'producer', index });
  for (let index = 0; index < consumers; index++) sides.push({ role: 'consumer', index });
  const workers = sides.map(
    (side) => new Worker(build.worker, { workerData: { ...common, ...shared, ...side } }),
  );
  // Wake-ups are read through the build's own layout; every item once, or no rate to compare.
  const run = { start, handle: queue?.handle, count: build.countWakeUps, producers, items, name };
  const { rate, wakeUps } = await timeRun(workers, run);
  return { rate, wakeUps: wakeUps === undefined ? 0 : wakeUps.consumers + wakeUps.producers };
}

const runs = new Map();
const runsOf = (key) => runs.get(key) ?? runs.set(key, []).get(key);
const keyOf = (scenario, name) =>
  scenario === 'ringbufBatch' ? 'ringbuf.js' : `${scenario} ${name}`;
// ringbuf.js's batches are the reference of the batch rows; without one, it does not run.
const withRingbuf = SCENARIOS.some((scenario) => BATCHES.has(scenario));
/** Items per second as text: whole millions, or one decimal below 100 M (single items). */
const rateText = (rate) => (rate >= 1e8 ? (rate / 1e6).toFixed(0) : (rate / 1e6).toFixed(1));
for (let round = 0; round < ROUNDS; round++) {
  const order = withRingbuf ? [['ringbufBatch', undefined]] : [];
  for (const scenario of SCENARIOS) for (const name of names) order.push([scenario, name]);
  // Every other round in the reverse order, so that no build always runs right after another.
  if (round % 2 === 1) order.reverse();
  const line = [];
  for (const [scenario, name] of order) {
    const run = await once(scenario, name === undefined ? here : builds[name]);
    const key = keyOf(scenario, name);
    runsOf(key).push(run);
    const rate = `${rateText(run.rate)} M/s`;
    line.push(`${key} ${rate}${run.wakeUps ? ` (${run.wakeUps})` : ''}`);
  }
  console.log(`round ${round + 1}: ${line.join(' | ')}`);
}

// Read without adding a row (as runsOf would): ringbuf.js has none when it did not run.
const ratesOf = (key) => (runs.get(key) ?? []).map((run) => run.rate);
const ringbuf = ratesOf('ringbuf.js');
const against = withRingbuf ? `to ringbuf.js (batch rows), to ${names[0]}` : `to ${names[0]}`;
console.log(`\nmedians of ${ROUNDS} rounds (per-round ratios ${against}):`);
for (const [key, list] of runs) {
  const rates = list.map((run) => run.rate);
  /** The median of the per-round ratios to the runs of `reference`, as text. */
  const ratioTo = (reference) => median(rates.map((rate, i) => rate / reference[i])).toFixed(2);
  const scenario = key.split(' ')[0];
  const woken = median(list.map((run) => run.wakeUps));
  const rate = `${rateText(median(rates)).padStart(5)} M items/s`;
  // ringbuf.js's batches are the reference of the batch rows only (it runs when there is one).
  const toFirst = () => `${ratioTo(ratesOf(keyOf(scenario, names[0])))}x ${names[0]}`;
  const ratios =
    key === 'ringbuf.js'
      ? 'the reference'
      : BATCHES.has(scenario)
        ? `${ratioTo(ringbuf)}x ringbuf.js, ${toFirst()}`
        : toFirst();
  // With several producers or consumers a move of the sleep words may wake several sleepers,
  // or none that had not been woken already (see wakeups.mjs): not a count of sleeps there.
  const many = shapeOf(scenario).producers > 1;
  const wakes = many ? `moves of the sleep words ${woken}` : `wake-ups ${woken}`;
  console.log(`  ${key.padEnd(24)} ${rate}, ${ratios}, ${wakes}`);
}
