/**
 * How many runs explore() needs for the worker scenarios of test/explore-workers.test.ts, over
 * a few seeds (each run starts two real workers, so this is slow):
 *
 *   SEEDS=10 pnpm exec vitest run --config bench/vitest.config.ts bench/explore-workers-runs.ts
 */
import { SharedLock } from '@baton/core';
import { Worker } from 'node:worker_threads';
import { it } from 'vitest';
import { ExplorationError, explore, type Scenario } from '../src/index.js';

const SEEDS = Number(process.env.SEEDS ?? 10);
const started: Worker[] = [];

function run(fixture: string, data: (name: string) => Record<string, unknown>, check: () => void) {
  return async (): Promise<void> => {
    const url = new URL(`../test/fixtures/${fixture}`, import.meta.url);
    const start = (name: string) => {
      const worker = new Worker(url, { workerData: { name, ...data(name) } });
      started.push(worker);
      return new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', () => resolve());
      });
    };
    await Promise.all([start('w1'), start('w2')]);
    check();
  };
}

function inversion(): Scenario {
  const make = () => {
    const a = new SharedLock({ name: 'a' });
    const b = new SharedLock({ name: 'b' });
    return run(
      'order-worker.mjs',
      (name) =>
        name === 'w1'
          ? { first: a.handle, second: b.handle }
          : { first: b.handle, second: a.handle },
      () => {},
    );
  };
  return () => make()();
}

function lostIncrement(): Scenario {
  return () => {
    const lock = new SharedLock({ name: 'counter' });
    const cells = new Int32Array(new SharedArrayBuffer(4));
    return run(
      'counter-worker.mjs',
      () => ({ lock: lock.handle, cells: cells.buffer }),
      () => {
        if (cells[0] !== 2) throw new Error(`lost update: counter ${cells[0]}`);
      },
    )();
  };
}

it('measures runs needed with workers', { timeout: 3_600_000 }, async () => {
  for (const [name, scenario] of [
    ['lock-order inversion, two workers', inversion()],
    ['lost increment on an Int32Array, two workers', lostIncrement()],
  ] as const) {
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
          await Promise.all(started.splice(0).map((w) => w.terminate()));
        }
      }
      const sorted = [...runs].sort((a, b) => a - b);
      console.log(
        `${name} | ${strategy} | runs ${runs.join(',')} | min ${sorted[0]} | median ${sorted[Math.floor(sorted.length / 2)]} | worst ${Math.max(...runs)} | ${SEEDS} seeds`,
      );
    }
  }
});
