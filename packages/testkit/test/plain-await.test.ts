/**
 * Races across plain `await`s, with no `checkpoint()` and no primitive between the read and the
 * write: the most common race in JavaScript. A plain `Promise.all` run shows the symmetric one
 * every time, so `explore()` must too (its first run is the natural schedule); the strategies
 * must find the ones that the natural order hides, by releasing tasks while others are still
 * between their `await`s.
 */
import { describe, expect, it } from 'vitest';
import { ExplorationError, explore, replay } from '../src/index.js';
import { normalise, rejection } from './normalise.js';
import { anonymousDeposits, deposits, hiddenDeposits, lockedDeposits } from './scenarios.js';

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
      schedule: "T2+1 T1"
      steps:
        1. T2 starts, and 1 microtask turn later, while it runs:
        2. T1 starts
      replay it with: replay(scenario, "T2+1 T1")"
    `);
  });

  it('rejects a schedule step with a bad gap', async () => {
    await expect(replay(deposits(2), '0+x')).rejects.toThrow(
      `replay: schedule "0+x" at character 0 (step 0): expected an agent's name at "0+x" (or, in the older form, only ready-set indexes, each with an optional +turns, joined by dots: "1+1.0")`,
    );
    await expect(replay(deposits(2), 'T1+16')).rejects.toThrow(
      'replay: schedule "T1+16" at character 0 (step 0): "T1+16": the gap is at most 15 turns',
    );
    await expect(replay(deposits(2), '0+16')).rejects.toThrow(
      'replay: schedule step 0 is "0+16": the gap is at most 15 turns',
    );
  });
});
