import { Lock, Queue, Semaphore } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { ExplorationError, checkpoint, explore, replay, task } from '../src/index.js';
import { normalise, rejection } from './normalise.js';
import {
  conditionIf,
  counter,
  lostWakeUp,
  queueCounter,
  semaphoreCounter,
  twoLocks,
  twoLocksBare,
} from './scenarios.js';

/**
 * The semaphore counter done right: a semaphore of 1 makes the read-modify-write atomic, even
 * with a switch point (a `put` with room) between the read and the write.
 */
async function guardedCounter(): Promise<void> {
  let n = 0;
  const sem = new Semaphore(1, { name: 'one' });
  const log = new Queue<number>({ name: 'log' });
  const increment = async (): Promise<void> => {
    await sem.acquire();
    const v = n;
    await log.put(v);
    n = v + 1;
    sem.release();
  };
  await Promise.all([task('A', increment), task('B', increment), task('C', increment)]);
  if (n !== 3) throw new Error(`lost update: n = ${n}, expected 3`);
}

/** The same counter with a lock: correct under every interleaving. */
async function lockedCounter(): Promise<void> {
  let n = 0;
  const lock = new Lock({ name: 'n' });
  const increment = () =>
    lock.runExclusive(async () => {
      const v = n;
      await checkpoint();
      n = v + 1;
    });
  await Promise.all([task('A', increment), task('B', increment), task('C', increment)]);
  if (n !== 3) throw new Error(`lost update: n = ${n}, expected 3`);
}

describe.each(['random', 'pct'] as const)('explore with %s', (strategy) => {
  it('finds the two-lock deadlock within the default run count, and replays it', async () => {
    const error = await rejection(explore(twoLocks, { strategy }));
    expect(error).toBeInstanceOf(ExplorationError);
    const found = error as ExplorationError;
    expect(found.failure).toBe('deadlock');
    expect(found.message).toContain('A waits for Lock b');
    expect(found.message).toContain('B waits for Lock a');
    const again = await rejection(replay(twoLocks, found.schedule));
    expect(again).toBeInstanceOf(ExplorationError);
    expect((again as ExplorationError).failure).toBe('deadlock');
    expect((again as ExplorationError).steps).toEqual(found.steps);
  });

  it('finds the lost update within the default run count, and replays it', async () => {
    const error = await rejection(explore(counter, { strategy }));
    const found = error as ExplorationError;
    expect(found.failure).toBe('error');
    expect(found.message).toContain('lost update: n = 1, expected 2');
    const again = (await rejection(replay(counter, found.schedule))) as ExplorationError;
    expect(again.message.split('\n').slice(1)).toEqual(found.message.split('\n').slice(1));
  });

  it('finds the two-lock deadlock without any checkpoint()', async () => {
    const found = (await rejection(explore(twoLocksBare, { strategy }))) as ExplorationError;
    expect(found.failure).toBe('deadlock');
    expect(found.message).toContain('A waits for Lock b');
    expect(found.message).toContain('B waits for Lock a');
    const again = (await rejection(replay(twoLocksBare, found.schedule))) as ExplorationError;
    expect(again.steps).toEqual(found.steps);
  });

  it.each([
    ['Semaphore.acquire', semaphoreCounter],
    ['Queue.get', queueCounter],
  ])(
    'finds a lost update across an uncontended %s without checkpoint(), and replays it',
    async (_, scenario) => {
      const found = (await rejection(explore(scenario, { strategy }))) as ExplorationError;
      expect(found).toBeInstanceOf(ExplorationError);
      expect(found.failure).toBe('error');
      expect(found.message).toContain('lost update: n = 1, expected 2');
      expect(found.steps.some((step) => step.endsWith('(did not wait)'))).toBe(true);
      const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
      expect(again.message.split('\n').slice(1)).toEqual(found.message.split('\n').slice(1));
    },
  );

  it('passes the semaphore counter guarded by a semaphore of 1 under every run', async () => {
    const report = await explore(guardedCounter, { strategy, runs: 200, seed: 9 });
    // Three starts, three acquires (one at once, two after waiting) and three puts.
    expect(report.longest).toBe(9);
  });

  it('passes a correct scenario under every run', async () => {
    const report = await explore(lockedCounter, { strategy, runs: 200, seed: 7 });
    expect(report.runs).toBe(200);
    expect(report.longest).toBeGreaterThan(3);
  });
});

