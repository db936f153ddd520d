// How a two-worker run of a bench scenario starts (shared.bench.mjs, compare-builds.mjs): both
// sides make their untimed passes, say they are ready, and block on a start word, which the
// main thread then sets, so that the clock starts when both are ready.
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
