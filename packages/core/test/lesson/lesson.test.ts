/**
 * The Python lesson's pipeline, rewritten with Baton's in-thread primitives
 * (examples/lesson/*.mjs, which run against the built package).
 */
import { describe, expect, it } from 'vitest';
import {
  randomMessages,
  runLocksReleasedByOtherSide,
  runQueueWithEvent,
  runTwoLocksAcquiredTwice,
} from '../../examples/lesson/index.mjs';

const messages = [17, 4, 99, 4, 23, 61, 8, 42, 77, 1];

describe('lesson step 2: two locks acquired twice', () => {
  it('deadlocks, and the timeout (not a hung suite) says who is stuck on which lock', async () => {
    const result = await runTwoLocksAcquiredTwice({ messages, timeout: 50 });
    expect(result.deadlocked).toBe(true);
    expect(result.stuck).toEqual(
      expect.arrayContaining([
        { side: 'producer', lock: 'producer_lock' },
        { side: 'consumer', lock: 'consumer_lock' },
      ]),
    );
    // The first write went through, the second never did: nine messages never left.
    expect(result.produced).toEqual([17]);
    expect(result.consumed.length).toBeLessThanOrEqual(1);
  });
});

describe('lesson steps 3 and 4: each side releases the other lock', () => {
  it('step 4 (consumer lock held at start) consumes every message once, in order', async () => {
    const result = await runLocksReleasedByOtherSide({ messages });
    expect(result.errors).toEqual([]);
    expect(result.produced).toEqual(messages);
    expect(result.consumed).toEqual(messages);
  });

  it('step 4 works for random messages too', async () => {
    const random = randomMessages(50);
    expect(random.every((n) => Number.isInteger(n) && n >= 1 && n <= 100)).toBe(true);
    const result = await runLocksReleasedByOtherSide({ messages: random });
    expect(result.consumed).toEqual(random);
  });

  it('step 3 (both locks free) gets out of step: a read before any write, then a LockError', async () => {
    const result = await runLocksReleasedByOtherSide({
      messages,
      consumerLockHeld: false,
      timeout: 50,
    });
    expect(result.consumed).not.toEqual(messages);
    expect(result.consumed[0]).toBe(0); // read before anything was written
    expect(result.errors.join('\n')).toMatch(
      /LockError: producer_lock: release of an unlocked Lock/,
    );
  });
});

describe('lesson step 5: a queue and an Event to stop', () => {
  it('one producer, one consumer: every message once, in order', async () => {
    const result = await runQueueWithEvent({ messages });
    expect(result.consumed).toEqual(messages);
    expect(result.produced).toEqual([messages]);
    expect(result.peakSize).toBeLessThanOrEqual(10);
  });

  it('backpressure: a queue of capacity 2 never holds more than 2', async () => {
    const many = randomMessages(200);
    const result = await runQueueWithEvent({ messages: many, capacity: 2 });
    expect(result.consumed).toEqual(many);
    expect(result.peakSize).toBeLessThanOrEqual(2);
  });

  it('several producers and consumers: every message exactly once, each producer in order', async () => {
    const lists = [0, 1, 2].map((p) => Array.from({ length: 40 }, (_, i) => p * 1000 + i));
    const result = await runQueueWithEvent({ messages: lists, consumers: 4, capacity: 3 });
    const all = lists.flat();
    expect([...result.consumed].sort((a, b) => a - b)).toEqual(all);
    expect(new Set(result.consumed).size).toBe(all.length);
    for (const list of lists) {
      const fromThisProducer = result.consumed.filter((n) => list.includes(n));
      expect(fromThisProducer).toEqual(list);
    }
    expect(result.byConsumer.flat().length).toBe(all.length);
  });

  it('a consumer waiting on an empty queue stops when the Event is set', async () => {
    const result = await runQueueWithEvent({ messages: [], consumers: 3 });
    expect(result.consumed).toEqual([]);
  });
});