describe('explore', () => {
  it('is reproducible from its seed', async () => {
    const first = (await rejection(
      explore(counter, { seed: 42, strategy: 'random' }),
    )) as ExplorationError;
    const second = (await rejection(
      explore(counter, { seed: 42, strategy: 'random' }),
    )) as ExplorationError;
    expect(second.message).toBe(first.message);
    expect(first.seed).toBe(42);
  });

  it('prints the seed, the schedule, the steps and the wait-for graph', async () => {
    const error = (await rejection(
      explore(twoLocks, { seed: 3, strategy: 'random' }),
    )) as ExplorationError;
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "explore: run 1 of 1000 (the natural schedule) failed (strategy random, seed 3)
      deadlock: nothing is ready, no timer is pending, and the scenario has not finished
      cycle:
        A waits for Lock b since <t> (at test/scenarios.ts:<line>), held by B since <t> (acquired at test/scenarios.ts:<line>)
        B waits for Lock a since <t> (at test/scenarios.ts:<line>), held by A since <t> (acquired at test/scenarios.ts:<line>)
        and so back to A
      schedule: "natural" (the plain run: every continuation went on as soon as it could)
      steps:
        1. A starts
        2. A goes on past Lock a (did not wait)
        3. B starts
        4. B goes on past Lock b (did not wait)
        5. A goes on after checkpoint()
        6. B goes on after checkpoint()
      replay it with: replay(scenario, "natural")"
    `);
  });

  it('explores queue hand-offs too', async () => {
    // Two consumers of one bounded queue: each item goes to exactly one of them whatever the order.
    await explore(
      async () => {
        const q = new Queue<number>({ capacity: 1, name: 'q' });
        const got: number[] = [];
        const consume = async () => {
          for (;;) {
            const x = await q.get();
            if (x < 0) return;
            got.push(x);
            await checkpoint();
          }
        };
        await Promise.all([
          task('producer', async () => {
            for (const x of [1, 2, 3, -1, -1]) await q.put(x);
          }),
          task('c1', consume),
          task('c2', consume),
        ]);
        expect(got.sort()).toEqual([1, 2, 3]);
      },
      { runs: 100, seed: 11 },
    );
  });

  it('reports a lost wake-up found in some interleavings', async () => {
    // A semaphore used as a signal but released only when the waiter "is already waiting":
    // the check races with the wait, so some interleavings never release.
    const error = (await rejection(explore(lostWakeUp, { seed: 5 }))) as ExplorationError;
    expect(error.failure).toBe('deadlock');
    expect(error.message).toContain('waiter waits for a permit of Semaphore ready');
  });

  it.each([
    ['with', true],
    ['without', false],
  ])(
    'finds a condition checked with if instead of while (%s checkpoint()), and replays it',
    async (_, pause) => {
      const scenario = conditionIf(pause);
      const found = (await rejection(explore(scenario))) as ExplorationError;
      expect(found.message).toContain('failed: Error: took from an empty list');
      const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
      expect(again.steps).toEqual(found.steps);
    },
  );

  it('waits for a timer the scenario set instead of calling it a deadlock', async () => {
    await explore(
      async () => {
        const lock = new Lock({ name: 'l' });
        await lock.acquire();
        await Promise.all([
          task('sleeper', async () => {
            await new Promise((resolve) => setTimeout(resolve, 2));
            lock.release();
          }),
          task('waiter', async () => {
            await lock.acquire();
            lock.release();
          }),
        ]);
      },
      { runs: 5, seed: 1 },
    );
  });

  it('reports tasks the scenario left blocked when it returned', async () => {
    const error = (await rejection(
      explore(
        async () => {
          const gate = new Semaphore(0, { name: 'gate' });
          void task('forgotten', () => gate.acquire());
        },
        { runs: 1, seed: 1 },
      ),
    )) as ExplorationError;
    expect(error.failure).toBe('deadlock');
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "explore: run 1 of 1 (the natural schedule) failed (strategy pct, seed 1)
      deadlock: the scenario returned, leaving tasks blocked for ever
      blocked:
        forgotten waits for a permit of Semaphore gate since <t> (at test/explore.test.ts:<line>); no other task has taken one to give back (a release that never came?)
      schedule: "natural" (the plain run: every continuation went on as soon as it could)
      steps:
        1. forgotten starts
      replay it with: replay(scenario, "natural")"
    `);
  });

  it('reports a run that never ends as a livelock', async () => {
    const error = (await rejection(
      explore(
        async () => {
          await task('spinner', async () => {
            for (;;) await checkpoint();
          });
        },
        { runs: 1, seed: 1, maxSteps: 20 },
      ),
    )) as ExplorationError;
    expect(error.failure).toBe('livelock');
    expect(error.message.split('\n').slice(0, 4)).toEqual([
      'explore: run 1 of 1 (the natural schedule) failed (strategy pct, seed 1)',
      'livelock: still running after 20 steps',
      'schedule: "natural" (the plain run: every continuation went on as soon as it could)',
      'steps:',
    ]);
  });

  it('rejects bad options and a diverging replay', async () => {
    await expect(explore(counter, { runs: 0 })).rejects.toThrow(
      'explore: runs must be a positive integer, got 0',
    );
    await expect(explore(counter, { strategy: 'dfs' as never })).rejects.toThrow(RangeError);
    await expect(replay(counter, 'x+1.1')).rejects.toThrow(
      'replay: schedule "x+1.1" at character 3 (step 0): unexpected "." after step 0 ("x+1"); steps are separated by spaces',
    );
    await expect(replay(counter, '5')).rejects.toThrow(
      'replay: the scenario no longer follows the schedule: at step 0 the schedule picks #5, but only 2 tasks are ready',
    );
  });

  it('lets checkpoint() just yield outside an exploration', async () => {
    await expect(checkpoint()).resolves.toBeUndefined();
    await expect(lockedCounter()).resolves.toBeUndefined();
  });
});
