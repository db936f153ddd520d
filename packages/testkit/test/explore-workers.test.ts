/**
 * explore() steering real workers through core's gate: a lock-order inversion between two
 * workers that take their two locks with no pause deadlocks almost never in a plain run; the
 * steered runs find it, name the workers in the steps, and replay it exactly.
 */
import { SharedLock } from '@baton/core';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ExplorationError, explore, replay } from '../src/index.js';
import { rejection } from './normalise.js';

const started: Worker[] = [];

afterEach(async () => {
  // Workers of an abandoned (deadlocked) run stay blocked: end them.
  await Promise.all(started.splice(0).map((w) => w.terminate()));
});

function inversion() {
  return async (): Promise<void> => {
    const a = new SharedLock({ name: 'a' });
    const b = new SharedLock({ name: 'b' });
    const url = new URL('./fixtures/order-worker.mjs', import.meta.url);
    const start = (name: string, first: SharedLock, second: SharedLock) => {
      const worker = new Worker(url, {
        workerData: { name, first: first.handle, second: second.handle },
      });
      started.push(worker);
      return new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', () => resolve());
      });
    };
    await Promise.all([start('w1', a, b), start('w2', b, a)]);
  };
}

describe('explore() with workers', () => {
  it(
    'finds the lock-order inversion between two workers, names them, and replays it',
    { timeout: 120_000 },
    async () => {
      const scenario = inversion();
      const found = (await rejection(explore(scenario, { seed: 1, runs: 50 }))) as ExplorationError;
      expect(found).toBeInstanceOf(ExplorationError);
      expect(found.failure).toBe('deadlock');
      expect(found.steps.some((s) => /^w[12] goes on to acquire SharedLock [ab]$/.test(s))).toBe(
        true,
      );
      expect(found.message).toMatch(/w1 waits for SharedLock b since .*, held by w2/);
      expect(found.message).toMatch(/w2 waits for SharedLock a since .*, held by w1/);
      expect(found.message).not.toContain('nobody was seen waiting');
      // Only this run's workers are in the explanation, not those of earlier runs.
      expect(found.message.match(/waits for/g)).toHaveLength(2);
      await Promise.all(started.splice(0).map((w) => w.terminate()));
      const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
      expect(again.steps).toEqual(found.steps);
    },
  );
});
