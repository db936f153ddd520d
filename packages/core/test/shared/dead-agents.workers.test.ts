// What a dead holder or waiter leads to, across real worker_threads: a barrier party killed
// while it waits breaks the barrier (named in the error), a condition waiter killed while it
// waits stops being counted, and reset() races with parties that re-enter at once.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BrokenBarrierError,
  LockError,
  SharedBarrier,
  SharedCondition,
  SharedLock,
  SharedRLock,
  SharedSemaphore,
  TimeoutError,
  snapshot,
} from '../../src/index.js';
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

describe('locks whose holder died (EOWNERDEAD)', () => {
  it('SharedRLock: the next acquirer takes it over, told so by `abandoned`', async () => {
    const lock = new SharedRLock({ name: 'table' });
    const holder = startWorker('faults', {
      scenario: 'hold',
      name: 'holder',
      lock: lock.handle,
      depth: 2,
    });
    await nextMessage(holder);
    await holder.terminate();
    await eventually(() => snapshot().primitives.find((p) => p.name === 'table' && p.abandoned));
    expect(() => lock.release()).toThrow(LockError);
    expect(() => lock.release()).toThrow(/holder has exited: acquire it to take it over/);
    await lock.acquire({ timeout: 10_000 });
    expect(lock.abandoned).toBe(true);
    expect(lock.depth).toBe(1);
    lock.acquireSync(); // re-entrant as usual
    expect(lock.depth).toBe(2);
    lock.release();
    lock.release();
    expect(lock.locked).toBe(false);
    expect(lock.abandoned).toBe(false);
    const guard = await lock.lock();
    expect(guard.abandoned).toBe(false);
    guard.release();
  });

  it('SharedRLock: a worker blocked in acquireSync takes it over when the holder is terminated', async () => {
    const lock = new SharedRLock({ name: 'shared table' });
    const holder = startWorker('faults', { scenario: 'hold', name: 'holder', lock: lock.handle });
    await nextMessage(holder);
    const waiter = startWorker('faults', {
      scenario: 'rlockWaiter',
      name: 'heir',
      lock: lock.handle,
    });
    await nextMessage(waiter);
    const result = nextMessage<{ abandoned: boolean; depth: number; free: boolean }>(waiter);
    await holder.terminate();
    expect(await result).toEqual({ abandoned: true, depth: 1, free: true });
    expect(lock.locked).toBe(false);
  });

  it('SharedLock: tryAcquire() and lock() take over an abandoned lock', async () => {
    const lock = new SharedLock({ name: 'door' });
    const holder = startWorker('faults', { scenario: 'hold', name: 'holder', lock: lock.handle });
    await nextMessage(holder);
    expect(lock.tryAcquire()).toBe(false);
    await holder.terminate();
    await eventually(() => (lock.tryAcquire() ? true : undefined));
    expect(lock.abandoned).toBe(true);
    lock.release();
    const again = startWorker('faults', { scenario: 'hold', name: 'holder 2', lock: lock.handle });
    await nextMessage(again);
    const guard = lock.lock({ timeout: 10_000 });
    await again.terminate();
    const held = await guard;
    expect(held.abandoned).toBe(true);
    held.release();
    expect(lock.locked).toBe(false);
  });

  it('SharedSemaphore: permits taken by a dead agent stay taken (no owner to reclaim them)', async () => {
    const semaphore = new SharedSemaphore(2, { name: 'slots' });
    const holder = startWorker('faults', {
      scenario: 'hold',
      name: 'holder',
      semaphore: semaphore.handle,
      permits: 2,
    });
    await nextMessage(holder);
    await holder.terminate();
    expect(semaphore.value).toBe(0);
    await expect(semaphore.acquire({ timeout: 50 })).rejects.toThrow(TimeoutError);
    semaphore.release(2); // the application gives them back, knowing who died
    expect(semaphore.value).toBe(2);
  });
});
