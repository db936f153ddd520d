// The browser bench page: runs each scenario between two fresh Web Workers (a producer and a
// consumer), once in each of five rounds, and publishes the medians and the per-round rates on
// `window.benchResults` for the Playwright driver (bench/browser.bench.mjs). Open it by hand
// with `vite --config bench/browser/vite.config.mjs`.
import { RingBuffer } from 'ringbuf.js';
import { SharedQueue } from '../../dist/index.js';
import { countWakeUps } from '../wakeups.mjs';

const BATCH = 256;
const ROUNDS = 5;
/** Items of a cold run: the first items of two fresh workers, with no first pass (see sides.mjs). */
const COLD_ITEMS = 4_194_304;
const scenarios = [
  { name: 'SharedQueue, 1 item per call', scenario: 'queue', items: 1_000_000 },
  { name: `SharedQueue, batches of ${BATCH}`, scenario: 'queueBatch', items: 8_192_000 },
  {
    name: `SharedQueue, batches of ${BATCH} that never wait, spinning`,
    scenario: 'queueTry',
    items: 8_192_000,
  },
  {
    name: `SharedQueue oneToOne, batches of ${BATCH}`,
    scenario: 'pairBatch',
    items: 8_192_000,
  },
  {
    name: `SharedQueue oneToOne, batches of ${BATCH} that never wait, spinning`,
    scenario: 'pairTry',
    items: 8_192_000,
  },
  { name: 'postMessage, 1 number per message', scenario: 'postMessage', items: 100_000 },
  { name: `postMessage, Float64Array(${BATCH}) copied`, scenario: 'postCopied', items: 2_048_000 },
  {
    name: `postMessage, Float64Array(${BATCH}) transferred`,
    scenario: 'postTransferred',
    items: 2_048_000,
  },
  { name: 'ringbuf.js, 1 element per push/pop', scenario: 'ringbuf', items: 1_000_000 },
  { name: `ringbuf.js, ${BATCH} per push/pop`, scenario: 'ringbufBatch', items: 8_192_000 },
  ...['queueBatch', 'pairBatch', 'ringbufBatch'].map((scenario) => ({
    name: `cold: ${scenario}, the first ${COLD_ITEMS.toLocaleString('en')} items of fresh workers`,
    scenario,
    key: `${scenario}Cold`,
    items: COLD_ITEMS,
    cold: true,
  })),
];

function startWorker(init, transfer) {
  const worker = new Worker(new URL('./side.js', import.meta.url), { type: 'module' });
  let markReady;
  let finish;
  let fail;
  const ready = new Promise((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  const done = new Promise((resolve, reject) => {
    finish = resolve;
    const failReady = fail;
    fail = (error) => {
      failReady(error);
      reject(error);
    };
  });
  worker.onmessage = ({ data }) => {
    if (data.ready) markReady();
    else if (data.done) finish(data);
  };
  worker.onerror = (event) => fail(new Error(`worker failed: ${event.message}`));
  worker.postMessage(init, transfer);
  return { worker, ready, done };
}

async function runOnce({ scenario, items, cold = false }) {
  const start = new SharedArrayBuffer(4);
  const shared = { scenario, items, batch: BATCH, start, cold };
  if (scenario.startsWith('queue') || scenario.startsWith('pair')) {
    const oneToOne = scenario.startsWith('pair');
    shared.handle = new SharedQueue({ capacity: 1024, codec: 'float64', oneToOne }).handle;
  }
  if (scenario.startsWith('ringbuf')) {
    shared.ring = RingBuffer.getStorageForCapacity(1024, Float64Array);
  }
  const channel = new MessageChannel();
  const producer = startWorker({ ...shared, role: 'producer', port: channel.port1 }, [
    channel.port1,
  ]);
  const consumer = startWorker({ ...shared, role: 'consumer', port: channel.port2 }, [
    channel.port2,
  ]);
  await Promise.all([producer.ready, consumer.ready]);
  // The untimed passes are over: the queue's words count the timed run's wake-ups only.
  const wakeUps = shared.handle === undefined ? undefined : countWakeUps(shared.handle);
  const cells = new Int32Array(start);
  Atomics.store(cells, 0, 1);
  Atomics.notify(cells, 0);
  const [, result] = await Promise.all([producer.done, consumer.done]);
  producer.worker.terminate();
  consumer.worker.terminate();
  const expected = (items * (items - 1)) / 2;
  if (result.sum !== expected)
    throw new Error(`${scenario}: sum ${result.sum}, expected ${expected}`);
  return { ms: result.ms, wakeUps: wakeUps?.() };
}

async function main() {
  if (!crossOriginIsolated) throw new Error('the page is not cross-origin isolated');
  // Rounds take turns, as in the Node bench: each round runs every scenario once (in alternating
  // order), so a slow spell of the machine hits every scenario of that round, and the driver
  // can compare them round by round.
  const times = scenarios.map(() => []);
  const wakeUps = scenarios.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = scenarios.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const run = await runOnce(scenarios[i]);
      times[i].push(run.ms);
      wakeUps[i].push(run.wakeUps);
    }
    document.querySelector('#out').textContent = `round ${round + 1} of ${ROUNDS} done`;
  }
  const results = scenarios.map((s, i) => {
    const sorted = [...times[i]].sort((a, b) => a - b);
    const ms = sorted[Math.floor(sorted.length / 2)];
    return {
      name: s.name,
      scenario: s.scenario,
      key: s.key ?? s.scenario,
      items: s.items,
      ms,
      perSecond: (s.items / ms) * 1000,
      // Items per second in each round, in round order.
      rates: times[i].map((t) => (s.items / t) * 1000),
      // Per round, in round order: how often the queue's sides slept (see bench/wakeups.mjs).
      wakeUps: wakeUps[i][0] === undefined ? undefined : wakeUps[i],
    };
  });
  document.querySelector('#out').textContent = JSON.stringify(results, null, 2);
  return results;
}

main().then(
  (results) => {
    window.benchResults = {
      userAgent: navigator.userAgent,
      cores: navigator.hardwareConcurrency,
      results,
    };
  },
  (error) => {
    window.benchResults = { error: String(error?.stack ?? error) };
  },
);
