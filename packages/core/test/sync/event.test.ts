import { describe, expect, it } from 'vitest';
import { Event, TimeoutError } from '../../src/index.js';
import { flush, track } from './helpers.js';

describe('Event', () => {
  it('starts clear; set wakes every waiter in order; clear resets', async () => {
    const e = new Event();
    expect(e.isSet()).toBe(false);
    const order: number[] = [];
    const waiters = [0, 1, 2].map((i) => e.wait().then(() => order.push(i)));
    await flush();
    expect(order).toEqual([]);
    expect(e.waiting).toBe(3);
    e.set();
    expect(e.isSet()).toBe(true);
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2]);
    await e.wait(); // set: resolves at once
    e.clear();
    expect(e.isSet()).toBe(false);
    const later = track(e.wait());
    await flush();
    expect(later.state).toBe('pending');
    e.set();
    await flush();
    expect(later.state).toBe('fulfilled');
  });

  it('wait times out with TimeoutError and leaves no waiter behind', async () => {
    const e = new Event({ name: 'stop' });
    await expect(e.wait({ timeout: 5 })).rejects.toThrow(
      new TimeoutError('stop: wait timed out after 5 ms', 5),
    );
    expect(e.waiting).toBe(0);
    await expect(e.wait({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('wait rejects with the abort reason; set in the same tick after the abort does not revive it', async () => {
    const e = new Event();
    const c = new AbortController();
    const w = track(e.wait({ signal: c.signal }));
    const other = track(e.wait());
    c.abort('bye');
    e.set();
    await flush();
    expect(w.state).toBe('rejected');
    expect(w.reason).toBe('bye');
    expect(other.state).toBe('fulfilled');
  });

  it('set before the abort in the same tick: the waiter is woken', async () => {
    const e = new Event();
    const c = new AbortController();
    const w = track(e.wait({ signal: c.signal }));
    e.set();
    c.abort('late');
    await flush();
    expect(w.state).toBe('fulfilled');
  });
});
