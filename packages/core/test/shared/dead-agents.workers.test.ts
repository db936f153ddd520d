// What a dead holder or waiter leads to, across real worker_threads: a barrier party killed
// while it waits breaks the barrier (named in the error), a condition waiter killed while it
// waits stops being counted, and reset() races with parties that re-enter at once.
import { afterEach, describe, expect, it } from 'vitest';
import { BrokenBarrierError, SharedBarrier, SharedCondition } from '../../src/index.js';
import { eventually, nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

describe('SharedBarrier and dead parties', () => {
  it('breaks the barrier when a waiting party is terminated, naming it', async () => {
    const barrier = new SharedBarrier(3, { name: 'meeting' });
    const victim = startWorker('faults', {
      scenario: 'barrierParty',
      name: 'victim',
      barrier: barrier.handle,
    });
    const survivor = startWorker('faults', {
      scenario: 'barrierParty',
      name: 'survivor',
      barrier: barrier.handle,
    });
    // Listen to both before awaiting either: a message nobody listens for is dropped.
    await Promise.all([nextMessage(victim), nextMessage(survivor)]);
    await eventually(() => (barrier.waiting === 2 ? true : undefined));
    const survived = nextMessage<{ error: string; message: string }>(survivor);
    await victim.terminate();
    const result = await survived;
    expect(result.error).toBe('BrokenBarrierError');
    expect(result.message).toMatch(/party victim \(agent \d+\) exited while waiting/);
    expect(barrier.broken).toBe(true);
    // The dead party never counts as arrived: our own wait is refused, not the round's third.
    await expect(barrier.wait({ timeout: 10_000 })).rejects.toThrow(BrokenBarrierError);
    barrier.reset();
    expect(barrier.broken).toBe(false);
    expect(barrier.waiting).toBe(0);
  });

  it('lets parties that re-enter during reset() join the new round (3 workers, many resets)', async () => {
    const barrier = new SharedBarrier(3, { name: 'resetting' });
    const rounds = 150;
    const workers = Array.from({ length: 3 }, (_, i) =>
      startWorker('faults', {
        scenario: 'barrierLoop',
        name: `party ${i}`,
        barrier: barrier.handle,
        rounds,
      }),
    );
    const results = workers.map((w) => nextMessage<{ indices: number[]; broken: number }>(w));
    let done = false;
    void Promise.all(results).finally(() => (done = true));
    for (let resets = 0; resets < 60 && !done; resets++) {
      barrier.reset();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const all = await Promise.all(results);
    // Each passed round had exactly the three workers, with indices 0, 1, 2 between them.
    for (let round = 0; round < rounds; round++) {
      expect(all.map((r) => r.indices[round]).sort()).toEqual([0, 1, 2]);
    }
  });
});

describe('SharedCondition and dead waiters', () => {
  it('stops counting a waiter that was terminated while it waited', async () => {
    const condition = new SharedCondition(undefined, { name: 'cv' });
    const worker = startWorker('faults', {
      scenario: 'conditionWaiter',
      name: 'sleeper',
      condition: condition.handle,
    });
    await nextMessage(worker);
    await eventually(() => (condition.waiting === 1 ? true : undefined));
    await worker.terminate();
    await eventually(() => (condition.waiting === 0 ? true : undefined));
    expect(condition.waiting).toBe(0);
  });
});
