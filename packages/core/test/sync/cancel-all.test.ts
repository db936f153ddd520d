// cancelAll(): every in-thread waiting primitive rejects every current waiter with a typed
// CancelledError (or the reason given), leaves no trace, and stays usable.
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  CancelledError,
  Condition,
  Event,
  Lock,
  Queue,
  Semaphore,
} from '../../src/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

describe('cancelAll()', () => {
  it('Lock: rejects every waiting acquire; the holder keeps the lock', async () => {
    const lock = new Lock({ name: 'L' });
    await lock.acquire();
    const waits = [lock.acquire(), lock.acquire({ timeout: 10_000 })];
    expect(lock.cancelAll()).toBe(2);
    for (const w of waits) await expect(w).rejects.toThrow(CancelledError);
    await expect(waits[0]).rejects.toThrow('L: acquire was cancelled by cancelAll()');
    expect(lock.locked).toBe(true);
    lock.release();
    expect(lock.tryAcquire()).toBe(true);
    expect(lock.cancelAll()).toBe(0);
  });

  it('Semaphore: no permit is taken by a cancelled waiter', async () => {
    const sem = new Semaphore(0);
    const waits = [sem.acquire(), sem.acquire(2)];
    const reason = new Error('shutting down');
    expect(sem.cancelAll(reason)).toBe(2);
    for (const w of waits) await expect(w).rejects.toBe(reason);
    sem.release(2);
    expect(sem.value).toBe(2);
  });

  it('Event: rejects every waiter; a later set() still works', async () => {
    const event = new Event();
    const waits = [event.wait(), event.wait()];
    expect(event.cancelAll()).toBe(2);
    for (const w of waits) await expect(w).rejects.toThrow(CancelledError);
    const later = event.wait();
    event.set();
    await later;
  });

  it('Condition: each cancelled waiter holds the lock again when it rejects', async () => {
    const condition = new Condition();
    const seen: boolean[] = [];
    const waiter = (async () => {
      await condition.acquire();
      try {
        await condition.wait();
      } catch (error) {
        seen.push(condition.locked);
        condition.release();
        throw error;
      }
    })();
    await tick();
    expect(condition.cancelAll()).toBe(1);
    await expect(waiter).rejects.toThrow(CancelledError);
    expect(seen).toEqual([true]);
    expect(condition.locked).toBe(false);
  });

  it('Barrier: the round starts again, the barrier is not broken', async () => {
    const barrier = new Barrier(2);
    const first = barrier.wait();
    await tick();
    expect(barrier.cancelAll()).toBe(1);
    await expect(first).rejects.toThrow(CancelledError);
    expect(barrier.broken).toBe(false);
    expect(barrier.waiting).toBe(0);
    expect((await Promise.all([barrier.wait(), barrier.wait()])).sort()).toEqual([0, 1]);
  });

  it('Queue: getters, putters (value not added) and joiners', async () => {
    const empty = new Queue<number>();
    const get = empty.get();
    const full = new Queue<number>({ capacity: 1 });
    await full.put(1);
    const put = full.put(2);
    const join = full.join();
    expect(empty.cancelAll()).toBe(1);
    expect(full.cancelAll()).toBe(2);
    await expect(get).rejects.toThrow(CancelledError);
    await expect(put).rejects.toThrow('put was cancelled');
    await expect(join).rejects.toThrow('join was cancelled');
    expect(full.size).toBe(1);
    expect(await full.get()).toBe(1);
  });
});
