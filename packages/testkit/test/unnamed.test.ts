/**
 * Tasks without task(): two anonymous async functions under Promise.all are two parties, told
 * apart by where they were started, in a deadlock watch and in explore().
 */
import { Lock } from '@baton/core';
import { describe, expect, it } from 'vitest';
import {
  DeadlockError,
  ExplorationError,
  explore,
  replay,
  withDeadlockTimeout,
} from '../src/index.js';
import { normalise, rejection } from './normalise.js';

/** The lesson's deadlock with no task(): alpha then beta, and beta then alpha. */
async function anonymous(): Promise<void> {
  const alpha = new Lock({ name: 'alpha' });
  const beta = new Lock({ name: 'beta' });
  await Promise.all([
    (async () => {
      using _a = await alpha.lock();
      await Promise.resolve();
      using _b = await beta.lock();
    })(),
    (async () => {
      using _b = await beta.lock();
      await Promise.resolve();
      using _a = await alpha.lock();
    })(),
  ]);
}

/** The same through one named function, started twice from one call site, via a helper. */
async function sameSite(): Promise<void> {
  const alpha = new Lock({ name: 'alpha' });
  const beta = new Lock({ name: 'beta' });
  const take = async (lock: Lock) => lock.lock();
  const transfer = async (first: Lock, second: Lock): Promise<void> => {
    using _first = await take(first);
    await Promise.resolve();
    using _second = await take(second);
  };
  await Promise.all(
    [
      [alpha, beta],
      [beta, alpha],
    ].map(([first, second]) => transfer(first as Lock, second as Lock)),
  );
}

describe('async functions started without task()', () => {
  it('are two parties in a deadlock watch, found on quiescence', async () => {
    const error = await rejection(withDeadlockTimeout(anonymous, 60_000));
    expect(error).toBeInstanceOf(DeadlockError);
    const deadlock = error as DeadlockError;
    expect(deadlock.reason).toBe('quiescence');
    expect(deadlock.cycle).toHaveLength(2);
    expect(new Set(deadlock.cycle).size).toBe(2);
    expect(deadlock.message).not.toContain('itself');
    expect(normalise(deadlock.message)).toMatchInlineSnapshot(`
      "deadlock: every task is blocked and no timer is pending (found before the <t> timeout)
      cycle:
        async function (started at test/unnamed.test.ts:<line>) waits for Lock beta since <t> (at test/unnamed.test.ts:<line>), held by async function (started at test/unnamed.test.ts:<line>) since <t> (acquired at test/unnamed.test.ts:<line>)
        async function (started at test/unnamed.test.ts:<line>) waits for Lock alpha since <t> (at test/unnamed.test.ts:<line>), held by async function (started at test/unnamed.test.ts:<line>) since <t> (acquired at test/unnamed.test.ts:<line>)
        and so back to async function (started at test/unnamed.test.ts:<line>)"
    `);
  });

  it('are told apart when one function is started twice from one place', async () => {
    const error = (await rejection(withDeadlockTimeout(sameSite, 60_000))) as DeadlockError;
    expect(error.reason).toBe('quiescence');
    expect(error.message).not.toContain('itself');
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "deadlock: every task is blocked and no timer is pending (found before the <t> timeout)
      cycle:
        transfer (started at test/unnamed.test.ts:<line>) waits for Lock beta since <t> (at test/unnamed.test.ts:<line>), held by transfer (started at test/unnamed.test.ts:<line>) #2 since <t> (acquired at test/unnamed.test.ts:<line>)
        transfer (started at test/unnamed.test.ts:<line>) #2 waits for Lock alpha since <t> (at test/unnamed.test.ts:<line>), held by transfer (started at test/unnamed.test.ts:<line>) since <t> (acquired at test/unnamed.test.ts:<line>)
        and so back to transfer (started at test/unnamed.test.ts:<line>)"
    `);
  });

  it('are two parties in explore(), and the replay matches', async () => {
    const found = (await rejection(explore(anonymous, { seed: 1 }))) as ExplorationError;
    expect(found.failure).toBe('deadlock');
    expect(found.message).not.toContain('itself');
    expect(normalise(found.message)).toMatchInlineSnapshot(`
      "explore: run 1 of 1000 (the natural schedule) failed (strategy pct, seed 1)
      deadlock: nothing is ready, no timer is pending, and the scenario has not finished
      cycle:
        async function (started at test/unnamed.test.ts:<line>) waits for Lock beta since <t> (at test/unnamed.test.ts:<line>), held by async function (started at test/unnamed.test.ts:<line>) since <t> (acquired at test/unnamed.test.ts:<line>)
        async function (started at test/unnamed.test.ts:<line>) waits for Lock alpha since <t> (at test/unnamed.test.ts:<line>), held by async function (started at test/unnamed.test.ts:<line>) since <t> (acquired at test/unnamed.test.ts:<line>)
        and so back to async function (started at test/unnamed.test.ts:<line>)
      schedule: "natural" (the plain run: every continuation went on as soon as it could)
      steps:
        1. async function (started at test/unnamed.test.ts:<line>) starts
        2. async function (started at test/unnamed.test.ts:<line>) goes on past Lock alpha (did not wait)
        3. async function (started at test/unnamed.test.ts:<line>) starts
        4. async function (started at test/unnamed.test.ts:<line>) goes on past Lock beta (did not wait)
      replay it with: replay(scenario, "natural")"
    `);
    const again = (await rejection(replay(anonymous, found.schedule))) as ExplorationError;
    expect(again.steps).toEqual(found.steps);
  });
});
