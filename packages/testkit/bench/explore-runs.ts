/**
 * How many runs explore() needs to find the suite's plain-await races, over many seeds, for
 * the README's figures. Not part of the test suite (it takes a while):
 *
 *   pnpm exec vitest run --config bench/vitest.config.ts
 *
 * Prints, per scenario and strategy, the run at which the race was found: least, median, 95th
 * percentile and worst over SEEDS seeds, and the worst seed.
 */
import { it } from 'vitest';
import { ExplorationError, explore, type Scenario } from '../src/index.js';
import {
  conditionIf,
  counter,
  hiddenDeposits,
  lostWakeUp,
  queueCounter,
  semaphoreCounter,
  twoLocks,
  twoLocksBare,
} from '../test/scenarios.js';
import { longValidation } from './rewritten.js';

const SEEDS = Number(process.env.SEEDS ?? 300);
/** Only the scenarios whose name contains this (all by default). */
const ONLY = process.env.ONLY ?? '';

/** Name, scenario, and how many seeds (the slow ones run 1000 runs for most seeds). */
const scenarios: [string, Scenario, number][] = [
  ["the lesson's deadlock, with checkpoint()", twoLocks, SEEDS],
  ["the lesson's deadlock, no checkpoint()", twoLocksBare, SEEDS],
  ['lost update across checkpoint()', counter, SEEDS],
  ['lost update across an uncontended acquire', semaphoreCounter, SEEDS],
  ['lost update across a get that finds an item', queueCounter, SEEDS],
  ['lost wake-up on a semaphore signal', lostWakeUp, SEEDS],
  ['condition checked with if, with checkpoint()', conditionIf(true), SEEDS],
  ['condition checked with if, no checkpoint()', conditionIf(false), SEEDS],
  ['two-task lost update hidden from the natural order', hiddenDeposits(2), SEEDS],
  ['three-task lost update hidden from the natural order', hiddenDeposits(3), SEEDS],
  ['two-task, validation of 4 awaits', hiddenDeposits(2, 4), SEEDS],
  ['two-task, validation of 8 awaits', hiddenDeposits(2, 8), Math.ceil(SEEDS / 10)],
  ['with awaitPoints(): two-task, validation of 8 awaits', longValidation(8), SEEDS],
];

it('measures runs needed', { timeout: 3_600_000 }, async () => {
  for (const [name, scenario, seeds] of scenarios) {
    if (!name.includes(ONLY)) continue;
    for (const strategy of ['random', 'pct'] as const) {
      const found: { seed: number; run: number }[] = [];
      for (let seed = 1; seed <= seeds; seed++) {
        try {
          await explore(scenario, { seed, strategy, runs: 1000 });
          found.push({ seed, run: Infinity });
        } catch (error) {
          if (!(error instanceof ExplorationError)) throw error;
          found.push({ seed, run: error.run ?? Infinity });
        }
      }
      const runs = found.map((f) => f.run).sort((a, b) => a - b);
      const worst = found.reduce((a, b) => (b.run > a.run ? b : a));
      const at = (q: number) => runs[Math.min(runs.length - 1, Math.floor(q * runs.length))];
      console.log(
        `${name} | ${strategy} | min ${runs[0]} | median ${at(0.5)} | p95 ${at(0.95)} | worst ${worst.run} (seed ${worst.seed}) | ${seeds} seeds`,
      );
    }
  }
});
