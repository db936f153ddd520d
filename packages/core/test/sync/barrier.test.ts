import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError, TimeoutError } from '../../src/index.js';
import { flush, track } from './helpers.js';

describe('Barrier', () => {
  it('validates parties and action, naming the field', () => {
    expect(() => new Barrier(0)).toThrow('parties must be a positive safe integer, got 0');
    expect(() => new Barrier('2' as unknown as number)).toThrow(TypeError);
    expect(() => new Barrier(2, { action: 3 as unknown as () => void })).toThrow(
      'action must be a function, got number 3',
    );
    expect(new Barrier(1).parties).toBe(1);
  });

  it('releases all parties together with their arrival index, in arrival order', async () => {
    const b = new Barrier(3);
    const order: number[] = [];
    const first = b.wait().then((i) => order.push(i));
    const second = b.wait().then((i) => order.push(i));
    await flush();
    expect(order).toEqual([]);
    expect(b.waiting).toBe(2);
    expect(await b.wait()).toBe(2);
    await Promise.all([first, second]);
    expect(order).toEqual([0, 1]);
    expect(b.waiting).toBe(0);
  });

  it('is cyclic: the next round works the same', async () => {
    const b = new Barrier(2);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([b.wait(), b.wait()]);
      expect(results).toEqual([0, 1]);
    }
  });

  it('runs the action once per round, before the waiters resume', async () => {
    const log: string[] = [];
    const b = new Barrier(2, { action: () => log.push('action') });
    await Promise.all([b.wait().then(() => log.push('a')), b.wait().then(() => log.push('b'))]);
    expect(log).toEqual(['action', 'a', 'b']);
  });

  it('an action that throws breaks the barrier', async () => {
    const b = new Barrier(2, {
      action: () => {
        throw new Error('bad action');
      },
    });
    const first = b.wait();
    await expect(b.wait()).rejects.toThrow('bad action');
    await expect(first).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(b.broken).toBe(true);
    await expect(b.wait()).rejects.toThrow(/the barrier is broken/);
  });

  it('a waiter that times out breaks the barrier: it gets TimeoutError, the others BrokenBarrierError', async () => {
    const b = new Barrier(3, { name: 'b' });
    const patient = b.wait();
    const hasty = b.wait({ timeout: 5 });
    await expect(hasty).rejects.toThrow(new TimeoutError('b: wait timed out after 5 ms', 5));
    await expect(patient).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(b.broken).toBe(true);
    expect(b.waiting).toBe(0);
  });

  it('timeout 0 and abort break it too', async () => {
    const b = new Barrier(2);
    await expect(b.wait({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    expect(b.broken).toBe(true);
    b.reset();
    const c = new AbortController();
    const w = b.wait({ signal: c.signal });
    c.abort('stop');
    await expect(w).rejects.toBe('stop');
    expect(b.broken).toBe(true);
  });

  it('abort() breaks it; reset() rejects the current round and makes it usable again', async () => {
    const b = new Barrier(2);
    const w = b.wait();
    b.abort();
    await expect(w).rejects.toBeInstanceOf(BrokenBarrierError);
    b.reset();
    expect(b.broken).toBe(false);
    const x = b.wait();
    b.reset();
    await expect(x).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(b.broken).toBe(false);
    expect(await Promise.all([b.wait(), b.wait()])).toEqual([0, 1]);
  });

  it('the last arrival completes the round even when an earlier waiter could time out later', async () => {
    const b = new Barrier(2);
    const first = track(b.wait({ timeout: 60_000 }));
    expect(await b.wait()).toBe(1);
    await flush();
    expect(first.state).toBe('fulfilled');
    expect(first.value).toBe(0);
  });
});
