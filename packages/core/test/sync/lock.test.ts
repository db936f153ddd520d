import { describe, expect, it } from 'vitest';
import {
  Lock,
  LockError,
  LockGuard,
  TimeoutError,
  setTracer,
  type TraceEvent,
} from '../../src/index.js';
import { flush, track } from './helpers.js';

describe('Lock', () => {
  it('is free at first, taken by acquire, freed by release', async () => {
    const lock = new Lock();
    expect(lock.locked).toBe(false);
    await lock.acquire();
    expect(lock.locked).toBe(true);
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('names itself Lock#id by default, or by the name option', () => {
    expect(new Lock().name).toMatch(/^Lock#\d+$/);
    expect(new Lock({ name: 'producer_lock' }).name).toBe('producer_lock');
    expect(new Lock().kind).toBe('Lock');
  });

  it('validates its options, naming the field', () => {
    expect(() => new Lock({ name: 5 as unknown as string })).toThrow(
      new TypeError('name must be a string, got number 5'),
    );
    expect(() => new Lock(3 as unknown as object)).toThrow(/options must be an object/);
  });

  it('tryAcquire takes a free lock and refuses a held one', () => {
    const lock = new Lock();
    expect(lock.tryAcquire()).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    lock.release();
    expect(lock.tryAcquire()).toBe(true);
  });

  it('throws LockError saying what happened when released while not held', () => {
    const lock = new Lock({ name: 'l' });
    expect(() => lock.release()).toThrow(LockError);
    expect(() => lock.release()).toThrow('l: release of an unlocked Lock (nobody holds it)');
  });

  it('may be released by a task other than the one that acquired it (like Python)', async () => {
    const lock = new Lock();
    await lock.acquire();
    const other = (async () => lock.release())();
    await other;
    expect(lock.locked).toBe(false);
  });

  it('serves waiters in FIFO order and hands the lock over without letting others barge in', async () => {
    const lock = new Lock();
    await lock.acquire();
    const order: number[] = [];
    const waiters = [0, 1, 2, 3, 4].map((i) =>
      lock.acquire().then(() => {
        order.push(i);
        lock.release();
      }),
    );
    expect(lock.waiting).toBe(5);
    lock.release();
    // The lock went to waiter 0 at once: a newcomer cannot take it.
    expect(lock.locked).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(lock.locked).toBe(false);
  });

  it('a second acquire by the same task waits (not re-entrant), found by a timeout', async () => {
    const lock = new Lock({ name: 'producer_lock' });
    await lock.acquire();
    const error = await lock.acquire({ timeout: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe('producer_lock: acquire timed out after 20 ms');
    expect((error as TimeoutError).timeout).toBe(20);
    expect(lock.waiting).toBe(0);
  });

  it('timeout 0 means only if free now', async () => {
    const lock = new Lock();
    await lock.acquire({ timeout: 0 });
    await expect(lock.acquire({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    expect(lock.waiting).toBe(0);
  });

  it('rejects with signal.reason on abort, and with it at once when already aborted', async () => {
    const lock = new Lock();
    const pre = new AbortController();
    pre.abort(new Error('gone'));
    // An aborted signal refuses even a free lock, and takes nothing.
    await expect(lock.acquire({ signal: pre.signal })).rejects.toThrow('gone');
    expect(lock.locked).toBe(false);

    await lock.acquire();
    const controller = new AbortController();
    const waiting = lock.acquire({ signal: controller.signal });
    controller.abort('stop');
    await expect(waiting).rejects.toBe('stop');
    expect(lock.waiting).toBe(0);
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('a waiter that gives up is skipped: the next waiter gets the lock', async () => {
    const lock = new Lock();
    await lock.acquire();
    const controller = new AbortController();
    const first = track(lock.acquire({ signal: controller.signal }));
    const second = track(lock.acquire());
    controller.abort(new Error('first leaves'));
    lock.release();
    await flush();
    expect(first.state).toBe('rejected');
    expect(second.state).toBe('fulfilled');
    expect(lock.locked).toBe(true);
  });

  it('abort in the same tick as the release: the grant wins, nothing is lost', async () => {
    const lock = new Lock();
    await lock.acquire();
    const controller = new AbortController();
    const waiter = track(lock.acquire({ signal: controller.signal }));
    lock.release(); // hands the lock to the waiter...
    controller.abort(new Error('too late')); // ...so this abort must not undo it
    await flush();
    expect(waiter.state).toBe('fulfilled');
    expect(lock.locked).toBe(true);
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('abort before the release in the same tick: the waiter leaves, the lock becomes free', async () => {
    const lock = new Lock();
    await lock.acquire();
    const controller = new AbortController();
    const waiter = track(lock.acquire({ signal: controller.signal }));
    controller.abort(new Error('left'));
    lock.release();
    await flush();
    expect(waiter.state).toBe('rejected');
    expect(lock.locked).toBe(false);
  });

  it('rejects bad options without waiting', async () => {
    const lock = new Lock();
    await expect(lock.acquire({ timeout: -1 })).rejects.toThrow(RangeError);
    await expect(lock.acquire({ signal: {} as AbortSignal })).rejects.toThrow(
      /signal must be an AbortSignal/,
    );
    await expect(lock.acquire(null as unknown as object)).rejects.toThrow(TypeError);
    expect(lock.locked).toBe(false);
  });

  it('lock() returns a guard released by using, once', async () => {
    const lock = new Lock();
    {
      using guard = await lock.lock();
      expect(guard).toBeInstanceOf(LockGuard);
      expect(guard.active).toBe(true);
      expect(lock.locked).toBe(true);
      guard.release();
      expect(guard.active).toBe(false);
      await lock.acquire(); // someone else holds it now; the dispose must not release theirs
    }
    expect(lock.locked).toBe(true);
    lock.release();
  });

  it('using releases when the block throws', async () => {
    const lock = new Lock();
    const body = async () => {
      using _ = await lock.lock();
      throw new Error('boom');
    };
    await expect(body()).rejects.toThrow('boom');
    expect(lock.locked).toBe(false);
  });

  it('runExclusive runs one at a time, returns the result and releases on error', async () => {
    const lock = new Lock();
    let inside = 0;
    let most = 0;
    const run = () =>
      lock.runExclusive(async () => {
        inside++;
        most = Math.max(most, inside);
        await flush();
        inside--;
        return 7;
      });
    expect(await Promise.all([run(), run(), run()])).toEqual([7, 7, 7]);
    expect(most).toBe(1);
    await expect(
      lock.runExclusive(() => {
        throw new Error('inner');
      }),
    ).rejects.toThrow('inner');
    expect(lock.locked).toBe(false);
    await expect(lock.runExclusive(5 as unknown as () => void)).rejects.toThrow(TypeError);
    expect(lock.locked).toBe(false);
  });

  it('reports created, acquire, acquired, release and timeout to the tracer', async () => {
    const events: TraceEvent[] = [];
    let agent = 'a';
    const previous = setTracer({ event: (e) => events.push(e), agent: () => agent });
    try {
      const lock = new Lock({ name: 'traced' });
      await lock.acquire();
      agent = 'b';
      const waiting = lock.acquire();
      agent = 'a';
      lock.release();
      await waiting;
      await lock.acquire({ timeout: 1 }).catch(() => undefined);
    } finally {
      setTracer(previous);
    }
    expect(events.map((e) => `${e.kind}:${e.agent}`)).toEqual([
      'created:a',
      'acquired:a',
      'acquire:b',
      'release:a',
      'acquired:b',
      'acquire:a',
      'timeout:a',
    ]);
    expect(events[1]?.detail).toEqual({ waited: false });
    expect(events[4]?.detail).toEqual({ waited: true });
    expect(events.every((e) => e.primitive === 'Lock' && e.name === 'traced')).toBe(true);
  });
});
