/**
 * Races across plain `await`s, with no `checkpoint()` and no primitive between the read and the
 * write: the most common race in JavaScript. A plain `Promise.all` run shows the symmetric one
 * every time, so `explore()` must too (its first run is the natural schedule); the strategies
 * must find the ones that the natural order hides, by releasing tasks while others are still
 * between their `await`s.
 */
import { Lock } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { ExplorationError, explore, replay, task } from '../src/index.js';
import { normalise, rejection } from './normalise.js';

/** Two or three deposits, each a read, a plain `await`, a write: the lost update. */
function deposits(count: number) {
  return async (): Promise<void> => {
    let balance = 0;
    const deposit = async (n: number): Promise<void> => {
      const v = balance;
      await Promise.resolve();
      balance = v + n;
    };
    const amounts = [1, 2, 4].slice(0, count);
    await Promise.all(amounts.map((n, i) => task(`T${i + 1}`, () => deposit(n))));
    const expected = amounts.reduce((a, b) => a + b, 0);
    if (balance !== expected)
      throw new Error(`lost update: balance ${balance}, expected ${expected}`);
  };
}

/** The same with no task() at all: anonymous async functions under Promise.all. */
async function anonymousDeposits(): Promise<void> {
  let balance = 0;
  const deposit = async (n: number): Promise<void> => {
    const v = balance;
    await Promise.resolve();
    balance = v + n;
  };
  await Promise.all([deposit(1), deposit(2)]);
  if (balance !== 3) throw new Error(`lost update: balance ${balance}, expected 3`);
}

/**
 * Races the natural order hides: the first task finishes its read-modify-write before the later
 * ones read, because the i-th one first validates i times (`prep` plain awaits each), so a plain
 * run always passes. Only an interleaving that starts a later task first, and the first one
 * while the later one is between its awaits, loses an update. The read goes through an awaited
 * helper that itself awaits.
 */
function hiddenDeposits(count: number, prep = 2) {
  return async (): Promise<void> => {
    let balance = 0;
    const read = async (): Promise<number> => {
      await Promise.resolve();
      return balance;
    };
    const validate = async (): Promise<void> => {
      for (let i = 0; i < prep; i++) await Promise.resolve();
    };
    const deposit = async (n: number, index: number): Promise<void> => {
      for (let i = 0; i < index; i++) await validate();
      const v = await read();
      await Promise.resolve();
      balance = v + n;
    };
    const amounts = [1, 2, 4].slice(0, count);
    await Promise.all(amounts.map((n, i) => task(`T${i + 1}`, () => deposit(n, i))));
    const expected = amounts.reduce((a, b) => a + b, 0);
    if (balance !== expected)
      throw new Error(`lost update: balance ${balance}, expected ${expected}`);
  };
}

/** The hidden race done right: a Lock around the read-modify-write. */
function lockedDeposits(count: number) {
  return async (): Promise<void> => {
    let balance = 0;
    const lock = new Lock({ name: 'balance' });
    const read = async (): Promise<number> => {
      await Promise.resolve();
      return balance;
    };
    const deposit = async (n: number, index: number): Promise<void> => {
      for (let i = 0; i < 2 * index; i++) await Promise.resolve();
      using _ = await lock.lock();
      const v = await read();
      await Promise.resolve();
      balance = v + n;
    };
    const amounts = [1, 2, 4].slice(0, count);
    await Promise.all(amounts.map((n, i) => task(`T${i + 1}`, () => deposit(n, i))));
    const expected = amounts.reduce((a, b) => a + b, 0);
    if (balance !== expected)
      throw new Error(`lost update: balance ${balance}, expected ${expected}`);
  };
}

describe('explore() and plain awaits', () => {
  it.each([2, 3])(
    'fails at run 1, the natural schedule, on the %i-task lost update a plain run shows',
    async (count) => {
      const scenario = deposits(count);
      await expect(scenario()).rejects.toThrow('lost update'); // as a plain run does
      const found = (await rejection(explore(scenario, { seed: 1 }))) as ExplorationError;
      expect(found).toBeInstanceOf(ExplorationError);
      expect(found.run).toBe(1);
      expect(found.schedule).toBe('natural');
      expect(found.message).toContain('lost update');
      const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
      expect(again.message.split('\n').slice(1)).toEqual(found.message.split('\n').slice(1));
    },
  );

  it('fails at run 1 without task() too', async () => {
    const found = (await rejection(explore(anonymousDeposits, { seed: 1 }))) as ExplorationError;
    expect(found.run).toBe(1);
    expect(found.message).toContain('lost update: balance 2, expected 3');
  });

  describe.each(['random', 'pct'] as const)('with %s', (strategy) => {
    it.each([2, 3])(
      'finds the %i-task lost update the natural order hides within 200 runs, and replays it exactly',
      async (count) => {
        const scenario = hiddenDeposits(count);
        await expect(scenario()).resolves.toBeUndefined(); // a plain run passes
        for (const seed of [1, 2, 3]) {
          const error = await rejection(explore(scenario, { strategy, seed, runs: 200 }));
          expect(error).toBeInstanceOf(ExplorationError);
          const found = error as ExplorationError;
          expect(found.run).toBeGreaterThan(1);
          expect(found.message).toContain('lost update');
          const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
          expect(again.steps).toEqual(found.steps);
          expect(again.message.split('\n').slice(1)).toEqual(found.message.split('\n').slice(1));
        }
      },
    );

    it.each([2, 3])('raises no false alarm on the %i-task version with a Lock', async (count) => {
      const report = await explore(lockedDeposits(count), { strategy, seed: 5 });
      expect(report.runs).toBe(1000);
    });
  });

  it('prints the interleaving it found, gaps and all', async () => {
    const found = (await rejection(
      explore(hiddenDeposits(2), { seed: 1, strategy: 'random' }),
    )) as ExplorationError;
    expect(normalise(found.message)).toMatchInlineSnapshot(`
      "explore: run 41 of 1000 failed (strategy random, seed 1)
      failed: Error: lost update: balance 2, expected 3
      schedule: "1+1.0"
      steps:
        1. T2 starts, and 1 microtask turn later, while it runs:
        2. T1 starts
      replay it with: replay(scenario, "1+1.0")"
    `);
  });

  it('rejects a schedule step with a bad gap', async () => {
    await expect(replay(deposits(2), '0+x')).rejects.toThrow(
      'replay: schedule step 0 is "0+x", not an index (optionally +turns, at most 15)',
    );
  });
});
