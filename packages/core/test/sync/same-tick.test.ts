/**
 * A release (or put, or notify) and a waiter's timeout due in the same timer tick: whichever
 * runs first decides, and nothing is lost either way. Fake timers fire timers due at the same
 * time in the order they were created, which lets each test pick the order.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Condition, Event, Lock, Queue, Semaphore, TimeoutError } from '../../src/index.js';
import { track } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('same-tick races between a timeout and a release or put', () => {
  it('Lock: release first, then the timeout: the waiter gets the lock', async () => {
    const lock = new Lock();
    await lock.acquire();
    setTimeout(() => lock.release(), 10);
    const waiter = track(lock.acquire({ timeout: 10 }));
    await vi.advanceTimersByTimeAsync(10);
    expect(waiter.state).toBe('fulfilled');
    expect(lock.locked).toBe(true);
  });

  it('Lock: timeout first, then the release: the waiter fails and the lock is free', async () => {
    const lock = new Lock();
    await lock.acquire();
    const waiter = track(lock.acquire({ timeout: 10 }));
    setTimeout(() => lock.release(), 10);
    await vi.advanceTimersByTimeAsync(10);
    expect(waiter.state).toBe('rejected');
    expect(waiter.reason).toBeInstanceOf(TimeoutError);
    expect(lock.locked).toBe(false);
  });

  it('Semaphore: of two waiters timing out with the release, the permit is kept or given once', async () => {
    const sem = new Semaphore(0);
    const first = track(sem.acquire({ timeout: 10 }));
    setTimeout(() => sem.release(), 10);
    const second = track(sem.acquire({ timeout: 10 }));
    await vi.advanceTimersByTimeAsync(10);
    // first timed out before the release; the release went to second, before its own timeout.
    expect(first.state).toBe('rejected');
    expect(second.state).toBe('fulfilled');
    expect(sem.value).toBe(0);
  });

  it('Queue: put first, then the get timeout: the getter has the item', async () => {
    const queue = new Queue<string>();
    setTimeout(() => void queue.put('x'), 10);
    const getter = track(queue.get({ timeout: 10 }));
    await vi.advanceTimersByTimeAsync(10);
    expect(getter.value).toBe('x');
    expect(queue.size).toBe(0);
  });

  it('Queue: get timeout first, then the put: the item stays in the queue', async () => {
    const queue = new Queue<string>();
    const getter = track(queue.get({ timeout: 10 }));
    setTimeout(() => void queue.put('x'), 10);
    await vi.advanceTimersByTimeAsync(10);
    expect(getter.state).toBe('rejected');
    expect(queue.size).toBe(1);
  });

  it('Queue: a putter timing out with a get: its item is either in or not, never half', async () => {
    for (const getFirst of [true, false]) {
      const queue = new Queue<string>({ capacity: 1 });
      await queue.put('a');
      if (getFirst) setTimeout(() => void queue.get(), 10);
      const putter = track(queue.put('b', { timeout: 10 }));
      if (!getFirst) setTimeout(() => void queue.get(), 10);
      await vi.advanceTimersByTimeAsync(10);
      if (getFirst) {
        expect(putter.state).toBe('fulfilled');
        expect(queue.tryGet()).toEqual({ ok: true, value: 'b' });
      } else {
        expect(putter.state).toBe('rejected');
        expect(queue.size).toBe(0);
      }
    }
  });

  it('Event: set in the same tick as a wait timeout', async () => {
    const early = new Event();
    setTimeout(() => early.set(), 10);
    const woken = track(early.wait({ timeout: 10 }));
    const late = new Event();
    const timedOut = track(late.wait({ timeout: 10 }));
    setTimeout(() => late.set(), 10);
    await vi.advanceTimersByTimeAsync(10);
    expect(woken.state).toBe('fulfilled');
    expect(timedOut.state).toBe('rejected');
  });

  it('Condition: a notify in the same tick as a timeout goes to a waiter still waiting', async () => {
    const cond = new Condition();
    await cond.acquire();
    const hasty = track(cond.wait({ timeout: 10 }));
    await cond.acquire();
    const patient = track(cond.wait());
    setTimeout(() => {
      void cond.runExclusive(() => cond.notify());
    }, 10);
    await vi.advanceTimersByTimeAsync(10);
    // The hasty waiter timed out first and re-took the lock; the notifier waits for it.
    expect(hasty.state).toBe('rejected');
    expect(cond.locked).toBe(true);
    expect(patient.state).toBe('pending');
    cond.release(); // what the hasty waiter's `finally` would do
    await vi.advanceTimersByTimeAsync(0);
    // The notify went to the waiter still waiting, which now holds the lock.
    expect(patient.state).toBe('fulfilled');
    expect(cond.locked).toBe(true);
    expect(cond.waiting).toBe(0);
  });
});
