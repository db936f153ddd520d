// In-thread primitives: Baton's Lock and Semaphore against async-mutex's Mutex and Semaphore,
// and Baton's Queue against a plain array + promise queue. Runs against the built package
// (`pnpm build` first). Prints ops/s per implementation and Baton's ratio; the target for Lock
// and Semaphore is >= 1.5x async-mutex, uncontended and contended.
//
// Every task runs a batch of OPS operations per iteration, so ops/s = OPS / mean iteration time.
// The two implementations of a scenario are measured back to back, ROUNDS times in alternating
// order; the figures printed are medians over the rounds, and the ratio is the median of the
// per-round ratios, which keeps one slow moment of a shared machine from deciding it.
import { Mutex, Semaphore as AmSemaphore } from 'async-mutex';
import { Bench } from 'tinybench';
import { Lock, Queue, Semaphore } from '../dist/index.js';
import { report } from './report.mjs';

const OPS = 10_000;
const ROUNDS = 7;
const TIME_MS = 200;

// --- the plain array + promise queue Baton's Queue is compared with ---------------------------

/** The queue most code writes by hand: an array of items and an array of waiting resolvers. */
class PlainQueue {
  items = [];
  waiters = [];
  put(value) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(value);
    else this.items.push(value);
  }
  get() {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

// --- scenarios: each maps an implementation name to a function doing OPS operations -------------

const lock = new Lock();
const mutex = new Mutex();
const sem = new Semaphore(4);
const amSem = new AmSemaphore(4);

/**
 * Starts `tasks` concurrent loops, each running `loop(OPS / tasks)`. Every implementation writes
 * its loop inline (no extra async function per operation), so that the harness adds as little
 * as possible to what is measured.
 */
function contended(tasks, loop) {
  const loops = [];
  for (let t = 0; t < tasks; t++) loops.push(loop(OPS / tasks));
  return Promise.all(loops);
}

const scenarios = [
  {
    name: 'Lock acquire/release, uncontended',
    target: 1.5,
    impls: {
      baton: async () => {
        for (let i = 0; i < OPS; i++) {
          await lock.acquire();
          lock.release();
        }
      },
      'async-mutex': async () => {
        for (let i = 0; i < OPS; i++) {
          const release = await mutex.acquire();
          release();
        }
      },
    },
  },
  {
    name: 'Lock acquire/release, contended (8 tasks)',
    target: 1.5,
    impls: {
      baton: () =>
        contended(8, async (n) => {
          for (let i = 0; i < n; i++) {
            await lock.acquire();
            await null; // hold it across a turn, so the others queue up
            lock.release();
          }
        }),
      'async-mutex': () =>
        contended(8, async (n) => {
          for (let i = 0; i < n; i++) {
            const release = await mutex.acquire();
            await null;
            release();
          }
        }),
    },
  },
  {
    name: 'Lock runExclusive, contended (8 tasks)',
    target: 1.5,
    impls: {
      baton: () =>
        contended(8, async (n) => {
          for (let i = 0; i < n; i++) await lock.runExclusive(() => null);
        }),
      'async-mutex': () =>
        contended(8, async (n) => {
          for (let i = 0; i < n; i++) await mutex.runExclusive(() => null);
        }),
    },
  },
  {
    name: 'Semaphore(4) acquire/release, uncontended',
    target: 1.5,
    impls: {
      baton: async () => {
        for (let i = 0; i < OPS; i++) {
          await sem.acquire();
          sem.release();
        }
      },
      'async-mutex': async () => {
        for (let i = 0; i < OPS; i++) {
          const [, release] = await amSem.acquire();
          release();
        }
      },
    },
  },
  {
    name: 'Semaphore(4) acquire/release, contended (16 tasks)',
    target: 1.5,
    impls: {
      baton: () =>
        contended(16, async (n) => {
          for (let i = 0; i < n; i++) {
            await sem.acquire();
            await null;
            sem.release();
          }
        }),
      'async-mutex': () =>
        contended(16, async (n) => {
          for (let i = 0; i < n; i++) {
            const [, release] = await amSem.acquire();
            await null;
            release();
          }
        }),
    },
  },
  {
    name: 'Queue put/get, producer and consumer (unbounded)',
    impls: {
      baton: () => producerConsumerBaton(new Queue()),
      'array+promise': () => producerConsumerPlain(new PlainQueue()),
    },
  },
  {
    name: 'Queue put/get, producer and consumer (Baton capacity 64, plain unbounded)',
    impls: {
      baton: () => producerConsumerBatonBounded(new Queue({ capacity: 64 })),
      'array+promise': () => producerConsumerPlain(new PlainQueue()),
    },
  },
  {
    name: 'Queue get then put, consumer waiting first (hand-off path)',
    impls: {
      baton: () => handOffBaton(new Queue()),
      'array+promise': () => handOffPlain(new PlainQueue()),
    },
  },
];

// One copy of each loop per implementation, so that V8 sees one queue class per call site: a
// shared function would turn polymorphic and make the result depend on which ran first.
async function producerConsumerBaton(queue) {
  const consumer = (async () => {
    let sum = 0;
    for (let i = 0; i < OPS; i++) sum += await queue.get();
    return sum;
  })();
  for (let i = 0; i < OPS; i++) await queue.put(i);
  await consumer;
}

async function producerConsumerBatonBounded(queue) {
  const consumer = (async () => {
    let sum = 0;
    for (let i = 0; i < OPS; i++) sum += await queue.get();
    return sum;
  })();
  for (let i = 0; i < OPS; i++) await queue.put(i);
  await consumer;
}

async function producerConsumerPlain(queue) {
  const consumer = (async () => {
    let sum = 0;
    for (let i = 0; i < OPS; i++) sum += await queue.get();
    return sum;
  })();
  for (let i = 0; i < OPS; i++) await queue.put(i);
  await consumer;
}

async function handOffBaton(queue) {
  for (let i = 0; i < OPS; i++) {
    const got = queue.get();
    queue.put(i);
    await got;
  }
}

async function handOffPlain(queue) {
  for (let i = 0; i < OPS; i++) {
    const got = queue.get();
    queue.put(i);
    await got;
  }
}

// --- run -----------------------------------------------------------------------------------------

async function measure(fn) {
  const bench = new Bench({ time: TIME_MS, warmupTime: 100 });
  bench.add('x', fn);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw result.error ?? new Error(`bench ${result.state}`);
  return OPS / (result.period / 1000);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const format = (n) => Math.round(n).toLocaleString('en-US').padStart(12);
let belowTarget = 0;
const results = {};
for (const scenario of scenarios) {
  const [baton, other] = Object.keys(scenario.impls);
  const rates = { [baton]: [], [other]: [] };
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Measure the two back to back (in alternating order) and keep their ratio: both see the
    // same machine load, so the ratio is steadier than either figure on a busy machine.
    const order = round % 2 === 0 ? [baton, other] : [other, baton];
    const rate = {};
    for (const name of order) rate[name] = await measure(scenario.impls[name]);
    rates[baton].push(rate[baton]);
    rates[other].push(rate[other]);
    ratios.push(rate[baton] / rate[other]);
  }
  const ratio = median(ratios);
  results[scenario.name] = { baton: median(rates[baton]), other: median(rates[other]), ratio };
  const target = scenario.target;
  const verdict = target === undefined ? '' : ratio >= target ? ' (target met)' : ' (BELOW TARGET)';
  if (target !== undefined && ratio < target) belowTarget++;
  console.log(
    `${scenario.name}\n  ${baton}:${format(median(rates[baton]))} ops/s   ` +
      `${other}:${format(median(rates[other]))} ops/s   ratio ${ratio.toFixed(2)}x` +
      `${target ? `, target ${target}x` : ''}${verdict}`,
  );
}
console.log(
  belowTarget === 0
    ? '\nall Lock/Semaphore ratios meet the 1.5x target'
    : `\n${belowTarget} ratio(s) below the 1.5x target on this run`,
);

// The summary row of `pnpm bench` (bench/report.mjs): uncontended Lock and Semaphore.
const lockRow = results['Lock acquire/release, uncontended'];
const semaphoreRow = results['Semaphore(4) acquire/release, uncontended'];
if (lockRow && semaphoreRow) {
  const m = (n) => `${(n / 1e6).toFixed(2)} M`;
  report({
    what: 'in-thread Lock / Semaphore acquire+release (uncontended) vs async-mutex',
    baton: `${m(lockRow.baton)} / ${m(semaphoreRow.baton)} ops/s`,
    peer: `async-mutex ${m(lockRow.other)} / ${m(semaphoreRow.other)} ops/s`,
    ratio: Number(Math.min(lockRow.ratio, semaphoreRow.ratio).toFixed(2)),
    target: 1.5,
    targetText: '>= 1.5x (keep)',
  });
}
