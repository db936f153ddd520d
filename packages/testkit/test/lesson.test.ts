/**
 * The lesson's pipeline (see /work/shared/lesson.md), tested with the testkit: the race of step
 * 1, the self-deadlock of step 2, and the hand-off of step 4 that works in every interleaving.
 */
import { Lock } from '@baton/core';
import { describe, expect, it } from 'vitest';
import {
  ExplorationError,
  assertExactlyOnce,
  checkpoint,
  explore,
  task,
  withDeadlockTimeout,
} from '../src/index.js';
import '../src/vitest.js';
import { rejection } from './normalise.js';

const MESSAGES = [17, 42, 5, 99, 63];
const FINISH = Symbol('FINISH');

/** Step 1: one shared `message`, no synchronisation at all. */
async function unsynchronised(): Promise<void> {
  let message: number | typeof FINISH | undefined;
  const got: number[] = [];
  await Promise.all([
    task('producer', async () => {
      for (const x of [...MESSAGES, FINISH] as const) {
        message = x;
        await checkpoint();
      }
    }),
    task('consumer', async () => {
      for (;;) {
        await checkpoint();
        const m = message;
        if (m === FINISH) break;
        if (m !== undefined) got.push(m);
      }
    }),
  ]);
  assertExactlyOnce(MESSAGES, got);
}

/** Step 4: the consumer's lock starts held; each side releases the other's lock. */
async function handOff(got: number[] = []): Promise<number[]> {
  const producerLock = new Lock({ name: 'producer_lock' });
  const consumerLock = new Lock({ name: 'consumer_lock' });
  await consumerLock.acquire();
  let message: number | typeof FINISH | undefined;
  await Promise.all([
    task('producer', async () => {
      for (const x of [...MESSAGES, FINISH] as const) {
        await producerLock.acquire();
        await checkpoint();
        message = x;
        consumerLock.release();
      }
    }),
    task('consumer', async () => {
      for (;;) {
        await consumerLock.acquire();
        await checkpoint();
        const m = message;
        producerLock.release();
        if (m === FINISH) break;
        if (m !== undefined) got.push(m);
      }
    }),
  ]);
  return got;
}

describe('the lesson, step by step', () => {
  it('step 1: exploration shows messages lost or doubled without locks', async () => {
    const error = (await rejection(
      explore(unsynchronised, { seed: 1, strategy: 'random' }),
    )) as ExplorationError;
    expect(error.failure).toBe('error');
    expect(error.message).toMatch(/failed: AssertionError: expected every item exactly once: /);
    expect(error.message.split('\n').slice(0, 2).join('\n')).toMatchInlineSnapshot(`
      "explore: run 1 of 1000 (the natural schedule) failed (strategy random, seed 1)
      failed: AssertionError: expected every item exactly once: lost 1 (first: 17, expected at 0, never consumed)"
    `);
  });

  it('step 2: a lock acquired twice is named as a deadlock of one task', async () => {
    await expect(async () => {
      const producerLock = new Lock({ name: 'producer_lock' });
      await task('producer', async () => {
        await producerLock.acquire();
        await producerLock.acquire();
      });
    }).toDeadlock({ cycle: ['producer'] });
  });

  it('step 4: the hand-off passes every message once, in order, in 200 explored interleavings', async () => {
    const got = await withDeadlockTimeout(() => handOff(), 10_000);
    expect(got).toBeConsumedInOrder(MESSAGES);
    await explore(
      async () => {
        expect(await handOff()).toBeConsumedInOrder(MESSAGES);
      },
      { runs: 200, seed: 4 },
    );
  });
});
