/**
 * explore() steering real workers through core's gate: a lock-order inversion between two
 * workers that take their two locks with no pause deadlocks almost never in a plain run; the
 * steered runs find it, name the workers in the steps and the schedule, and replay it exactly
 * (schedules written by hand and their errors: test/schedule.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ExplorationError, explore, replay } from '../src/index.js';
import { rejection } from './normalise.js';
import { endWorkers, inversion, lostIncrement } from './worker-scenarios.js';

afterEach(endWorkers);

describe('explore() with workers', () => {
  it(
    'finds the lock-order inversion between two workers, names them, and replays it',
    { timeout: 120_000 },
    async () => {
      const scenario = inversion;
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
      // The schedule names the workers (their registerAgent() names), and is what to paste.
      expect(found.schedule).toMatch(/^w[12](\*\d+)?( w[12](\*\d+)?)*$/);
      expect(found.message).toContain(`replay it with: replay(scenario, "${found.schedule}")`);
      await endWorkers();
      const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
      expect(again.failure).toBe('deadlock');
      expect(again.steps).toEqual(found.steps);
    },
  );

  it(
    'finds a lost update on a plain Int32Array between two Baton calls in two workers, and replays it',
    { timeout: 120_000 },
    async () => {
      const scenario = lostIncrement;
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
