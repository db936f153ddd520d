// Shared-memory throughput: one producer worker and one consumer worker pass float64 values
// through a SharedQueue (one at a time, and in batches; many-to-many, and one-to-one with
// `oneToOne: true`: the 'pair' scenarios), through ringbuf.js (SPSC, spinning),
// and with postMessage; Python's queue.Queue runs the same count with two threads when python3
// exists. Prints a table and the ratios the issue asks for, all measured in this run, plus the
// consumer's heap growth per item (memory must stay flat).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { SharedQueue, SharedRegistry, useRegistry } from '../dist/index.js';
import { machine, median, report } from './report.mjs';
import {
  BATCH_SCENARIOS,
  NAP_CALLS,
  NAP_ITEMS,
  WARM_CALLS,
  WARM_ITEMS,
  WARM_PIECES,
  warmPassesOf,
} from './sides.mjs';
import { timeRun } from './start.mjs';
import { describeLineTrip, measureLineTrip } from './line-trip.mjs';
import { describeStalls, measureStalls } from './stalls.mjs';
import { bareSleepers, bareWaitAsyncFloor, fallAsleep, retainedPerSleeper } from './wait-floor.mjs';
import { wakeUpsSpread, wakeUpsText } from './wakeups.mjs';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2_000_000);
/**
 * The batch scenarios move four times as many: at tens of millions of items a second, 2 million
 * would be a run of a few tens of milliseconds, which a handful of the machine's stalls (see
 * stalls.mjs) would decide.
 */
const BATCH_ITEMS = 4 * ITEMS;
/**
 * Items of a cold run: two fresh workers time their first items, with no first pass (see
 * `WARM_CALLS` in sides.mjs): what a short-lived pair of workers gets.
 */
const COLD_ITEMS = 4_194_304;
/** The batch scenarios also run cold, one run per round. */
const COLD = ['queueBatch', 'pairBatch', 'ringbufBatch'];
const CAPACITY = 1024;
const BATCH = 256;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// Every run starts fresh workers, and each takes an agent id of the process's registry for good:
// the default 256 rows hold the default 5 rounds (about 40 workers a round); more rounds need a
// larger registry, or a one-to-one queue refuses the workers past its rows (RoleError). Only
// then: the default runs keep the layout (a 256-row claim table) of the runs recorded before.
if (ROUNDS > 5) {
  useRegistry(SharedRegistry.create({ maxAgents: Math.min(256 + 64 * ROUNDS, 65_536) }));
}

function startWorker(data, transfer = []) {
  return new Worker(new URL('./shared-worker.mjs', import.meta.url), {
    workerData: data,
    transferList: transfer,
    // Workers inherit the runner's --expose-gc, for the heap measurement.
  });
}

/**
 * Runs one scenario once with `producers` x `consumers` workers; returns items per second
 * (measured from the start signal) and the consumers' results.
 */
async function once(scenario, producers = 1, consumers = 1, cold = false) {
  const start = new SharedArrayBuffer(4);
  const items = cold ? COLD_ITEMS : BATCH_SCENARIOS.has(scenario) ? BATCH_ITEMS : ITEMS;
  const common = { scenario, items, batch: BATCH, start, producers, consumers, cold };
  const data = [];
  const transfers = [];
  let shared = {};
  let queue;
  if (scenario.startsWith('queue') || scenario.startsWith('pair') || scenario === 'mpmc') {
    queue = new SharedQueue({
      capacity: CAPACITY,
      codec: 'float64',
      name: 'bench',
      oneToOne: scenario.startsWith('pair'),
    });
    shared = { handle: queue.handle };
  } else if (scenario.startsWith('ringbuf')) {
    shared = { ring: RingBuffer.getStorageForCapacity(CAPACITY, Float64Array) };
  }
  for (let i = 0; i < producers; i++)
    data.push({ ...common, ...shared, role: 'producer', index: i });
  for (let i = 0; i < consumers; i++)
    data.push({ ...common, ...shared, role: 'consumer', index: i });
  for (let i = 0; i < data.length; i++) transfers.push([]);
  if (scenario === 'postMessage') {
    const { port1, port2 } = new MessageChannel();
    data[0].port = port1;
    data[1].port = port2;
    transfers[0] = [port1];
    transfers[1] = [port2];
  }
  const workers = data.map((d, i) => startWorker(d, transfers[i]));
  const run = { start, handle: queue?.handle, producers, items, name: scenario };
  const { rate, results, wakeUps } = await timeRun(workers, run);
  return { rate, result: results[0], wakeUps };
}

