// Event and barrier semantics as CPython's, in one agent: a set() immediately followed by clear()
// still wakes every waiter that was waiting at the set (CPython issue 13502), and a barrier
// reset() makes re-entering parties wait for the next round rather than break it.
import { describe, expect, it } from 'vitest';
import { SharedBarrier, SharedEvent } from '../../src/index.js';

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('SharedEvent', () => {
  it('wakes every waiter of a set() that is cleared at once (issue 13502)', async () => {
    const event = new SharedEvent({ name: 'flash' });
    const waits = Array.from({ length: 5 }, () => event.wait({ timeout: 10_000 }));
    await tick();
    event.set();
    event.clear();
    await expect(Promise.all(waits)).resolves.toHaveLength(5);
    expect(event.isSet).toBe(false);
  });

  it('makes a wait that starts after the clear wait for the next set()', async () => {
    const event = new SharedEvent();
    event.set();
    event.clear();
    await expect(event.wait({ timeout: 20 })).rejects.toThrow('timed out');
    expect(() => event.waitSync({ timeout: 1 })).toThrow('timed out');
  });

  it('counts set() calls in its generation only when the flag goes up', () => {
    const event = new SharedEvent();
    const before = event.generation;
    event.set();
    event.set();
    expect(event.generation).toBe(before + 1);
    event.clear();
    event.set();
    expect(event.generation).toBe(before + 2);
  });
});

describe('SharedBarrier', () => {
  it('reset() breaks the waiting round, and parties that re-enter at once join the new round', async () => {
    const barrier = new SharedBarrier(3, { name: 'gate' });
    const first = [barrier.wait({ timeout: 10_000 }), barrier.wait({ timeout: 10_000 })];
    await tick();
    expect(barrier.waiting).toBe(2);
    barrier.reset();
    expect(barrier.broken).toBe(false);
    expect(barrier.waiting).toBe(0);
    // Re-enter right away, as a party catching BrokenBarrierError would: the new round fills.
    const second = [barrier.wait({ timeout: 10_000 }), barrier.wait({ timeout: 10_000 })];
    for (const w of first) await expect(w).rejects.toThrow(/it was reset while this party waited/);
    const last = await barrier.wait({ timeout: 10_000 });
    expect([last, ...(await Promise.all(second))].sort()).toEqual([0, 1, 2]);
  });
});
