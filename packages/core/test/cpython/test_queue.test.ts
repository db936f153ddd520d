// CPython's Lib/test/test_queue.py (3.13, with shutdown), case by case, for Queue, LifoQueue,
// PriorityQueue and SharedQueue. Each CPython thread is an async task here (the
// SharedQueue's cross-agent cases are in the worker_threads suites). Each test is named after
// the CPython case; the deliberate differences are listed in the README ("Python parity").
import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  EMPTY,
  Event,
  LifoQueue,
  PriorityQueue,
  Queue,
  SharedQueue,
  TimeoutError,
} from '../../src/index.js';
import { Bunch, outcome, settle, until } from './helpers.js';

const QUEUE_SIZE = 5;

interface QueueUnderTest {
  readonly size: number;
  readonly capacity: number;
  readonly closed: boolean;
  put(value: number | string, options?: { timeout?: number }): Promise<void>;
  get(options?: { timeout?: number }): Promise<number | string>;
  tryPut(value: number | string): boolean;
  tryGet(): { readonly ok: boolean };
  close(options?: { immediate?: boolean }): void;
  taskDone?(): void;
  join?(): Promise<void>;
  readonly unfinishedTasks?: number;
}

const kinds: [string, number[], (capacity?: number) => QueueUnderTest][] = [
  [
    'Queue',
    [111, 333, 222],
    (capacity) => new Queue<number | string>({ capacity: capacity ?? Infinity }),
  ],
  [
    'LifoQueue',
    [222, 333, 111],
    (capacity) => new LifoQueue<number | string>({ capacity: capacity ?? Infinity }),
  ],
  [
    'PriorityQueue',
    [111, 222, 333],
    (capacity) =>
      new PriorityQueue<number | string>({
        capacity: capacity ?? Infinity,
        compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      }),
  ],
  [
    'SharedQueue',
    [111, 333, 222],
    // SharedQueue is always bounded (Python's maxsize=0 has no shared counterpart).
    (capacity) => new SharedQueue<number | string>({ capacity: capacity ?? 1024, codec: 'json' }),
  ],
];

const full = (q: QueueUnderTest): boolean => q.size === q.capacity;

/** CPython's do_blocking_test: `block` must not settle until `trigger` has run. */
async function blocking<T>(block: Promise<T>, trigger: () => unknown): Promise<T> {
  let triggered = false;
  let settled = false;
  void block.then(
    () => (settled = true),
    () => (settled = true),
  );
  await settle();
  expect(settled).toBe(false);
  triggered = true;
  await trigger();
  const result = await block;
  expect(triggered).toBe(true);
  return result;
}

