// Timeouts above Node's 2^31-1 ms timer limit: setTimeout would fire them after about 1 ms, so
// waits chain timers instead. Checked with fake timers: nothing here waits for real.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Barrier,
  Condition,
  Event,
  Lock,
  Queue,
  Semaphore,
  TimeoutError,
} from '../../src/index.js';

const MAX = 2 ** 31 - 1;
const HUGE = 2 ** 31 + 5_000; // past the limit
const settled = async (promise: Promise<unknown>): Promise<string> => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    (error: Error) => (state = error.name),
  );
  await vi.advanceTimersByTimeAsync(0);
  return state;
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('in-thread waits with a timeout past 2^31-1 ms', () => {
  const cases: [string, () => Promise<unknown>][] = [
    [
      'Lock.acquire',
      () => {
        const lock = new Lock();
        void lock.acquire();
        return lock.acquire({ timeout: HUGE });
      },
    ],
    ['Semaphore.acquire', () => new Semaphore(0).acquire({ timeout: HUGE })],
    [
      'Condition.wait',
      () => {
        const condition = new Condition();
        return condition.lock.acquire().then(() => condition.wait({ timeout: HUGE }));
      },
    ],
    ['Event.wait', () => new Event().wait({ timeout: HUGE })],
    ['Barrier.wait', () => new Barrier(2).wait({ timeout: HUGE })],
    ['Queue.get', () => new Queue<number>().get({ timeout: HUGE })],
    [
      'Queue.put',
      () => {
        const queue = new Queue<number>({ capacity: 1 });
        void queue.put(1);
        return queue.put(2, { timeout: HUGE });
      },
    ],
  ];
  for (const [what, start] of cases) {
    it(`${what} waits the whole timeout, then rejects with TimeoutError`, async () => {
      const waiting = start();
      waiting.catch(() => {});
      await vi.advanceTimersByTimeAsync(10);
      expect(await settled(waiting)).toBe('pending');
      await vi.advanceTimersByTimeAsync(MAX);
      expect(await settled(waiting)).toBe('pending');
      await vi.advanceTimersByTimeAsync(HUGE - MAX - 20);
      expect(await settled(waiting)).toBe('pending');
      await vi.advanceTimersByTimeAsync(20);
      expect(await settled(waiting)).toBe('TimeoutError');
      await expect(waiting).rejects.toThrow(TimeoutError);
      await expect(waiting).rejects.toThrow(`timed out after ${HUGE} ms`);
    });
  }

  it('a barrier is not broken by a huge timeout', async () => {
    const barrier = new Barrier(2);
    const first = barrier.wait({ timeout: HUGE });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(barrier.broken).toBe(false);
    await expect(barrier.wait()).resolves.toBe(1);
    await expect(first).resolves.toBe(0);
  });

  it('leaves no timer behind once served', async () => {
    const event = new Event();
    const waiting = event.wait({ timeout: HUGE * 3 });
    await vi.advanceTimersByTimeAsync(MAX + 1);
    event.set();
    await waiting;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('longTimeout', () => {
  it('fires after the whole delay, in links of at most 2^31-1 ms, and can be cancelled', async () => {
    const { longTimeout } = await import('../../src/sync/timer.js');
    let fired = 0;
    longTimeout(() => fired++, HUGE);
    await vi.advanceTimersByTimeAsync(HUGE - 1);
    expect(fired).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toBe(1);
    const cancelled = longTimeout(() => fired++, HUGE);
    await vi.advanceTimersByTimeAsync(MAX + 10);
    cancelled.cancel();
    await vi.advanceTimersByTimeAsync(HUGE);
    expect(fired).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
