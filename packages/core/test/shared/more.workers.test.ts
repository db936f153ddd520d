// SharedCondition, SharedBarrier, SharedEvent, SharedRLock and a text SharedQueue across real
// worker_threads.
import { afterEach, describe, expect, it } from 'vitest';
import {
  SharedBarrier,
  SharedCondition,
  SharedEvent,
  SharedQueue,
  SharedRLock,
  currentAgentId,
} from '../../src/index.js';
import { nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

/** Three workers pass `rounds` rounds of `barrier`: nobody leaves early, indices 0-2 each round. */
async function passRounds(barrier: SharedBarrier, rounds: number): Promise<void> {
  const arrived = new SharedArrayBuffer(rounds * 4);
  const workers = Array.from({ length: 3 }, (_, i) =>
    startWorker('scenarios', {
      scenario: 'barrier',
      name: `party ${i}`,
      barrier: barrier.handle,
      arrived,
      rounds,
    }),
  );
  const results = await Promise.all(
    workers.map((w) => nextMessage<{ indices: number[]; early: number }>(w)),
  );
  expect(results.map((r) => r.early)).toEqual([0, 0, 0]);
  for (let round = 0; round < rounds; round++) {
    expect(results.map((r) => r.indices[round]).sort()).toEqual([0, 1, 2]);
  }
}

describe('across worker_threads', () => {
  it('SharedBarrier: 3 workers x 200 rounds, nobody leaves a round before all arrived', async () => {
    await passRounds(new SharedBarrier(3, { name: 'rounds' }), 200);
  });

  it('SharedBarrier: a party counted in a round that passed is never counted again (5 x 3 workers x 2000 rounds)', async () => {
    // Regression: a party whose CAS joined a round that the last party filled and passed before
    // the joiner looked again took the passed round for a reset and joined the next round too,
    // so one round later a party was missing and the barrier hung (seen about once in 10 runs).
    for (let trial = 0; trial < 5; trial++) {
      const barrier = new SharedBarrier(3, { name: `rounds ${trial}` });
      await passRounds(barrier, 2000);
      expect(barrier.waiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }
  }, 300_000);

  it('SharedBarrier: abort() wakes a blocked worker with BrokenBarrierError', async () => {
    const barrier = new SharedBarrier(2);
    const worker = startWorker('scenarios', { scenario: 'barrierBroken', barrier: barrier.handle });
    expect(await nextMessage(worker)).toBe('waiting');
    const result = nextMessage(worker);
    barrier.abort();
    expect(await result).toBe('broken');
  });

  it('SharedCondition: 2 producers and 2 consumers hand over 20,000 items through a bounded count', async () => {
    const condition = new SharedCondition(undefined, { name: 'count' });
    const count = new SharedArrayBuffer(4);
    const workers = [
      ...[0, 1].map((i) =>
        startWorker('scenarios', {
          scenario: 'conditionProducer',
          name: `producer ${i}`,
          condition: condition.handle,
          count,
          times: 10_000,
          limit: 4,
        }),
      ),
      ...[0, 1].map((i) =>
        startWorker('scenarios', {
          scenario: 'conditionConsumer',
          name: `consumer ${i}`,
          condition: condition.handle,
          count,
          times: 10_000,
        }),
      ),
    ];
    expect(await Promise.all(workers.map((w) => nextMessage(w)))).toEqual([
      'done',
      'done',
      'done',
      'done',
    ]);
    expect(new Int32Array(count)[0]).toBe(0);
    expect(condition.lock.locked).toBe(false);
  });

  it('SharedEvent: set() on the main thread wakes a worker blocked in waitSync', async () => {
    const event = new SharedEvent({ name: 'go' });
    const worker = startWorker('scenarios', { scenario: 'eventWaiter', event: event.handle });
    expect(await nextMessage(worker)).toBe('waiting');
    const woken = nextMessage(worker);
    event.set();
    expect(await woken).toBe('woken');
  });

  it('SharedRLock: another agent can neither release nor take a lock this agent owns', async () => {
    const rlock = new SharedRLock({ name: 'mine' });
    rlock.acquireSync();
    const worker = startWorker('scenarios', { scenario: 'rlockOther', rlock: rlock.handle });
    expect(await nextMessage(worker)).toEqual({
      release: 'LockError',
      tryAcquire: false,
      owner: currentAgentId(),
    });
    expect(rlock.depth).toBe(1);
    rlock.release();
  });

  it('SharedQueue with the utf8 codec: strings from a worker arrive whole and in order', async () => {
    const queue = new SharedQueue<string>({ capacity: 8, codec: 'utf8', slotSize: 64 });
    const worker = startWorker('scenarios', {
      scenario: 'textProducer',
      queue: queue.handle,
      count: 2_000,
    });
    const done = nextMessage(worker);
    const got: string[] = [];
    for await (const text of queue) got.push(text);
    expect(await done).toBe('done');
    expect(got).toEqual([
      ...Array.from({ length: 2_000 }, (_, i) => `message ${i} ✓`),
      ...Array.from({ length: 2_000 }, (_, i) => `batch ${i}`),
    ]);
  });
});