describe.each(kinds)('BaseQueueTestMixin: %s', (kind, order, make) => {
  async function basicQueueTest(q: QueueUnderTest): Promise<void> {
    expect(q.size).toBe(0);
    expect(full(q)).toBe(false);
    await q.put(111);
    await q.put(333);
    await q.put(222);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(order);
    for (let i = 0; i < QUEUE_SIZE - 1; i++) {
      await q.put(i);
      expect(q.size).toBeGreaterThan(0);
    }
    expect(full(q)).toBe(false);
    const last = 2 * QUEUE_SIZE;
    const fullValue = 3 * 2 * QUEUE_SIZE;
    await q.put(last);
    expect(full(q)).toBe(true);
    expect(q.tryPut(fullValue)).toBe(false); // Python: put(block=0) raises Full
    await expect(q.put(fullValue, { timeout: 10 })).rejects.toThrow(TimeoutError); // Full
    await blocking(q.put(fullValue), () => q.get());
    await blocking(q.put(fullValue, { timeout: 10_000 }), () => q.get());
    for (let i = 0; i < QUEUE_SIZE; i++) await q.get();
    expect(q.size).toBe(0);
    expect(q.tryGet()).toBe(EMPTY); // Python: get(block=0) raises Empty
    await expect(q.get({ timeout: 10 })).rejects.toThrow(TimeoutError); // Empty
    await blocking(q.get(), () => q.put('empty'));
    await blocking(q.get({ timeout: 10_000 }), () => q.put('empty'));
  }

  it('test_basic', async () => {
    const q = make(QUEUE_SIZE);
    await basicQueueTest(q);
    await basicQueueTest(q);
  });

  it('test_queue_task_done', () => {
    const q = make();
    if (q.taskDone === undefined) return; // SharedQueue has no taskDone/join
    expect(() => q.taskDone!()).toThrow(RangeError); // Python: ValueError
  });

  it('test_queue_join', async () => {
    const q = make();
    if (q.join === undefined) return;
    const queueJoinTest = async (): Promise<void> => {
      let cum = 0;
      const workers = new Bunch(async () => {
        for (;;) {
          const x = (await q.get()) as number;
          if (x < 0) {
            q.taskDone!();
            return;
          }
          cum += x;
          q.taskDone!();
        }
      }, 2);
      for (let i = 0; i < 100; i++) await q.put(i);
      await q.join!();
      expect(cum).toBe(4950);
      for (let i = 0; i < 2; i++) await q.put(-1);
      await q.join!(); // verify that you can join twice
      await workers.done;
    };
    await queueJoinTest();
    await queueJoinTest();
    expect(() => q.taskDone!()).toThrow(RangeError);
  });

  it('test_negative_timeout_raises_exception', async () => {
    const q = make(QUEUE_SIZE);
    await expect(q.put(1, { timeout: -1 })).rejects.toThrow(RangeError);
    await expect(q.get({ timeout: -1 })).rejects.toThrow(RangeError);
  });

  it('test_nowait', () => {
    const q = make(QUEUE_SIZE);
    for (let i = 0; i < QUEUE_SIZE; i++) expect(q.tryPut(1)).toBe(true);
    expect(q.tryPut(1)).toBe(false);
    for (let i = 0; i < QUEUE_SIZE; i++) expect(q.tryGet().ok).toBe(true);
    expect(q.tryGet()).toBe(EMPTY);
  });

  it('test_shutdown_empty', async () => {
    const q = make();
    q.close();
    await expect(q.put('data')).rejects.toThrow(ClosedError);
    await expect(q.get()).rejects.toThrow(ClosedError);
  });

  it('test_shutdown_nonempty', async () => {
    const q = make();
    await q.put('data');
    q.close();
    await q.get();
    await expect(q.get()).rejects.toThrow(ClosedError);
  });

  it('test_shutdown_immediate', async () => {
    const q = make();
    await q.put('data');
    q.close({ immediate: true });
    await expect(q.get()).rejects.toThrow(ClosedError);
  });

  it('test_shutdown_allowed_transitions', () => {
    const q = make();
    expect(q.closed).toBe(false);
    q.close();
    expect(q.closed).toBe(true);
    q.close({ immediate: true });
    expect(q.closed).toBe(true);
    q.close({ immediate: false });
  });

  async function shutdownAllMethodsInOneThread(immediate: boolean): Promise<void> {
    const q = make(2);
    await q.put('L');
    expect(q.tryPut('O')).toBe(true);
    q.close({ immediate });
    await expect(q.put('E')).rejects.toThrow(ClosedError);
    expect(() => q.tryPut('W')).toThrow(ClosedError);
    if (immediate) {
      await expect(q.get()).rejects.toThrow(ClosedError);
      expect(() => q.tryGet()).toThrow(ClosedError);
      if (q.taskDone) {
        // Python 3.13 discounts the dropped items from the unfinished count.
        expect(() => q.taskDone!()).toThrow(RangeError);
        await q.join!();
      }
    } else {
      expect('LO').toContain(await q.get());
      q.taskDone?.();
      expect('LO').toContain(await q.get());
      q.taskDone?.();
      await q.join?.();
      await expect(q.get()).rejects.toThrow(ClosedError);
      expect(() => q.tryGet()).toThrow(ClosedError);
      await expect(q.get({ timeout: 1000 })).rejects.toThrow(ClosedError);
    }
  }

  it('test_shutdown_all_methods_in_one_thread', () => shutdownAllMethodsInOneThread(false));
  it('test_shutdown_immediate_all_methods_in_one_thread', () =>
    shutdownAllMethodsInOneThread(true));

  async function shutdownAllMethodsInManyThreads(immediate: boolean): Promise<void> {
    const q = make(kind === 'SharedQueue' ? 1024 : undefined);
    const writers = 4;
    const readers = 6;
    const messages = 1024 * 4;
    const perWriter = messages / writers;
    const whenShutdown = perWriter / 2;
    const resPuts: boolean[] = [];
    const resGets: boolean[] = [];
    const resShutdown: boolean[] = [];
    const shutdownNow = new Event();
    let started = 0;
    const everyoneStarted = (): Promise<void> => until(() => started === writers + readers);
    const all = [
      ...Array.from({ length: writers }, async () => {
        for (let i = 0; i < whenShutdown / 2; i++) await q.put(i);
        started++;
        await everyoneStarted();
        for (let i = whenShutdown / 2; i < perWriter; i++) {
          try {
            await q.put(i);
          } catch (error) {
            if (!(error instanceof ClosedError)) throw error;
            resPuts.push(false);
            break;
          }
          if (i === whenShutdown && !shutdownNow.isSet()) {
            shutdownNow.set();
            resPuts.push(true);
          }
        }
      }),
      ...Array.from({ length: readers }, async () => {
        await q.get();
        q.taskDone?.();
        started++;
        await everyoneStarted();
        for (;;) {
          try {
            const got = q.tryGet();
            if (got.ok) q.taskDone?.();
            else await settle(1);
          } catch (error) {
            if (!(error instanceof ClosedError)) throw error;
            resGets.push(true);
            break;
          }
        }
      }),
      (async () => {
        await shutdownNow.wait();
        q.close({ immediate });
        resShutdown.push(q.size === 0);
      })(),
    ];
    await Promise.all(all);
    expect(resPuts).toContain(true);
    expect(resGets.filter(Boolean).length).toBe(readers);
    if (immediate) expect(resShutdown).toEqual([true]);
  }

  it('test_shutdown_all_methods_in_many_threads', () => shutdownAllMethodsInManyThreads(false));
  it('test_shutdown_immediate_all_methods_in_many_threads', () =>
    shutdownAllMethodsInManyThreads(true));

  async function shutdownGet(immediate: boolean): Promise<void> {
    const q = make(2);
    await q.put('Y');
    await q.put('D');
    const n = immediate ? 2 : 3;
    const gets = Array.from({ length: n }, () => outcome(q.get()));
    q.close({ immediate });
    const results = await Promise.all(gets);
    if (immediate) {
      // Python's getters start after the shutdown (go.set() follows it) and all see ShutDown
      // (that case is below). Ours were called before the close, with two items there: each
      // took one at once, so the immediate close had nothing left to drop.
      expect(results).toEqual(['resolved', 'resolved']);
    } else {
      expect(results.sort()).toEqual(['ClosedError', 'resolved', 'resolved']);
    }
  }

  it('test_shutdown_get', () => shutdownGet(false));
  it('test_shutdown_immediate_get', async () => {
    // Getters that start after an immediate close, as in Python: all see ShutDown.
    const q = make(2);
    await q.put('Y');
    await q.put('D');
    q.close({ immediate: true });
    expect(await Promise.all([outcome(q.get()), outcome(q.get())])).toEqual([
      'ClosedError',
      'ClosedError',
    ]);
    await shutdownGet(true);
  });

  async function shutdownPut(immediate: boolean): Promise<void> {
    const q = make(2);
    await q.put('Y');
    await q.put('D');
    const puts = [outcome(q.put('E')), outcome(q.put('W'))];
    q.close({ immediate });
    expect(await Promise.all(puts)).toEqual(['ClosedError', 'ClosedError']);
  }

  it('test_shutdown_put', () => shutdownPut(false));
  it('test_shutdown_immediate_put', () => shutdownPut(true));

  async function shutdownJoin(immediate: boolean): Promise<void> {
    const q = make();
    if (q.join === undefined) return;
    await q.put('Y');
    const joins = [outcome(q.join()), outcome(q.join())];
    const getters = immediate
      ? []
      : [
          (async () => {
            await q.get();
            q.taskDone!();
          })(),
        ];
    q.close({ immediate });
    expect(await Promise.all(joins)).toEqual(['resolved', 'resolved']);
    await Promise.all(getters);
  }

  it('test_shutdown_immediate_join', () => shutdownJoin(true));
  it('test_shutdown_join', () => shutdownJoin(false));

  async function shutdownPutJoin(immediate: boolean): Promise<void> {
    const q = make(2);
    await q.put('Y');
    const put = outcome(q.put('E'));
    await settle();
    const join = q.join ? outcome(q.join()) : Promise.resolve('resolved');
    if (q.unfinishedTasks !== undefined) {
      // Python's putter is still blocked (maxsize 2, one item): ours went in already.
      expect(q.unfinishedTasks).toBe(2);
    }
    q.close({ immediate });
    if (immediate) {
      expect(() => q.tryGet()).toThrow(ClosedError);
    } else {
      const got = [await q.get(), await q.get()];
      q.taskDone?.();
      q.taskDone?.();
      expect(got.sort()).toEqual(['E', 'Y']);
    }
    expect(await put).toBe('resolved');
    expect(await join).toBe('resolved');
  }

  it('test_shutdown_immediate_put_join', () => shutdownPutJoin(true));
  it('test_shutdown_put_join', () => shutdownPutJoin(false));

  it('test_shutdown_get_task_done_join', async () => {
    const q = make(2);
    await q.put('Y');
    await q.put('D');
    if (q.unfinishedTasks !== undefined) expect(q.unfinishedTasks).toBe(q.size);
    const tasks = [
      ...[0, 1].map(async () => {
        await q.get();
        q.taskDone?.();
        return 'resolved';
      }),
      ...(q.join ? [outcome(q.join()), outcome(q.join())] : []),
    ];
    q.close();
    expect((await Promise.all(tasks)).every((r) => r === 'resolved')).toBe(true);
  });

  it('test_shutdown_pending_get', async () => {
    const q = make();
    const pending = outcome(q.get());
    await settle();
    q.close();
    expect(await pending).toBe('ClosedError');
  });
});
