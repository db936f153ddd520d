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

/** Two workers increment one plain Int32Array cell, with the lock let go between read and write. */
function lostIncrement() {
  return async (): Promise<void> => {
    const lock = new SharedLock({ name: 'counter' });
    const cells = new Int32Array(new SharedArrayBuffer(4));
    const url = new URL('./fixtures/counter-worker.mjs', import.meta.url);
    const start = (name: string) => {
      const worker = new Worker(url, {
        workerData: { name, lock: lock.handle, cells: cells.buffer },
      });
      started.push(worker);
      return new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', () => resolve());
      });
    };
    await Promise.all([start('w1'), start('w2')]);
    if (cells[0] !== 2) throw new Error(`lost update: counter ${cells[0]}, expected 2`);
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

  it(
    'finds a lost update on a plain Int32Array between two Baton calls in two workers, and replays it',
    { timeout: 120_000 },
    async () => {
      const scenario = lostIncrement();
      const found = (await rejection(explore(scenario, { seed: 1, runs: 50 }))) as ExplorationError;
      expect(found).toBeInstanceOf(ExplorationError);
      expect(found.failure).toBe('error');
      expect(found.message).toContain('lost update: counter 1, expected 2');
      expect(found.steps.some((s) => /^w[12] goes on to release SharedLock counter$/.test(s))).toBe(
        true,
      );
      const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
      expect(again.steps).toEqual(found.steps);
      expect(again.message.split('\n').slice(1)).toEqual(found.message.split('\n').slice(1));
    },
  );
});
