import { describe, expect, it } from 'vitest';
import { CancelledError, Once, Queue, RWLock, WaitGroup, select } from '../../src/index.js';
import { flush } from './helpers.js';

describe('cancelAll on RWLock, WaitGroup and Once', () => {
  it('RWLock: rejects waiting readers and writers, the holder keeps the lock', async () => {
    const rw = new RWLock({ name: 'rw' });
    await rw.acquireWrite();
    const writer = rw.acquireWrite();
    const reader = rw.acquireRead();
    expect(rw.cancelAll()).toBe(2);
    await expect(writer).rejects.toThrow(
      new CancelledError('rw: acquire (write) was cancelled by cancelAll()'),
    );
    await expect(reader).rejects.toBeInstanceOf(CancelledError);
    expect(rw.writeLocked).toBe(true);
    rw.releaseWrite();
    expect(rw.tryAcquireRead()).toBe(true); // usable, nothing left behind
  });

  it('WaitGroup: rejects waiters with the given reason, the count is unchanged', async () => {
    const group = new WaitGroup();
    group.add(1);
    const waiting = group.wait();
    const reason = new Error('shutting down');
    expect(group.cancelAll(reason)).toBe(1);
    await expect(waiting).rejects.toBe(reason);
    expect(group.count).toBe(1);
  });

  it('Once: rejects the callers waiting now, the function goes on for later ones', async () => {
    const once = new Once<number>();
    let finish!: (n: number) => void;
    const first = once.run(() => new Promise<number>((resolve) => (finish = resolve)));
    expect(once.cancelAll()).toBe(1);
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    finish(7);
    await flush();
    expect(await once.run(() => 0)).toBe(7);
  });

  it('a queue cancelling its waiters rejects a select waiting on it, taking nothing elsewhere', async () => {
    const a = new Queue<number>({ name: 'a' });
    const b = new Queue<number>({ name: 'b' });
    const selected = select([{ get: a }, { get: b }]);
    expect(a.cancelAll()).toBe(1);
    await expect(selected).rejects.toBeInstanceOf(CancelledError);
    expect(b.waitingGetters).toBe(0);
    await b.put(1);
    expect(b.size).toBe(1);
  });
});