async function best(scenario, producers = 1, consumers = 1) {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await once(scenario, producers, consumers));
  return summarize(runs);
}

/** The best run (its rate and result), the median rate and every rate, of a scenario's runs. */
function summarize(runs) {
  const top = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
  return {
    ...top,
    median: median(runs.map((r) => r.rate)),
    rates: runs.map((r) => r.rate),
    wakeUps: runs.map((r) => r.wakeUps),
  };
}

function python() {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const script = join(dir, 'queue_bench.py');
  writeFileSync(
    script,
    [
      'import queue, sys, threading, time',
      'n, capacity = int(sys.argv[1]), int(sys.argv[2])',
      'q = queue.Queue(maxsize=capacity)',
      'total = 0',
      'def produce():',
      '    for i in range(n): q.put(float(i))',
      'def consume():',
      '    global total',
      '    s = 0.0',
      '    for _ in range(n): s += q.get()',
      '    total = s',
      'p = threading.Thread(target=produce); c = threading.Thread(target=consume)',
      't0 = time.perf_counter(); c.start(); p.start(); p.join(); c.join()',
      'print(time.perf_counter() - t0)',
      'assert total == n * (n - 1) / 2',
    ].join('\n'),
  );
  // Python is far slower: a fifth of the items gives a stable per-item rate in reasonable time.
  const n = Math.max(100_000, Math.floor(ITEMS / 5));
  const run = spawnSync('python3', [script, String(n), String(CAPACITY)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return {
    rate: n / Number(run.stdout.trim()),
    n,
    version: probe.stdout.trim() || probe.stderr.trim(),
  };
}

const fmt = (rate) => `${(rate / 1e6).toFixed(2)} M items/s`;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

console.log(
  `${ITEMS.toLocaleString('en')} float64 items (${BATCH_ITEMS.toLocaleString('en')} in batches), capacity ${CAPACITY}, batches of ${BATCH}, ${ROUNDS} rounds; each run after an untimed first pass between the same workers of ${WARM_ITEMS.toLocaleString('en')} items, and for batches two of ${NAP_CALLS} calls of ${NAP_ITEMS.toLocaleString('en')} items in which one side naps before each call (so that the other waits), then one of ${WARM_CALLS.toLocaleString('en')} calls (${warmPassesOf({ scenario: 'pairBatch', batch: BATCH }).at(-1).items.toLocaleString('en')} items) made as ${WARM_PIECES} calls of the scenario (bench/sides.mjs); the cold runs time the first ${COLD_ITEMS.toLocaleString('en')} items of two fresh workers`,
);
// Two workers that spin and sleep compete with everything else for the cores: say how busy the
// machine was, because on an oversubscribed one every figure below drops.
console.log(
  `${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
// Side by side: every round runs each scenario once (in alternating order) and Python's queue
// once, so a change in the machine's load hits Baton and its peers alike. A ratio is computed
// per round; the table shows the best run and the median of each scenario.
const SIDE_BY_SIDE = [
  'queue',
  'queueBatch',
  'queueTry',
  'queueBatchArray',
  'pair',
  'pairBatch',
  'pairTry',
  'ringbuf',
  'ringbufBatch',
  'postMessage',
];
const runs = Object.fromEntries(SIDE_BY_SIDE.map((name) => [name, []]));
const coldRuns = Object.fromEntries(COLD.map((name) => [name, []]));
const pyRuns = [];
// Before each round, how much the machine stopped busy threads (see stalls.mjs), and how long a
// cache line takes to go from one core to another and back (see line-trip.mjs; once more after
// the last round): printed beside the round's ratios, since both move every two-worker figure,
// Baton's and its peers' alike. A change between two of these probes may fall in the middle of
// a round, between a row and its peer's.
const stalls = [];
const lineTrips = [];
// A probe that fails (its threads lost each other) costs its figure, not the rounds so far.
const lineTrip = () =>
  measureLineTrip().catch((error) => {
    console.log(`cache-line probe failed: ${error.message}`);
    return NaN;
  });
for (let round = 0; round < ROUNDS; round++) {
  stalls.push(await measureStalls());
  lineTrips.push(await lineTrip());
  for (const name of round % 2 === 0 ? SIDE_BY_SIDE : [...SIDE_BY_SIDE].reverse()) {
    runs[name].push(await once(name));
  }
  for (const name of round % 2 === 0 ? COLD : [...COLD].reverse()) {
    coldRuns[name].push(await once(name, 1, 1, true));
  }
  const run = python();
  if (run) pyRuns.push(run);
  console.log(
    `round ${round + 1} of ${ROUNDS} done; before it, ${describeStalls(stalls[round])}; ${describeLineTrip(lineTrips[round])}`,
  );
}
lineTrips.push(await lineTrip());
const queue = summarize(runs.queue);
const queueBatch = summarize(runs.queueBatch);
const queueTry = summarize(runs.queueTry);
const queueBatchArray = summarize(runs.queueBatchArray);
const pair = summarize(runs.pair);
const pairBatch = summarize(runs.pairBatch);
const pairTry = summarize(runs.pairTry);
const ringbuf = summarize(runs.ringbuf);
const ringbufBatch = summarize(runs.ringbufBatch);
const post = summarize(runs.postMessage);
const cold = Object.fromEntries(COLD.map((name) => [name, summarize(coldRuns[name])]));
const perRound = (a, b) => a.rates.map((rate, i) => rate / b.rates[i]);
const spreadOf = (xs) =>
  `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}x, median ${median(xs).toFixed(2)}x`;
const py =
  pyRuns.length === ROUNDS
    ? { ...summarize(pyRuns), n: pyRuns[0].n, version: pyRuns[0].version }
    : undefined;
const mpmc = [];
for (const n of [1, 2, 4]) mpmc.push([n, await best('mpmc', n, n)]);
const { counts: herd, floor: herdFloor } = await asyncGetters();
console.log(
  `load average after the runs: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);

const row = (label, run) => [label, run.rate, run.median];
const rows = [
  row('SharedQueue putSync/getSync', queue),
  row(`SharedQueue putManySync(Float64Array)/getManySync(${BATCH}, into)`, queueBatch),
  row(`SharedQueue tryPutMany/tryGetMany(${BATCH}, into), spinning`, queueTry),
  row(`SharedQueue putManySync/getManySync(${BATCH}), plain arrays`, queueBatchArray),
  row('SharedQueue oneToOne putSync/getSync', pair),
  row(`SharedQueue oneToOne putManySync/getManySync(${BATCH}, into)`, pairBatch),
  row(`SharedQueue oneToOne tryPutMany/tryGetMany(${BATCH}, into), spinning`, pairTry),
  row('ringbuf.js push/pop, 1 element (SPSC, spinning)', ringbuf),
  row(`ringbuf.js push/pop, ${BATCH} elements`, ringbufBatch),
  row('postMessage (MessageChannel)', post),
  row(`cold: SharedQueue putManySync/getManySync(${BATCH}, into)`, cold.queueBatch),
  row(`cold: SharedQueue oneToOne putManySync/getManySync(${BATCH}, into)`, cold.pairBatch),
  row(`cold: ringbuf.js push/pop, ${BATCH} elements`, cold.ringbufBatch),
  ...mpmc.map(([n, r]) =>
    row(`SharedQueue MPMC ${n}x${n} putSync/getSync (${cpus().length} cores)`, r),
  ),
  ...(py
    ? [row(`Python queue.Queue, 2 threads (${py.version}, ${py.n.toLocaleString('en')} items)`, py)]
    : []),
];
console.log(`${''.padEnd(72)} best of ${ROUNDS} runs (median)`);
for (const [label, rate, middle] of rows) {
  console.log(`${label.padEnd(72)} ${fmt(rate)} (${(middle / 1e6).toFixed(2)})`);
}

console.log(
  '\nasync getters asleep on one SharedQueue; each put waits until its item is taken (one wake-up needed per put):',
);
for (const { getters, perPut, cpuPerPut, spread, wakesPerPut } of herd) {
  console.log(
    `  ${String(getters).padStart(5)} getters: ${cpuPerPut.toFixed(2)} us CPU per put, ` +
      `${(cpuPerPut / herd[0].cpuPerPut).toFixed(2)}x the 1-getter cost; ${perPut.toFixed(2)} us elapsed ` +
      `(${spread[0].toFixed(1)}-${spread[1].toFixed(1)}); ${wakesPerPut.toFixed(2)} sleepers woken per put`,
  );
}
const flat = herd[herd.length - 1].cpuPerPut / herd[0].cpuPerPut;
console.log(
  `  1,000 getters / 1 getter: ${flat.toFixed(2)}x (target: flat, about 1x; a herd would wake ~1,000 per put)`,
);
console.log(
  `  bare Atomics.waitAsync, same loop (the floor): ${herdFloor.one.toFixed(2)} us with 1 getter, ` +
    `${herdFloor.thousand.toFixed(2)} us with 1,000: ${(herdFloor.thousand / herdFloor.one).toFixed(2)}x`,
);
if (herdFloor.keptQueue !== undefined) {
  console.log(
    `  heap kept alive per sleeping getter (10,000 asleep, after gc): SharedQueue ${herdFloor.keptQueue.toFixed(0)} B, ` +
      `bare Atomics.waitAsync loop ${herdFloor.keptBare.toFixed(0)} B`,
  );
}

// Ratios per round (each round ran both sides back to back): their range and median.
const vsPython = py ? perRound(queue, py) : undefined;
const vsPost = perRound(queue, post);
const vsRingbuf = perRound(queue, ringbuf);
const batchVsRingbuf = perRound(queueBatch, ringbufBatch);
const tryVsRingbuf = perRound(queueTry, ringbufBatch);
const pairVsRingbuf = perRound(pairBatch, ringbufBatch);
const pairTryVsRingbuf = perRound(pairTry, ringbufBatch);
const pairVsQueue = perRound(pairBatch, queueBatch);
const coldBatchVsRingbuf = perRound(cold.queueBatch, cold.ringbufBatch);
const coldPairVsRingbuf = perRound(cold.pairBatch, cold.ringbufBatch);
console.log(`\nratios per round, ${ROUNDS} rounds (target):`);
const stalled = stalls.map((s) => `${(s.lost * 100).toFixed(1)}%`).join(', ');
console.log(`  machine stalls before each round             ${stalled}`);
const trips = lineTrips.map((ns) => (Number.isFinite(ns) ? `${Math.round(ns)}` : '-')).join(', ');
console.log(`  cache-line round trips before each round, and after the last: ${trips} ns`);
const perRoundText = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
if (vsPython)
  console.log(
    `  SharedQueue per item / Python queue.Queue      ${spreadOf(vsPython)}   (target >= 10x in every round; by round: ${perRoundText(vsPython)})`,
  );
else console.log('  SharedQueue per item / Python queue.Queue      n/a (python3 not found)');
console.log(`  SharedQueue per item / postMessage            ${spreadOf(vsPost)}   (target >= 5x)`);
console.log(
  `  SharedQueue per item / ringbuf.js 1 element   ${spreadOf(vsRingbuf)}   (keep Baton faster: > 1x)`,
);
console.log(
  `  SharedQueue ${BATCH}-batches / ringbuf.js ${BATCH}-batches ${spreadOf(batchVsRingbuf)}   (target >= 1x; by round: ${perRoundText(batchVsRingbuf)})`,
);
console.log(
  `  SharedQueue try-batches, spinning / ringbuf.js ${spreadOf(tryVsRingbuf)}   (for information: the same loop)`,
);
console.log(
  `  oneToOne ${BATCH}-batches / ringbuf.js          ${spreadOf(pairVsRingbuf)}   (target >= 1x; by round: ${perRoundText(pairVsRingbuf)})`,
);
console.log(
  `  oneToOne try-batches, spinning / ringbuf.js   ${spreadOf(pairTryVsRingbuf)}   (for information: the same loop)`,
);
console.log(`  oneToOne ${BATCH}-batches / many-to-many        ${spreadOf(pairVsQueue)}`);
console.log(
  `  cold, first ${COLD_ITEMS.toLocaleString('en')} items: ${BATCH}-batches / ringbuf.js ${spreadOf(coldBatchVsRingbuf)}, oneToOne ${spreadOf(coldPairVsRingbuf)}   (for information)`,
);
console.log(
  `  MPMC 2x2 / 1x1, 4x4 / 1x1 (median runs)       ${ratio(mpmc[1][1].median, mpmc[0][1].median)}, ${ratio(mpmc[2][1].median, mpmc[0][1].median)}   (${cpus().length} cores: more than cores/2 pairs only add contention)`,
);

console.log(
  `\nwake-ups in the timed runs, per round (consumers woken by a put / producers woken by a get: about the sleeps of each side, which a loop that spins never makes; see bench/wakeups.mjs):`,
);
for (const [label, run] of [
  ['SharedQueue per item', queue],
  [`SharedQueue ${BATCH}-batches`, queueBatch],
  ['SharedQueue try-batches, spinning', queueTry],
  ['oneToOne per item', pair],
  [`oneToOne ${BATCH}-batches`, pairBatch],
  ['oneToOne try-batches, spinning', pairTry],
])
  console.log(`  ${label.padEnd(45)}${wakeUpsText(run.wakeUps, run.rates)}`);

// Summary rows for `pnpm bench` (bench/run.mjs prints them all at the end).
const lostPct = stalls.map((s) => s.lost * 100);
const measuredTrips = lineTrips.filter(Number.isFinite);
const tripsText =
  measuredTrips.length === 0
    ? 'cache-line round trips not measured'
    : `cache-line round trips ${Math.round(Math.min(...measuredTrips))}-${Math.round(Math.max(...measuredTrips))} ns`;
const busy = `${machine()}; machine stalls ${Math.min(...lostPct).toFixed(1)}-${Math.max(...lostPct).toFixed(1)}% per round; ${tripsText}`;
// Per item against Python must hold in every round: the row's ratio is the lowest of them.
const both = (run) => `${fmt(run.median)} median, ${fmt(run.rate)} best`;
/** A blocking row's figures and how often its sides slept (total wake-ups per run). */
const slept = (run) => `${both(run)}; ${wakeUpsSpread(run.wakeUps)}`;
if (vsPython)
  report({
    what: `SharedQueue float64 per item vs Python queue.Queue, lowest of ${ROUNDS} rounds (${busy})`,
    baton: slept(queue),
    peer: `${both(py)}; per-round ratios ${spreadOf(vsPython)}`,
    ratio: Math.min(...vsPython),
    target: 10,
  });
report({
  what: 'SharedQueue float64 per item vs postMessage (median of per-round ratios)',
  baton: both(queue),
  peer: both(post),
  ratio: median(vsPost),
  target: 5,
});
report({
  what: `SharedQueue putManySync/getManySync ${BATCH} float64 vs ringbuf.js ${BATCH} push/pop (median of per-round ratios)`,
  baton: slept(queueBatch),
  peer: `${both(ringbufBatch)}; per-round ratios ${spreadOf(batchVsRingbuf)}`,
  ratio: median(batchVsRingbuf),
  target: 1,
});
report({
  what: `SharedQueue tryPutMany/tryGetMany ${BATCH} float64, spinning as ringbuf.js's loop does, vs ringbuf.js (median of per-round ratios)`,
  baton: both(queueTry),
  peer: `${both(ringbufBatch)}; per-round ratios ${spreadOf(tryVsRingbuf)}`,
  ratio: median(tryVsRingbuf),
  targetText: 'for information (no blocking)',
});
report({
  what: `SharedQueue oneToOne putManySync/getManySync ${BATCH} float64 vs ringbuf.js ${BATCH} push/pop, both one producer and one consumer (median of per-round ratios)`,
  baton: slept(pairBatch),
  peer: `${both(ringbufBatch)}; per-round ratios ${spreadOf(pairVsRingbuf)}`,
  ratio: median(pairVsRingbuf),
  target: 1,
});
report({
  what: `SharedQueue oneToOne tryPutMany/tryGetMany ${BATCH} float64, spinning as ringbuf.js's loop does, vs ringbuf.js (median of per-round ratios)`,
  baton: both(pairTry),
  peer: `${both(ringbufBatch)}; per-round ratios ${spreadOf(pairTryVsRingbuf)}`,
  ratio: median(pairTryVsRingbuf),
  targetText: 'for information (no blocking)',
});
for (const [label, run, ratios] of [
  ['SharedQueue putManySync/getManySync', cold.queueBatch, coldBatchVsRingbuf],
  ['SharedQueue oneToOne putManySync/getManySync', cold.pairBatch, coldPairVsRingbuf],
])
  report({
    what: `Cold start: ${label} ${BATCH} float64 vs ringbuf.js ${BATCH} push/pop, the first ${COLD_ITEMS.toLocaleString('en')} items of two fresh workers (median of per-round ratios)`,
    baton: both(run),
    peer: `${both(cold.ringbufBatch)}; per-round ratios ${spreadOf(ratios)}`,
    ratio: median(ratios),
    targetText: 'for information (code not yet optimized)',
  });
report({
  what: `SharedQueue oneToOne per item (putSync/getSync) vs many-to-many per item (median of per-round ratios)`,
  baton: both(pair),
  peer: both(queue),
  ratio: median(perRound(pair, queue)),
  targetText: 'for information',
});
report({
  what: 'SharedQueue per item vs ringbuf.js 1 element per push/pop, spinning (median of per-round ratios)',
  baton: both(queue),
  peer: `${both(ringbuf)}; per-round ratios ${spreadOf(vsRingbuf)}`,
  ratio: median(vsRingbuf),
  // Issue 15's "keep": Baton's single items at least as fast as ringbuf.js's single elements,
  // which ran 1.8-2.2x slower when it was filed; the run says whether they still are.
  target: 1,
  targetText: 'keep Baton faster (>= 1x)',
});
report({
  what: 'SharedQueue async getters: cost per put with 1 / 10 / 100 / 1,000 asleep (one wake-up per put)',
  baton:
    herd.map((h) => h.cpuPerPut.toFixed(1)).join(' / ') +
    ` us CPU (elapsed ${herd.map((h) => h.perPut.toFixed(0)).join(' / ')} us); woken per put ` +
    herd.map((h) => h.wakesPerPut.toFixed(2)).join(' / ') +
    (herdFloor.keptQueue === undefined
      ? ''
      : `; ${herdFloor.keptQueue.toFixed(0)} B kept per sleeper`),
  peer:
    `bare Atomics.waitAsync, same loop: ${herdFloor.one.toFixed(1)} / ${herdFloor.thousand.toFixed(1)} us CPU ` +
    `with 1 / 1,000 asleep, ${(herdFloor.one / herdFloor.thousand).toFixed(2)}x (the floor)` +
    (herdFloor.keptBare === undefined
      ? ''
      : `; ${herdFloor.keptBare.toFixed(0)} B kept per sleeper`),
  ratio: herd[0].cpuPerPut / herd[herd.length - 1].cpuPerPut,
  target: 0.67,
  targetText: 'flat (1 getter / 1,000 getters >= 0.67x, 1 woken per put)',
});
// Medians, as every other row: the best of 5 runs of a contended shape moves most with the machine.
for (const [n, r] of mpmc)
  report({
    what: `SharedQueue MPMC ${n}x${n} putSync/getSync (${cpus().length} cores; median of ${ROUNDS} runs)`,
    baton: both(r),
    peer: `1x1: ${fmt(mpmc[0][1].median)} median`,
    ratio: r.median / mpmc[0][1].median,
    targetText: `for information (${cpus().length} cores)`,
  });

// Measured by the consumer in an untimed pass of WARM_ITEMS items of its own (see sides.mjs).
const { heapAtTenth, heapAtEnd } = queue.result;
const perItem = (heapAtEnd - heapAtTenth) / (WARM_ITEMS * 0.9);
console.log(
  `\nconsumer heap after gc, in an untimed pass of ${WARM_ITEMS.toLocaleString('en')} items: ${(heapAtTenth / 1024).toFixed(0)} KiB at 10%, ${(heapAtEnd / 1024).toFixed(0)} KiB at 100%` +
    ` -> ${perItem.toFixed(4)} bytes per item (flat: growth < 0.01 B/item: ${perItem < 0.01 ? 'yes' : 'NO'})`,
);

/** `count` async getters of `q`, each calling `onTaken()` per item, until `q` is closed. */
function queueGetters(q, count, onTaken) {
  const loops = [];
  for (let i = 0; i < count; i++) {
    loops.push(
      (async () => {
        for (;;) {
          try {
            await q.get();
          } catch {
            return; // closed
          }
          onTaken();
        }
      })(),
    );
  }
  return loops;
}

/**
 * Cost per put with 1, 10, 100 and 1,000 async getters asleep on one queue. Each put is a
 * ping-pong: the main thread puts one item and waits until a getter has taken it, so every put
 * needs exactly one wake-up whatever the number of getters (in a burst, one getter drains many
 * items per wake-up while 1,000 getters each wake for one, which measures batching, not a
 * herd). Starting the getters and closing the queue (creating and settling one promise per
 * getter) happen outside the timed part. `Atomics.notify` is wrapped to count the sleepers each
 * put really woke: wake-one means 1 per put at every count, a herd means about the count.
 * The counts take turns, HERD_ROUNDS times, and each figure is the median of its rounds. The
 * cost is CPU time per put (this process, every thread): the elapsed time per put is shown too,
 * but on a busy machine it is mostly the wait for the OS to run the woken getter. A first,
 * untimed round runs every count once: otherwise the CPU time of V8 compiling (and, after the
 * gc() before each run, recompiling) the get/put path on its background threads falls into the
 * timed rounds of whichever counts come first, most of all the 1,000-getter runs. After the
 * queue's rounds, the same loop runs on bare `Atomics.waitAsync` with 1 and 1,000 getters
 * (wait-floor.mjs): the ratio any queue built on that primitive starts from.
 */
async function asyncGetters() {
  // Eleven: in a fresh process the first two timed runs of 100 and 1,000 getters cost up to twice
  // the later ones (every thread's CPU is counted, V8's compiler and collector threads included),
  // and the median of five did not always leave them out. The same loop in six processes: the
  // 1-getter / 1,000-getter ratio of the medians spread 0.62-0.81x over five rounds and 0.73-0.84x
  // over eleven (PERFORMANCE.md, "Async getters").
  const HERD_ROUNDS = 11;
  const items = 4_000;
  const counts = [1, 10, 100, 1000];
  const notify = Atomics.notify;
  let woken = 0;
  Atomics.notify = (...args) => {
    const n = notify(...args);
    woken += n;
    return n;
  };
  const perPut = Object.fromEntries(counts.map((n) => [n, []]));
  const cpuPerPut = Object.fromEntries(counts.map((n) => [n, []]));
  const wakes = Object.fromEntries(counts.map((n) => [n, []]));
  try {
    // Round 0 warms up (untimed, fewer items); rounds 1 .. HERD_ROUNDS are measured.
    for (let round = 0; round <= HERD_ROUNDS; round++) {
      const warm = round === 0;
      const puts = warm ? items / 4 : items;
      // Rotate the order, so that no count always runs first (or last) in a round.
      const order = counts.map((_, i) => counts[(i + round) % counts.length]);
      for (const getters of order) {
        const q = new SharedQueue({ capacity: 64, codec: 'float64', name: 'herd' });
        let takenOne = () => {};
        const loops = queueGetters(q, getters, () => takenOne());
        await fallAsleep();
        woken = 0;
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < puts; i++) {
          const taken = new Promise((resolve) => (takenOne = resolve));
          await q.put(i);
          await taken;
        }
        const elapsed = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        if (!warm) {
          cpuPerPut[getters].push((cpu.user + cpu.system) / puts);
          wakes[getters].push(woken / puts);
          perPut[getters].push((elapsed * 1000) / puts);
        }
        q.close();
        await Promise.all(loops);
      }
    }
  } finally {
    Atomics.notify = notify;
  }
  // After every round of the queue's, so that neither disturbs the other's timing (run between
  // them, the bare loop's thousand getters tripled the CPU per put of the queue's next run).
  const floor = await bareWaitAsyncFloor(HERD_ROUNDS, items);
  // What each sleeping getter keeps alive, the queue's and the bare loop's.
  const queueSleepers = (count) => {
    const q = new SharedQueue({ capacity: 64, codec: 'float64', name: 'kept' });
    const loops = queueGetters(q, count, () => {});
    return async () => {
      q.close();
      await Promise.all(loops);
    };
  };
  floor.keptQueue = await retainedPerSleeper(10_000, queueSleepers);
  floor.keptBare = await retainedPerSleeper(10_000, bareSleepers);
  return {
    counts: counts.map((getters) => ({
      getters,
      perPut: median(perPut[getters]),
      cpuPerPut: median(cpuPerPut[getters]),
      spread: [Math.min(...perPut[getters]), Math.max(...perPut[getters])],
      wakesPerPut: median(wakes[getters]),
    })),
    // Bare Atomics.waitAsync (see wait-floor.mjs): CPU per put with 1 and 1,000 getters.
    floor,
  };
}
