/**
 * How many runs explore() needs for the worker scenarios of the suite
 * (test/explore-workers.test.ts, test/workers.test.ts), over a few seeds (each run starts two
 * real workers, so this is slow):
 *
 *   SEEDS=10 pnpm exec vitest run --config bench/vitest.config.ts bench/explore-workers-runs.ts
 *
 * A run of 1 is the natural run (the workers unsteered), whose outcome depends on thread timing.
 */
import { it } from 'vitest';
import { ExplorationError, explore, type Scenario } from '../src/index.js';
import { adders, endWorkers, inversion, lesson, lostIncrement } from '../test/worker-scenarios.js';

const SEEDS = Number(process.env.SEEDS ?? 10);
/** Only the scenarios whose name contains this (all by default). */
const ONLY = process.env.ONLY ?? '';

it('measures runs needed with workers', { timeout: 3_600_000 }, async () => {
  for (const [name, scenario] of [
    ['lock-order inversion, two workers', inversion],
    ['lost increment on an Int32Array, two workers', lostIncrement],
    ["the lesson's step 2 in two workers", lesson('step2')],
    ["the lesson's step 3 in two workers", lesson('step3')],
    ['lost update by two adders', adders(false)],
  ] as [string, Scenario][]) {
    if (!name.includes(ONLY)) continue;
    for (const strategy of ['pct', 'random'] as const) {
      const runs: number[] = [];
      for (let seed = 1; seed <= SEEDS; seed++) {
        try {
          await explore(scenario, { seed, strategy, runs: 200 });
          runs.push(Infinity);
        } catch (error) {
          if (!(error instanceof ExplorationError)) throw error;
          runs.push(error.run ?? Infinity);
        } finally {
          await endWorkers();
        }
      }
      const sorted = [...runs].sort((a, b) => a - b);
      console.log(
        `${name} | ${strategy} | runs ${runs.join(',')} | min ${sorted[0]} | median ${sorted[Math.floor(sorted.length / 2)]} | worst ${Math.max(...runs)} | ${SEEDS} seeds`,
      );
    }
  }
});
