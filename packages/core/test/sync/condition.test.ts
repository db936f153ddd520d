import { describe, expect, it } from 'vitest';
import { Condition, Lock, LockError, Semaphore, TimeoutError } from '../../src/index.js';
import { flush, track } from './helpers.js';

describe('Condition', () => {
  it('uses a new Lock by default, or the lock given', () => {
    const own = new Condition();
    expect(own.lock).toBeInstanceOf(Lock);
    const lock = new Lock();
    expect(new Condition(lock).lock).toBe(lock);
    expect(() => new Condition({} as Lock)).toThrow(/lock must be a Lockable/);
    expect(new Condition(undefined, { name: 'c' }).name).toBe('c');
  });

  it('acquire, tryAcquire, release and runExclusive go to the lock', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    await cond.acquire();
    expect(lock.locked).toBe(true);
    expect(cond.locked).toBe(true);
    expect(cond.tryAcquire()).toBe(false);
    cond.release();
    expect(lock.locked).toBe(false);
    expect(await cond.runExclusive(() => lock.locked)).toBe(true);
    expect(lock.locked).toBe(false);
  });

  it('wait releases the lock, and resolves after notify with the lock held again', async () => {
    const cond = new Condition();
    await cond.acquire();
    const waiter = track(cond.wait());
    expect(cond.locked).toBe(false); // released while waiting
    await cond.acquire();
    cond.notify();
    await flush();
    expect(waiter.state).toBe('pending'); // notified, but the notifier still holds the lock
    cond.release();
    await flush();
    expect(waiter.state).toBe('fulfilled');
    expect(cond.locked).toBe(true);
  });

  it('wait and notify without the lock held throw LockError', async () => {
    const cond = new Condition(undefined, { name: 'c' });
    await expect(cond.wait()).rejects.toThrow(
      new LockError('c: wait() needs the lock held; acquire it first'),
    );
    await expect(cond.waitFor(() => true)).rejects.toBeInstanceOf(LockError);
    expect(() => cond.notify()).toThrow(LockError);
    expect(() => cond.notifyAll()).toThrow(/notify\(\) needs the lock held/);
  });

  it('notify(n) wakes the n longest waiters, in FIFO order; notifyAll wakes the rest', async () => {
    const cond = new Condition();
    const woken: number[] = [];
    const waiters: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      await cond.acquire();
      waiters.push(
        cond.wait().then(() => {
          woken.push(i);
          cond.release();
        }),
      );
    }
    expect(cond.waiting).toBe(5);
    await cond.acquire();
    cond.notify(2);
    cond.release();
    await flush();
    expect(woken).toEqual([0, 1]);
    await cond.acquire();
    cond.notify(0);
    cond.notifyAll();
    cond.release();
    await Promise.all(waiters);
    expect(woken).toEqual([0, 1, 2, 3, 4]);
    expect(() => cond.notify(-1)).toThrow(RangeError);
  });

  it('a timed-out waiter re-takes the lock before rejecting and is never notified', async () => {
    const cond = new Condition(undefined, { name: 'c' });
    await cond.acquire();
    const late = cond.wait({ timeout: 5 });
    await cond.acquire(); // hold the lock so the timed-out waiter must wait for it
    let rejected = false;
    const settled = late.catch((e: unknown) => {
      rejected = true;
      expect(e).toEqual(new TimeoutError('c: wait timed out after 5 ms', 5));
      expect(cond.locked).toBe(true);
    });
    // Another waiter arrives after the first one timed out...
    await new Promise((r) => setTimeout(r, 20));
    expect(rejected).toBe(false); // still waiting for the lock we hold
    expect(cond.waiting).toBe(0);
    cond.release();
    await settled;
    expect(rejected).toBe(true);
    // ...and the next notify goes to a live waiter.
    const live = track(cond.wait());
    await cond.acquire();
    cond.notify();
    cond.release();
    await flush();
    expect(live.state).toBe('fulfilled');
  });

  it('abort in the same tick as notify: exactly one outcome', async () => {
    for (const abortFirst of [true, false]) {
      const cond = new Condition();
      await cond.acquire();
      const c = new AbortController();
      const aborted = track(cond.wait({ signal: c.signal }));
      await cond.acquire();
      const other = track(cond.wait());
      await cond.acquire();
      if (abortFirst) c.abort('x');
      cond.notify();
      if (!abortFirst) c.abort('x');
      cond.release();
      await flush();
      if (abortFirst) {
        // The notify went to the other waiter, not to the one that left.
        // The aborted waiter queued for the lock first (to re-take it before rejecting).
        expect(aborted.state).toBe('rejected');
        expect(other.state).toBe('pending');
        expect(cond.locked).toBe(true);
        cond.release();
        await flush();
        expect(other.state).toBe('fulfilled');
      } else {
        expect(aborted.state).toBe('fulfilled');
        expect(other.state).toBe('pending');
      }
    }
  });

  it('wait with timeout 0 rejects at once and keeps the lock', async () => {
    const cond = new Condition();
    await cond.acquire();
    await expect(cond.wait({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    expect(cond.locked).toBe(true);
    expect(cond.waiting).toBe(0);
  });

  it("waitFor returns the predicate's truthy value, checking after each wake-up", async () => {
    const cond = new Condition();
    const items: number[] = [];
    const consumer = (async () => {
      await cond.acquire();
      try {
        return await cond.waitFor(() => items.length >= 2 && items.slice());
      } finally {
        cond.release();
      }
    })();
    for (const n of [1, 2]) {
      await flush();
      await cond.runExclusive(() => {
        items.push(n);
        cond.notifyAll();
      });
    }
    expect(await consumer).toEqual([1, 2]);
    await cond.acquire();
    expect(await cond.waitFor(() => 'at once')).toBe('at once');
    cond.release();
  });

  it('waitFor times out with the whole timeout, holding the lock', async () => {
    const cond = new Condition(undefined, { name: 'c' });
    await cond.acquire();
    await expect(cond.waitFor(() => false, { timeout: 10 })).rejects.toThrow(
      new TimeoutError('c: waitFor timed out after 10 ms', 10),
    );
    expect(cond.locked).toBe(true);
    await expect(cond.waitFor(5 as unknown as () => boolean)).rejects.toThrow(TypeError);
  });

  it('waitFor passes the abort reason through', async () => {
    const cond = new Condition();
    await cond.acquire();
    const c = new AbortController();
    const w = cond.waitFor(() => false, { signal: c.signal });
    c.abort(new Error('stop'));
    await expect(w).rejects.toThrow('stop');
    expect(cond.locked).toBe(true);
  });

  it('works over any Lockable, such as a Semaphore', async () => {
    const sem = new Semaphore(1);
    const cond = new Condition(sem);
    await cond.acquire();
    const w = track(cond.wait());
    expect(sem.value).toBe(1);
    await cond.acquire();
    cond.notify();
    cond.release();
    await flush();
    expect(w.state).toBe('fulfilled');
    expect(sem.value).toBe(0);
  });

  it('a lock whose release throws fails the wait and leaves no waiter behind', async () => {
    const refusing = {
      locked: true,
      acquire: () => Promise.resolve(),
      tryAcquire: () => false,
      release: () => {
        throw new LockError('not yours');
      },
    };
    const cond = new Condition(refusing);
    await expect(cond.wait()).rejects.toThrow('not yours');
    expect(cond.waiting).toBe(0);
  });
});
