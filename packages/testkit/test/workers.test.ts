import { SharedLock, SharedQueue, sharedRegistry, snapshot } from '@baton/core';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeadlockError,
  ExplorationError,
  explore,
  replay,
  task,
  withDeadlockTimeout,
} from '../src/index.js';
import { normalise, rejection } from './normalise.js';
import { adders, endWorkers, lesson } from './worker-scenarios.js';

/** Starts `fixtures/<fixture>.mjs`, watched by the registry; resolves with its first message. */
function start(fixture: string, workerData: unknown, workers: Worker[]): Promise<unknown> {
  const worker = new Worker(new URL(`./fixtures/${fixture}.mjs`, import.meta.url), { workerData });
  sharedRegistry().watchWorker(worker);
  workers.push(worker);
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${fixture} exited with code ${code}`)));
  });
}

describe('deadlock across workers', () => {
  it('names both workers and both locks', async () => {
    const producerLock = new SharedLock({ name: 'producer_lock' });
    const consumerLock = new SharedLock({ name: 'consumer_lock' });
    const ready = new SharedArrayBuffer(4);
    const url = new URL('./fixtures/lock-worker.mjs', import.meta.url);
    const workers: Worker[] = [];
    try {
      const error = await rejection(
        withDeadlockTimeout(async () => {
          const start = (name: string, first: unknown, second: unknown) => {
            const worker = new Worker(url, { workerData: { name, first, second, ready } });
            sharedRegistry().watchWorker(worker);
            workers.push(worker);
            return new Promise((resolve, reject) => {
              worker.once('exit', resolve);
              worker.once('error', reject);
            });
          };
          await Promise.all([
            start('producer', producerLock.handle, consumerLock.handle),
            start('consumer', consumerLock.handle, producerLock.handle),
          ]);
        }, 30_000),
      );
      expect(error).toBeInstanceOf(DeadlockError);
      const deadlock = error as DeadlockError;
      expect(deadlock.reason).toBe('shared');
      expect([...(deadlock.cycle ?? [])].sort()).toEqual(['consumer', 'producer']);
      expect(deadlock.message).toMatch(
        /^deadlock: workers wait for each other in the shared registry \(found before the 30\.0 s timeout\)\nacross workers \(shared registry\):\n {2}cycle:\n/,
      );
      expect(normalise(deadlock.message)).toContain(
        'producer waits for SharedLock consumer_lock since <t>, held by consumer since <t>',
      );
      expect(normalise(deadlock.message)).toContain(
        'consumer waits for SharedLock producer_lock since <t>, held by producer since <t>',
      );
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  });

  it("adds the workers' waits to a timeout when there is no cycle", async () => {
    const gate = new SharedLock({ name: 'gate' });
    gate.acquireSync();
    const url = new URL('./fixtures/acquire-worker.mjs', import.meta.url);
    const worker = new Worker(url, { workerData: { name: 'late worker', lock: gate.handle } });
    sharedRegistry().watchWorker(worker);
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      // Start the clock only once the worker is blocked, however slowly it starts.
      while (!snapshot().agents.some((a) => a.name === 'late worker' && a.state === 'waiting')) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const error = await rejection(withDeadlockTimeout(() => exited, 100));
      expect((error as DeadlockError).reason).toBe('timeout');
      expect(normalise(error.message)).toMatch(
        /^stalled: not finished within <t>\n[^]*across workers \(shared registry\):\n {2}blocked:\n {4}late worker waits for SharedLock gate since <t>, held by \S+ since <t>/,
      );
    } finally {
      gate.release();
      await worker.terminate();
    }
  });

  it('explains a worker waiting on an empty shared queue', async () => {
    const jobs = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'jobs' });
    const url = new URL('./fixtures/get-worker.mjs', import.meta.url);
    const worker = new Worker(url, { workerData: { name: 'consumer', queue: jobs.handle } });
    sharedRegistry().watchWorker(worker);
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      while (!snapshot().agents.some((a) => a.name === 'consumer' && a.state === 'waiting')) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const error = await rejection(withDeadlockTimeout(() => exited, 100));
      expect(normalise(error.message)).toContain(
        'across workers (shared registry):\n  blocked:\n    consumer waits for an item in SharedQueue jobs since <t>',
      );
    } finally {
      await worker.terminate();
    }
  });

  // `ms` is 10 minutes and the test's own limit 60 s: only the quiescence path can pass these.
  it('fails at once when every worker waits without a timeout and nothing can wake it', async () => {
    const orders = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'orders' });
    const workers: Worker[] = [];
    try {
      const error = await rejection(
        withDeadlockTimeout(
          () => start('timed-get-worker', { name: 'cook', queue: orders.handle }, workers),
          600_000,
        ),
      );
      expect(error).toBeInstanceOf(DeadlockError);
      const stall = error as DeadlockError;
      expect(stall.reason).toBe('quiescence');
      expect(stall.cycle).toBeUndefined();
      expect(normalise(stall.message)).toMatch(
        /^stalled: every task and every worker is blocked, no wait has a timeout and no timer is pending \(found before the <t> timeout\)\n[^]*across workers \(shared registry\):\n {2}blocked:\n {4}cook waits for an item in SharedQueue orders since <t>/,
      );
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  }, 60_000);

  it('leaves a worker whose wait has a timeout to that timeout', async () => {
    const orders = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'late orders' });
    const workers: Worker[] = [];
    try {
      const outcome = await withDeadlockTimeout(
        () =>
          start('timed-get-worker', { name: 'cook', queue: orders.handle, timeout: 300 }, workers),
        600_000,
      );
      expect(outcome).toEqual({ timedOut: 300 });
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  }, 60_000);

  it('does not fail while a task of the watch will still feed the blocked worker', async () => {
    const orders = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'fed orders' });
    const workers: Worker[] = [];
    try {
      const outcome = await withDeadlockTimeout(async () => {
        const served = start('timed-get-worker', { name: 'cook', queue: orders.handle }, workers);
        await task('waiter', async () => {
          // Wait until the cook is blocked, then feed it after a timer: while that timer is
          // pending the watch is not quiescent, although every worker is blocked (a watch that
          // ignored the timer would report the stall after SHARED_STALL_GRACE, 250 ms).
          while (!snapshot().agents.some((a) => a.name === 'cook' && a.state === 'waiting')) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          await orders.put(7);
        });
        return served;
      }, 600_000);
      expect(outcome).toEqual({ item: 7 });
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  }, 60_000);
});

describe('explore() and replay() steering workers through the gate', () => {
  afterEach(endWorkers);

  it(
    "finds the lesson's step 2 deadlock in two workers, names both, and replays it",
    { timeout: 120_000 },
    async () => {
      const scenario = lesson('step2');
      const found = (await rejection(explore(scenario, { seed: 3 }))) as ExplorationError;
      expect(found).toBeInstanceOf(ExplorationError);
      expect(found.failure).toBe('deadlock');
      expect(found.message).toMatch(
        /producer( \(agent \d+\))? waits for SharedLock producer_lock since .*, which it holds itself/,
      );
      expect(found.message).toMatch(
        /consumer( \(agent \d+\))? waits for SharedLock consumer_lock since .*, which it holds itself/,
      );
      await endWorkers();
      const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
      expect(again.failure).toBe('deadlock');
      expect(again.steps).toEqual(found.steps);
    },
  );

  it(
    "finds the lesson's step 3 (both locks free) failing in two workers and replays it exactly",
    { timeout: 120_000 },
    async () => {
      const scenario = lesson('step3');
      const found = (await rejection(explore(scenario, { seed: 11 }))) as ExplorationError;
      expect(found).toBeInstanceOf(ExplorationError);
      // Out of step: a deadlock, or a release of a lock that is free (LockError).
      expect(found.message).toMatch(/deadlock|LockError/);
      await endWorkers();
      // A plain run may fail differently each time; a steered schedule replays exactly.
      const schedule = found.schedule === 'natural' ? undefined : found.schedule;
      if (schedule !== undefined) {
        const again = (await rejection(replay(scenario, schedule))) as ExplorationError;
        expect(again.failure).toBe(found.failure);
        expect(again.steps).toEqual(found.steps);
      }
    },
  );

  it(
    "raises no alarm for step 4 (the consumer's lock held first): they alternate",
    { timeout: 120_000 },
    async () => {
      const report = await explore(lesson('step4'), { seed: 5, runs: 12 });
      expect(report.runs).toBe(12);
    },
  );

  it(
    'finds a lost update on a plain Int32Array between two Baton calls, and replays it',
    { timeout: 120_000 },
    async () => {
      const scenario = adders(false);
      const found = (await rejection(explore(scenario, { seed: 2 }))) as ExplorationError;
      expect(found).toBeInstanceOf(ExplorationError);
      expect(found.failure).toBe('error');
      expect(found.message).toContain('counter is 1 after two increments: an update was lost');
      expect(found.steps.some((step) => step.startsWith('adder '))).toBe(true);
      await endWorkers();
      const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
      expect(again.message).toContain('counter is 1 after two increments');
      expect(again.steps).toEqual(found.steps);
    },
  );

  it(
    'raises no alarm for the counter updated in one critical section',
    { timeout: 120_000 },
    async () => {
      const report = await explore(adders(true), { seed: 2, runs: 12 });
      expect(report.runs).toBe(12);
    },
  );
});
