import { describe, expect, it } from 'vitest';
import { BoundedSemaphore, Semaphore, TimeoutError } from '../../src/index.js';
import { flush, track } from './helpers.js';

describe('Semaphore', () => {
  it('counts permits: acquire takes one, release gives one back', async () => {
    const s = new Semaphore(2);
    expect(s.value).toBe(2);
    await s.acquire();
    await s.acquire();
    expect(s.value).toBe(0);
    expect(s.locked).toBe(true);
    expect(s.tryAcquire()).toBe(false);
    s.release();
    expect(s.value).toBe(1);
    expect(s.tryAcquire()).toBe(true);
  });

  it('defaults to one permit and names itself', () => {
    expect(new Semaphore().value).toBe(1);
    expect(new Semaphore(0).value).toBe(0);
    expect(new Semaphore(1, { name: 'slots' }).name).toBe('slots');
    expect(new Semaphore().name).toMatch(/^Semaphore#\d+$/);
    expect(new BoundedSemaphore().name).toMatch(/^BoundedSemaphore#\d+$/);
    expect(new BoundedSemaphore().kind).toBe('BoundedSemaphore');
  });

  it('validates value and n, naming the field', () => {
    expect(() => new Semaphore(-1)).toThrow('value must be a non-negative safe integer, got -1');
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore('2' as unknown as number)).toThrow(TypeError);
    expect(() => new BoundedSemaphore(-3)).toThrow(/value/);
    const s = new Semaphore(0);
    expect(() => s.release(0)).toThrow('n must be a positive safe integer, got 0');
    expect(s.value).toBe(0);
  });

  it('hands released permits to waiters in FIFO order', async () => {
    const s = new Semaphore(0);
    const order: number[] = [];
    const waiters = [0, 1, 2, 3].map((i) => s.acquire().then(() => order.push(i)));
    s.release();
    // The permit went to waiter 0: a newcomer finds none.
    expect(s.value).toBe(0);
    expect(s.tryAcquire()).toBe(false);
    s.release(3);
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(s.value).toBe(0);
  });

  it('release(n) wakes up to n waiters and keeps the rest', async () => {
    const s = new Semaphore(0);
    const a = track(s.acquire());
    s.release(3);
    await flush();
    expect(a.state).toBe('fulfilled');
    expect(s.value).toBe(2);
  });

  it('a timed-out waiter takes no permit and the next release goes to a live waiter', async () => {
    const s = new Semaphore(0, { name: 'sem' });
    const late = s.acquire({ timeout: 5 });
    const live = track(s.acquire());
    await expect(late).rejects.toThrow(new TimeoutError('sem: acquire timed out after 5 ms', 5));
    s.release();
    await flush();
    expect(live.state).toBe('fulfilled');
    expect(s.value).toBe(0);
    expect(s.waiting).toBe(0);
  });

  it('abort at the same tick as a release: exactly one outcome, permit count right', async () => {
    for (const abortFirst of [true, false]) {
      const s = new Semaphore(0);
      const controller = new AbortController();
      const waiter = track(s.acquire({ signal: controller.signal }));
      if (abortFirst) controller.abort(new Error('x'));
      s.release();
      if (!abortFirst) controller.abort(new Error('x'));
      await flush();
      if (abortFirst) {
        expect(waiter.state).toBe('rejected');
        expect(s.value).toBe(1); // the permit was not lost
      } else {
        expect(waiter.state).toBe('fulfilled');
        expect(s.value).toBe(0); // the waiter holds it
      }
    }
  });

  it('lock() and runExclusive hold one permit', async () => {
    const s = new Semaphore(2);
    {
      using _ = await s.lock();
      expect(s.value).toBe(1);
    }
    expect(s.value).toBe(2);
    expect(await s.runExclusive(() => s.value)).toBe(1);
    expect(s.value).toBe(2);
  });
});

describe('BoundedSemaphore', () => {
  it('throws RangeError saying what happened when released too many times', async () => {
    const s = new BoundedSemaphore(2, { name: 'pool' });
    await s.acquire();
    s.release();
    expect(() => s.release()).toThrow(RangeError);
    expect(() => s.release()).toThrow(
      'pool: released too many times (2 of 2 permits free, release(1) would make 3)',
    );
    expect(s.value).toBe(2);
    await s.acquire();
    expect(() => s.release(2)).toThrow(/release\(2\) would make 3/);
    expect(s.value).toBe(1);
    s.release();
    expect(s.bound).toBe(2);
  });

  it('allows handing permits to waiters up to the bound', async () => {
    const s = new BoundedSemaphore(1);
    await s.acquire();
    const w = track(s.acquire());
    s.release();
    await flush();
    expect(w.state).toBe('fulfilled');
    s.release();
    expect(s.value).toBe(1);
    expect(() => s.release()).toThrow(RangeError);
  });
});
