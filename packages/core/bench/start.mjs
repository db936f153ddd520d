// How a timed run of a bench scenario's workers goes (shared.bench.mjs, compare-builds.mjs):
// every side makes its untimed passes, says it is ready, and blocks on a start word, which the
// main thread then sets, so that the clock starts when all are ready.
import { countWakeUps } from './wakeups.mjs';

/**
 * Resolves with the first message of `worker` that has `key` set (`ready`, `done`); rejects
 * when the worker fails, or exits before it sent one (rather than leave the run waiting).
 */
export function message(worker, key) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m[key]) {
        worker.off('message', onMessage);
        resolve(m);
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`a bench worker exited (code ${code}) before its '${key}' message`)),
    );
  });
}

/**
 * Waits until every worker is ready, then sets the start word (`start`, the SharedArrayBuffer
 * the workers block on) and returns when the run started (`t0`), each worker's promise of its
 * `done` message, and, for a queue's `handle`, a function counting its wake-ups since the start
 * (`count`: wakeups.mjs's `countWakeUps`, or that of the build the queue comes from, whose
 * layout it reads).
 */
export async function startRun(workers, start, handle, count = countWakeUps) {
  await Promise.all(workers.map((w) => message(w, 'ready')));
  const done = workers.map((w) => message(w, 'done'));
  // The untimed passes are over on both sides: from here on the queue's words count the
  // timed run's wake-ups only.
  const wakeUps = handle === undefined ? undefined : count(handle);
  const t0 = performance.now();
  const cells = new Int32Array(start);
  Atomics.store(cells, 0, 1);
  Atomics.notify(cells, 0);
  return { t0, done, wakeUps };
}

/**
 * One timed run of `workers`, the first `producers` of them producers and the rest consumers of
 * the items `0 .. items - 1`: starts it ({@link startRun}), waits for every worker's `done`,
 * checks by their sums that the consumers got every item once (a run that lost or doubled
 * items has no rate to report), and ends every worker, whatever happened. Returns items per
 * second from the start word to the last consumer's `done`, the consumers' results, and the
 * wake-ups since the start (`undefined` without a queue's `handle`); `name` names the scenario
 * in the error.
 */
export async function timeRun(workers, { start, handle, count, producers, items, name }) {
  try {
    const { t0, done, wakeUps } = await startRun(workers, start, handle, count);
    const results = await Promise.all(done.slice(producers));
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(done);
    const sum = results.reduce((total, result) => total + result.sum, 0);
    const expected = (items * (items - 1)) / 2;
    if (sum !== expected) {
      throw new Error(`${name}: the consumers' sum is ${sum}, expected ${expected}`);
    }
    return { rate: items / seconds, results, wakeUps: wakeUps?.() };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
