// Weighted acquire(n): n permits at once, all or none, for Semaphore, BoundedSemaphore and
// SharedSemaphore. In-thread waiters are served in arrival order, so a large request is not
// starved by smaller ones; the shared semaphore wakes every sleeper when a weighted one sleeps.
import { describe, expect, it } from 'vitest';
import { BoundedSemaphore, Semaphore, SharedSemaphore, TimeoutError } from '../../src/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

describe('Semaphore.acquire(n)', () => {
  it('takes n permits at once, or waits until n are free', async () => {
    const sem = new Semaphore(5);
    await sem.acquire(3);
    expect(sem.value).toBe(2);
    let got = false;
    const big = sem.acquire(4).then(() => (got = true));
    await tick();
    expect(got).toBe(false);
    expect(sem.value).toBe(2); // all or none: nothing taken while it waits
    sem.release(2);
    await big;
    expect(sem.value).toBe(0);
  });

  it('serves waiters in arrival order: smaller requests wait behind a large one', async () => {
    const sem = new Semaphore(0);
    const order: string[] = [];
    const big = sem.acquire(3).then(() => order.push('big'));
    const small = sem.acquire(1).then(() => order.push('small'));
    expect(sem.tryAcquire()).toBe(false); // somebody waits first
    sem.release(1);
    await tick();
    expect(order).toEqual([]); // the 1 permit is kept for the big request at the head
    sem.release(3);
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
  });

  it('lets the requests behind go when the large one at the head gives up', async () => {
    const sem = new Semaphore(1);
    const big = sem.acquire(5, { timeout: 20 });
    const small = sem.acquire(1);
    await expect(big).rejects.toThrow(TimeoutError);
    await small;
    expect(sem.value).toBe(0);
  });

  it('refuses a bad count, and a BoundedSemaphore request above its bound', async () => {
    await expect(new Semaphore(1).acquire(0)).rejects.toThrow(
      'permits must be a positive safe integer, got 0',
    );
    await expect(new Semaphore(1).acquire(1.5)).rejects.toThrow(RangeError);
    const bounded = new BoundedSemaphore(2);
    await expect(bounded.acquire(3)).rejects.toThrow(/asks for more than its 2 permits/);
    expect(bounded.tryAcquire(2)).toBe(true);
    bounded.release(2);
    expect(() => bounded.release()).toThrow(RangeError);
  });
});

describe('SharedSemaphore.acquire(n)', () => {
  it('takes n permits at once, all or none, sync and async', async () => {
    const sem = new SharedSemaphore(5);
    sem.acquireSync(3);
    expect(sem.value).toBe(2);
    expect(sem.tryAcquire(3)).toBe(false);
    expect(sem.value).toBe(2);
    expect(() => sem.acquireSync(3, { timeout: 5 })).toThrow(TimeoutError);
    const big = sem.acquire(4, { timeout: 10_000 });
    await tick();
    sem.release(2);
    await big;
    expect(sem.value).toBe(0);
  });

  it('a release that the weighted waiter cannot use still reaches a single waiter', async () => {
    const sem = new SharedSemaphore(0);
    const big = sem.acquire(3, { timeout: 10_000 });
    const small = sem.acquire({ timeout: 10_000 });
    await tick();
    sem.release(1); // woken: both; only the single one can take it
    await small;
    sem.release(3);
    await big;
    expect(sem.value).toBe(0);
  });

  it('refuses a bad count', async () => {
    const sem = new SharedSemaphore(1);
    await expect(sem.acquire(0)).rejects.toThrow('permits must be a positive safe integer, got 0');
    expect(() => sem.tryAcquire(-1)).toThrow(RangeError);
  });
});
