/**
 * The planted bugs of the suite's worker explorations (each scenario starts real workers that
 * name themselves with `registerAgent()`), shared by the tests and by
 * bench/explore-workers-runs.ts (which measures how many runs each needs, for the README).
 *
 * Workers of a run that deadlocked stay blocked: every worker started here is kept in `started`,
 * and {@link endWorkers} terminates them (after each test, and after each exploration).
 */
import { SharedLock, sharedRegistry } from '@baton/core';
import { Worker } from 'node:worker_threads';

/** Workers the scenarios started and {@link endWorkers} has not ended yet. */
const started: Worker[] = [];

/** Terminates every worker the scenarios started. */
export async function endWorkers(): Promise<void> {
  await Promise.all(started.splice(0).map((worker) => worker.terminate()));
}

/**
 * Starts `fixtures/<fixture>.mjs`, watched by the registry; resolves with its last message once
 * it exits.
 */
function run(fixture: string, workerData: unknown): Promise<unknown> {
  const worker = new Worker(new URL(`./fixtures/${fixture}.mjs`, import.meta.url), { workerData });
  sharedRegistry().watchWorker(worker);
  started.push(worker);
  let last: unknown;
  worker.on('message', (message) => (last = message));
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', () => resolve(last));
  });
}

/** Two workers, w1 and w2, take SharedLocks a and b in opposite orders, with no pause. */
export async function inversion(): Promise<void> {
  const a = new SharedLock({ name: 'a' });
  const b = new SharedLock({ name: 'b' });
  await Promise.all([
    run('order-worker', { name: 'w1', first: a.handle, second: b.handle }),
    run('order-worker', { name: 'w2', first: b.handle, second: a.handle }),
  ]);
}

/**
 * Two workers, w1 and w2, increment one plain Int32Array cell, reading it under a SharedLock and
 * writing it under the lock again, letting go in between.
 */
export async function lostIncrement(): Promise<void> {
  const lock = new SharedLock({ name: 'counter' });
  const cells = new Int32Array(new SharedArrayBuffer(4));
  const data = { lock: lock.handle, cells: cells.buffer };
  await Promise.all([
    run('counter-worker', { name: 'w1', ...data }),
    run('counter-worker', { name: 'w2', ...data }),
  ]);
  if (cells[0] !== 2) throw new Error(`lost update: counter ${cells[0]}, expected 2`);
}

/**
 * The lesson (shared/lesson.md) in two workers, a producer and a consumer handing 3 messages
 * through one cell with `producer_lock` and `consumer_lock`: step 2 (each takes its own lock
 * twice) deadlocks, step 3 (each releases the other's, both starting free) goes out of step,
 * step 4 (the consumer's lock taken first) works.
 */
export function lesson(step: 'step2' | 'step3' | 'step4') {
  return async (): Promise<void> => {
    const producerLock = new SharedLock({ name: 'producer_lock' });
    const consumerLock = new SharedLock({ name: 'consumer_lock' });
    if (step === 'step4') consumerLock.acquireSync();
    const cell = new SharedArrayBuffer(4);
    const data = { producerLock: producerLock.handle, consumerLock: consumerLock.handle, cell };
    const [, got] = await Promise.all([
      run('steered-lesson', { ...data, role: 'producer', step, messages: 3 }),
      run('steered-lesson', { ...data, role: 'consumer', step, messages: 3 }),
    ]);
    if (JSON.stringify(got) !== '[1,2,3]') {
      throw new Error(`the consumer got ${JSON.stringify(got)}, expected [1,2,3]`);
    }
  };
}

/**
 * Two workers, `adder 1` and `adder 2`, add 1 to a plain Int32Array counter; it must end at 2.
 * Unless `fixed`, each reads and writes in two critical sections.
 */
export function adders(fixed: boolean) {
  return async (): Promise<void> => {
    const lock = new SharedLock({ name: 'counter' });
    const cells = new SharedArrayBuffer(4);
    await Promise.all([
      run('steered-counter', { name: 'adder 1', lock: lock.handle, counter: cells, fixed }),
      run('steered-counter', { name: 'adder 2', lock: lock.handle, counter: cells, fixed }),
    ]);
    const total = new Int32Array(cells)[0];
    if (total !== 2)
      throw new Error(`counter is ${total} after two increments: an update was lost`);
  };
}
