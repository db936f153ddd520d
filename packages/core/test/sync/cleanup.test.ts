/**
 * A waiter that is served, times out, is aborted or is rejected by close() leaves nothing
 * behind: no listener on its AbortSignal and no pending timer. Checked for every waiting call.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Barrier, Condition, Event, Lock, Queue, Semaphore } from '../../src/index.js';
import { flush } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A waiting call, how to serve it, and how many other parties must be around first. */
interface Case {
  name: string;
  /** Makes the primitive and returns a function starting one wait, and one serving it. */
  setup(): Promise<{
    wait: (options: { timeout?: number; signal?: AbortSignal }) => Promise<unknown>;
    serve: () => void | Promise<void>;
    close?: () => void;
  }>;
}

const cases: Case[] = [
  {
    name: 'Lock.acquire',
    async setup() {
      const lock = new Lock();
      await lock.acquire();
      return { wait: (o) => lock.acquire(o), serve: () => lock.release() };
    },
  },
  {
    name: 'Semaphore.acquire',
    async setup() {
      const sem = new Semaphore(0);
      return { wait: (o) => sem.acquire(o), serve: () => sem.release() };
    },
  },
  {
    name: 'Condition.wait',
    async setup() {
      const cond = new Condition();
      return {
        wait: async (o) => {
          await cond.acquire();
          try {
            await cond.wait(o);
          } finally {
            cond.release();
          }
        },
        serve: () => cond.runExclusive(() => cond.notify()),
      };
    },
  },
  {
    name: 'Event.wait',
    async setup() {
      const event = new Event();
      return { wait: (o) => event.wait(o), serve: () => event.set() };
    },
  },
  {
    name: 'Barrier.wait',
    async setup() {
      const barrier = new Barrier(2);
      return { wait: (o) => barrier.wait(o), serve: () => void barrier.wait() };
    },
  },
  {
    name: 'Queue.get',
    async setup() {
      const queue = new Queue<number>();
      return {
        wait: (o) => queue.get(o),
        serve: () => void queue.tryPut(1),
        close: () => queue.close(),
      };
    },
  },
  {
    name: 'Queue.put',
    async setup() {
      const queue = new Queue<number>({ capacity: 1 });
      queue.tryPut(0);
      return {
        wait: (o) => queue.put(1, o),
        serve: () => void queue.tryGet(),
        close: () => queue.close(),
      };
    },
  },
  {
    name: 'Queue.join',
    async setup() {
      const queue = new Queue<number>();
      queue.tryPut(0);
      queue.tryGet();
      return { wait: (o) => queue.join(o), serve: () => queue.taskDone() };
    },
  },
];

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe.each(cases)('$name leaves nothing behind', ({ setup }) => {
  it('when served: the abort listener is removed and the timer cleared', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { wait, serve } = await setup();
    const controller = new AbortController();
    const waiting = wait({ timeout: 60_000, signal: controller.signal });
    await flush();
    expect(listeners(controller.signal)).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    await serve();
    await waiting;
    expect(listeners(controller.signal)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when it times out: the abort listener is removed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { wait } = await setup();
    const controller = new AbortController();
    const waiting = wait({ timeout: 10, signal: controller.signal });
    const outcome = waiting.then(
      () => 'resolved',
      (error: unknown) => (error as Error).name,
    );
    await flush();
    await vi.advanceTimersByTimeAsync(10);
    expect(await outcome).toBe('TimeoutError');
    expect(listeners(controller.signal)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when aborted: the timer is cleared and the listener gone', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { wait } = await setup();
    const controller = new AbortController();
    const reason = new Error('stop');
    const waiting = wait({ timeout: 60_000, signal: controller.signal });
    await flush();
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(listeners(controller.signal)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe.each(cases.filter((c) => c.name.startsWith('Queue.get') || c.name === 'Queue.put'))(
  '$name rejected by close()',
  ({ setup }) => {
    it('leaves no listener and no timer', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { wait, close } = await setup();
      const controller = new AbortController();
      const waiting = wait({ timeout: 60_000, signal: controller.signal });
      await flush();
      close?.();
      await expect(waiting).rejects.toMatchObject({ name: 'ClosedError' });
      expect(listeners(controller.signal)).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });
  },
);
