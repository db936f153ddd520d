// The shared primitives used from one agent (this thread), mostly through their async forms:
// close semantics, timeouts, aborts, conditions, barriers, events, re-entrancy, and the
// Atomics.waitAsync fallback.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BrokenBarrierError,
  ClosedError,
  LockError,
  SharedBarrier,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedRLock,
  SharedSemaphore,
  TimeoutError,
  findDeadlock,
  snapshot,
} from '../../src/index.js';
import { useNativeWaitAsync } from '../../src/shared/wait.js';

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  useNativeWaitAsync(true);
});

describe('SharedQueue in one agent', () => {
  it('is FIFO, reports size, and closes like the in-thread Queue', async () => {
    const queue = new SharedQueue<number>({ capacity: 3, codec: 'int32', name: 'q' });
    await queue.put(1);
    queue.putSync(2);
    expect(queue.tryPut(3)).toBe(true);
    expect(queue.tryPut(4)).toBe(false);
    expect(queue.size).toBe(3);
    queue.close();
    expect(queue.closed).toBe(true);
    await expect(queue.put(5)).rejects.toThrow(ClosedError);
    expect(() => queue.tryPut(5)).toThrow(ClosedError);
    expect(await queue.get()).toBe(1);
    expect(queue.getSync()).toBe(2);
    expect(queue.tryGet()).toEqual({ ok: true, value: 3 });
    await expect(queue.get()).rejects.toThrow(ClosedError);
    expect(() => queue.tryGet()).toThrow(ClosedError);
    expect(() => queue.getSync()).toThrow(/closed and drained/);
    queue.close(); // idempotent
  });

  it('close({ immediate: true }) drops what is left', async () => {
    const queue = new SharedQueue<string>({ capacity: 4, codec: 'utf8' });
    await queue.putMany(['a', 'b', 'c']);
    queue.close({ immediate: true });
    expect(queue.size).toBe(0);
    await expect(queue.get()).rejects.toThrow(ClosedError);
  });

  it('wakes a waiting getter and rejects a waiting putter when closed', async () => {
    const empty = new SharedQueue<number>({ capacity: 1, codec: 'float64' });
    const getting = empty.get();
    await tick();
    empty.close();
    await expect(getting).rejects.toThrow(ClosedError);

    const full = new SharedQueue<number>({ capacity: 1, codec: 'float64' });
    await full.put(1);
    const putting = full.put(2);
    await tick();
    full.close();
    await expect(putting).rejects.toThrow(ClosedError);
    expect(full.size).toBe(1);
    expect(await full.get()).toBe(1);
  });

  it('hands items from an async producer to an async consumer through a tiny queue', async () => {
    const queue = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const got: number[] = [];
    const consumer = (async () => {
      for await (const value of queue) got.push(value);
    })();
    for (let i = 0; i < 200; i++) await queue.put(i);
    queue.close();
    await consumer;
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('times out and aborts waiting calls without losing or adding items', async () => {
    const queue = new SharedQueue<number>({ capacity: 1, codec: 'float64' });
    await expect(queue.get({ timeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    expect(() => queue.getSync({ timeout: 5 })).toThrow(TimeoutError);
    await queue.put(1);
    await expect(queue.put(2, { timeout: 10 })).rejects.toThrow(/put timed out after 10 ms/);
    const controller = new AbortController();
    const putting = queue.put(3, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(putting).rejects.toThrow('stop');
    await expect(queue.get({ signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow(
      'already',
    );
    expect(queue.size).toBe(1);
    expect(await queue.get()).toBe(1);
    expect(queue.size).toBe(0);
  });

  it('getMany waits for the first item, then takes what is there', async () => {
    const queue = new SharedQueue<number>({ capacity: 8, codec: 'float64' });
    const taking = queue.getMany(5);
    await tick();
    await queue.putMany([1, 2, 3]);
    expect(await taking).toEqual([1, 2, 3]);
    queue.putManySync([4, 5, 6, 7, 8, 9, 10, 11].slice(0, 8));
    expect(queue.getManySync(3)).toEqual([4, 5, 6]);
    expect(queue.getManySync(100)).toEqual([7, 8, 9, 10, 11]);
  });

  it('putMany larger than the capacity goes through in order while a consumer drains', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32' });
    const values = Array.from({ length: 100 }, (_, i) => i);
    const got: number[] = [];
    const consumer = (async () => {
      while (got.length < 100) got.push(...(await queue.getMany(3)));
    })();
    await queue.putMany(values);
    await consumer;
    expect(got).toEqual(values);
  });

  it('works with the polling fallback where Atomics.waitAsync is missing', async () => {
    expect(useNativeWaitAsync(false)).toBe(true);
    const queue = new SharedQueue<number>({ capacity: 1, codec: 'float64' });
    const getting = queue.get();
    setTimeout(() => queue.tryPut(42), 5);
    expect(await getting).toBe(42);
    await expect(queue.get({ timeout: 10 })).rejects.toThrow(TimeoutError);
    const controller = new AbortController();
    const aborted = queue.get({ signal: controller.signal });
    controller.abort(new Error('bye'));
    await expect(aborted).rejects.toThrow('bye');
  });
});

describe('SharedLock and SharedRLock in one agent', () => {
  it('excludes async tasks, times out, aborts, and refuses a release when free', async () => {
    const lock = new SharedLock({ name: 'L' });
    expect(lock.tryAcquire()).toBe(true);
    expect(lock.locked).toBe(true);
    await expect(lock.acquire({ timeout: 10 })).rejects.toThrow(/L: acquire timed out/);
    const controller = new AbortController();
    const waiting = lock.acquire({ signal: controller.signal });
    controller.abort(new Error('no'));
    await expect(waiting).rejects.toThrow('no');
    const later = lock.acquire();
    await tick();
    lock.release();
    await later;
    lock.release();
    expect(lock.locked).toBe(false);
    expect(() => lock.release()).toThrow(LockError);
    {
      using _ = await lock.lock();
      expect(lock.locked).toBe(true);
    }
    expect(lock.locked).toBe(false);
    expect(await lock.runExclusive(() => 7)).toBe(7);
  });

  it('reports an agent waiting for a lock it holds itself as a deadlock of one', async () => {
    const lock = new SharedLock({ name: 'self' });
    await lock.acquire();
    const waiting = lock.acquire({ timeout: 5_000 }).catch(() => undefined);
    await tick(20);
    const me = snapshot().agents.find((a) => a.waitingOn?.primitive.name === 'self');
    expect(me?.waitingOn?.op).toBe('acquire');
    const deadlock = findDeadlock();
    expect(deadlock?.kind).toBe('cycle');
    expect(deadlock?.message).toMatch(
      /waits for SharedLock self since \d+ m?s.*, which it holds itself/,
    );
    lock.release();
    await waiting;
    lock.release();
  });

  it('lets the owner of a SharedRLock acquire it again, and only the owner release it', async () => {
    const rlock = new SharedRLock({ name: 'R' });
    expect(() => rlock.release()).toThrow(LockError);
    rlock.acquireSync();
    await rlock.acquire();
    expect(rlock.tryAcquire()).toBe(true);
    expect(rlock.depth).toBe(3);
    rlock.release();
    rlock.release();
    expect(rlock.locked).toBe(true);
    rlock.release();
    expect(rlock.locked).toBe(false);
    const other = SharedRLock.from(rlock.handle);
    expect(other.tryAcquire()).toBe(true); // same agent: same owner
    other.release();
  });
});

describe('SharedSemaphore, SharedEvent, SharedCondition, SharedBarrier in one agent', () => {
  it('semaphore: counts permits, waits, times out, releases many', async () => {
    const semaphore = new SharedSemaphore(1, { name: 'S' });
    await semaphore.acquire();
    expect(semaphore.tryAcquire()).toBe(false);
    await expect(semaphore.acquire({ timeout: 5 })).rejects.toThrow(TimeoutError);
    const a = semaphore.acquire();
    const b = semaphore.acquire();
    await tick();
    semaphore.release(3);
    await Promise.all([a, b]);
    expect(semaphore.value).toBe(1);
    expect(() => semaphore.release(0)).toThrow(RangeError);
  });

  it('event: wait until set, clear, wait with timeout', async () => {
    const event = new SharedEvent({ name: 'stop' });
    const waiting = event.wait();
    await tick();
    event.set();
    await waiting;
    expect(event.isSet).toBe(true);
    event.waitSync();
    event.clear();
    await expect(event.wait({ timeout: 5 })).rejects.toThrow(TimeoutError);
    expect(() => event.waitSync({ timeout: 1 })).toThrow(TimeoutError);
  });

  it('condition: wait releases the lock, notify wakes, waitFor checks the predicate', async () => {
    const condition = new SharedCondition(undefined, { name: 'items' });
    let items = 0;
    const consumer = (async () => {
      await condition.lock.acquire();
      await condition.waitFor(() => items > 0, { timeout: 10_000 });
      items--;
      condition.lock.release();
    })();
    await tick();
    await condition.lock.runExclusive(() => {
      items++;
      condition.notify();
    });
    await consumer;
    expect(items).toBe(0);
    expect(() => condition.notify()).toThrow(LockError);
    await condition.lock.acquire();
    await expect(condition.wait({ timeout: 5 })).rejects.toThrow(TimeoutError);
    expect(condition.lock.locked).toBe(true); // taken again after the timeout
    condition.lock.release();
  });

  it('condition over an RLock restores its depth after waiting', async () => {
    const condition = new SharedCondition(new SharedRLock());
    const lock = condition.lock as SharedRLock;
    await lock.acquire();
    await lock.acquire();
    await expect(condition.wait({ timeout: 5 })).rejects.toThrow(TimeoutError);
    expect(lock.depth).toBe(2);
    lock.release();
    lock.release();
  });

  it('barrier: releases all parties together, breaks on timeout, resets', async () => {
    const barrier = new SharedBarrier(3, { name: 'B' });
    const indices = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    expect(indices.sort()).toEqual([0, 1, 2]);
    const first = barrier.wait();
    await expect(barrier.wait({ timeout: 5 })).rejects.toThrow(TimeoutError);
    await expect(first).rejects.toThrow(BrokenBarrierError);
    await expect(barrier.wait()).rejects.toThrow(BrokenBarrierError);
    expect(barrier.broken).toBe(true);
    barrier.reset();
    expect(barrier.broken).toBe(false);
    expect((await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()])).sort()).toEqual([
      0, 1, 2,
    ]);
  });
});
