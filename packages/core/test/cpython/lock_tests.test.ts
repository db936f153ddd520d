// CPython's Lib/test/lock_tests.py, case by case, for both worlds: the in-thread Lock,
// Semaphore, BoundedSemaphore, Condition, Event and Barrier, and the Shared* classes used from
// this agent through their async forms (each CPython "thread" is an async task here; the cases
// that need another agent are in lock_tests.workers.test.ts). Each test is named after the
// CPython case; the deliberate differences are listed in the README ("Python parity").
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  LockError,
  Semaphore,
  SharedBarrier,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedRLock,
  SharedSemaphore,
  TimeoutError,
} from '../../src/index.js';
import { Bunch, outcome, settle, until } from './helpers.js';

interface LockLike {
  readonly locked: boolean;
  acquire(options?: { timeout?: number }): Promise<void>;
  tryAcquire(): boolean;
  release(): void;
  runExclusive<R>(fn: () => R): Promise<Awaited<R>>;
}

const locks: [string, () => LockLike][] = [
  ['Lock', () => new Lock()],
  ['SharedLock', () => new SharedLock()],
  ['SharedRLock', () => new SharedRLock()],
];

describe.each(locks)('BaseLockTests: %s', (_kind, make) => {
  it('test_constructor and test_repr', () => {
    const lock = make();
    expect(String((lock as unknown as { name: string }).name)).toMatch(/Lock/);
  });

  it('test_acquire_destroy and test_acquire_release', async () => {
    const lock = make();
    await lock.acquire();
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('test_try_acquire', () => {
    const lock = make();
    expect(lock.tryAcquire()).toBe(true);
    lock.release();
  });

  it('test_try_acquire_contended', async () => {
    const lock = make();
    await lock.acquire();
    // Another "thread": an async task (for SharedRLock the same agent re-enters, see the
    // workers file for the contended case across agents).
    if (lock instanceof SharedRLock) return lock.release();
    const result = await new Bunch(() => lock.tryAcquire(), 1).done;
    expect(result).toEqual([false]);
    lock.release();
  });

  it('test_acquire_contended', async () => {
    const lock = make();
    if (lock instanceof SharedRLock) return; // per agent: see the workers file
    await lock.acquire();
    const n = 5;
    const bunch = new Bunch(async () => {
      await lock.acquire();
      lock.release();
    }, n);
    await until(() => bunch.started === n);
    await settle();
    expect(bunch.finished).toBe(0);
    lock.release();
    await bunch.done;
    expect(bunch.finished).toBe(n);
  });

  it('test_with', async () => {
    const lock = make();
    await lock.runExclusive(() => {});
    expect(lock.locked).toBe(false);
    await expect(
      lock.runExclusive(() => {
        throw new TypeError('inside');
      }),
    ).rejects.toThrow(TypeError);
    expect(lock.locked).toBe(false);
    expect(lock.tryAcquire()).toBe(true);
    lock.release();
  });

  it('test_timeout', async () => {
    const lock = make();
    // Invalid timeout values: a RangeError (Python: ValueError).
    await expect(lock.acquire({ timeout: -100 })).rejects.toThrow(RangeError);
    // Python refuses timeouts past TIMEOUT_MAX with OverflowError; any size is accepted here.
    await lock.acquire({ timeout: 1e100 });
    lock.release();
    await lock.acquire({ timeout: 5_000 });
    if (lock instanceof SharedRLock) return lock.release();
    // A contended acquire with a timeout rejects with TimeoutError (Python returns False).
    await expect(lock.acquire({ timeout: 50 })).rejects.toThrow(TimeoutError);
    lock.release();
  });
});

describe.each(locks.slice(0, 2))('LockTests: %s', (_kind, make) => {
  it('test_reacquire', async () => {
    const lock = make();
    const phase: number[] = [];
    const task = (async () => {
      await lock.acquire();
      phase.push(1);
      await lock.acquire(); // not re-entrant: waits for someone else's release
      phase.push(2);
    })();
    await until(() => phase.length === 1);
    await settle();
    expect(phase).toEqual([1]);
    lock.release();
    await task;
    expect(phase).toEqual([1, 2]);
    lock.release();
  });

  it('test_different_thread', async () => {
    const lock = make();
    await lock.acquire();
    await new Bunch(() => lock.release(), 1).done; // not owned: any task (any agent) may release
    await lock.acquire();
    lock.release();
  });

  it('test_state_after_timeout', async () => {
    const lock = make();
    await lock.acquire();
    await expect(lock.acquire({ timeout: 10 })).rejects.toThrow(TimeoutError);
    lock.release();
    expect(lock.locked).toBe(false);
    expect(lock.tryAcquire()).toBe(true);
    lock.release();
  });
});

describe('RLockTests: SharedRLock', () => {
  it('test_reacquire', async () => {
    const lock = new SharedRLock();
    await lock.acquire();
    await lock.acquire();
    lock.release();
    await lock.acquire();
    lock.release();
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('test_release_unacquired', async () => {
    const lock = new SharedRLock();
    expect(() => lock.release()).toThrow(LockError); // Python: RuntimeError
    await lock.acquire();
    await lock.acquire();
    lock.release();
    await lock.acquire();
    lock.release();
    lock.release();
    expect(() => lock.release()).toThrow(LockError);
  });

  it('test__is_owned (depth in this agent)', async () => {
    const lock = new SharedRLock();
    expect(lock.depth).toBe(0);
    await lock.acquire();
    expect(lock.depth).toBe(1);
    await lock.acquire();
    expect(lock.depth).toBe(2);
    lock.release();
    expect(lock.depth).toBe(1);
    lock.release();
    expect(lock.depth).toBe(0);
  });
});

interface EventLike {
  readonly set: () => void;
  readonly clear: () => void;
  readonly isSet: () => boolean;
  wait(options?: { timeout?: number }): Promise<void>;
}
const events: [string, () => EventLike][] = [
  ['Event', () => new Event()],
  [
    'SharedEvent',
    () => {
      const event = new SharedEvent();
      return {
        set: () => event.set(),
        clear: () => event.clear(),
        isSet: () => event.isSet,
        wait: (options) => event.wait(options),
      };
    },
  ],
];

describe.each(events)('EventTests: %s', (_kind, make) => {
  it('test_is_set', () => {
    const event = make();
    expect(event.isSet()).toBe(false);
    event.set();
    expect(event.isSet()).toBe(true);
    event.set();
    expect(event.isSet()).toBe(true);
    event.clear();
    expect(event.isSet()).toBe(false);
    event.clear();
    expect(event.isSet()).toBe(false);
  });

  async function checkNotify(event: EventLike): Promise<void> {
    const n = 5;
    const results1: string[] = [];
    const results2: string[] = [];
    const bunch = new Bunch(async () => {
      results1.push(await outcome(event.wait()));
      results2.push(await outcome(event.wait()));
    }, n);
    await until(() => bunch.started === n);
    await settle();
    expect(results1).toEqual([]);
    event.set();
    await bunch.done;
    expect(results1).toEqual(Array(n).fill('resolved'));
    expect(results2).toEqual(Array(n).fill('resolved'));
  }

  it('test_notify', async () => {
    const event = make();
    await checkNotify(event);
    event.set();
    event.clear();
    await checkNotify(event);
  });

  it('test_timeout', async () => {
    const event = make();
    const n = 5;
    const waits = await new Bunch(async () => {
      const first = await outcome(event.wait({ timeout: 0 }));
      const second = await outcome(event.wait({ timeout: 20 }));
      return [first, second];
    }, n).done;
    // Python returns False; the wait rejects with TimeoutError here.
    expect(waits).toEqual(Array(n).fill(['TimeoutError', 'TimeoutError']));
    event.set();
    const set = await new Bunch(async () => [await outcome(event.wait({ timeout: 0 }))], n).done;
    expect(set).toEqual(Array(n).fill(['resolved']));
  });

  it('test_set_and_clear', async () => {
    const event = make();
    const n = 5;
    const bunch = new Bunch(() => outcome(event.wait({ timeout: 10_000 })), n);
    await until(() => bunch.started === n);
    await settle();
    event.set();
    event.clear();
    expect(await bunch.done).toEqual(Array(n).fill('resolved'));
  });
});

interface ConditionLike {
  acquire(): Promise<void>;
  release(): void;
  wait(options?: { timeout?: number }): Promise<void>;
  waitFor(predicate: () => boolean, options?: { timeout?: number }): Promise<unknown>;
  notify(n?: number): void;
  notifyAll(): void;
}
const conditions: [string, () => ConditionLike][] = [
  ['Condition', () => new Condition()],
  [
    'SharedCondition',
    () => {
      const condition = new SharedCondition();
      return {
        acquire: () => condition.lock.acquire(),
        release: () => condition.lock.release(),
        wait: (o) => condition.wait(o),
        waitFor: (p, o) => condition.waitFor(p, o),
        notify: (n) => condition.notify(n),
        notifyAll: () => condition.notifyAll(),
      };
    },
  ],
];

describe.each(conditions)('ConditionTests: %s', (_kind, make) => {
  it('test_acquire (over a given lock)', async () => {
    const lock = new Lock();
    const condition = new Condition(lock);
    await condition.acquire();
    expect(lock.tryAcquire()).toBe(false);
    condition.release();
    expect(lock.tryAcquire()).toBe(true);
    expect(condition.tryAcquire()).toBe(false);
    lock.release();
    await condition.runExclusive(() => expect(lock.tryAcquire()).toBe(false));
  });

  it('test_unacquired_wait', async () => {
    await expect(make().wait()).rejects.toThrow(LockError); // Python: RuntimeError
  });

  it('test_unacquired_notify', () => {
    expect(() => make().notify()).toThrow(LockError);
  });

  async function checkNotify(condition: ConditionLike): Promise<void> {
    const n = 5;
    const results1: number[] = [];
    const results2: number[] = [];
    let phase = 0;
    let ready = 0;
    const bunch = new Bunch(async () => {
      await condition.acquire();
      ready++;
      await condition.wait();
      condition.release();
      results1.push(phase);
      await condition.acquire();
      ready++;
      await condition.wait();
      condition.release();
      results2.push(phase);
    }, n);
    await until(() => ready === n);
    expect(results1).toEqual([]);
    // Notify 3 tasks at first.
    await condition.acquire();
    condition.notify(3);
    await settle();
    phase = 1;
    condition.release();
    await until(() => results1.length === 3);
    expect(results1).toEqual([1, 1, 1]);
    expect(results2).toEqual([]);
    await until(() => ready === n + 3);
    // Notify 5 tasks: they might be in their first or second wait.
    await condition.acquire();
    condition.notify(5);
    await settle();
    phase = 2;
    condition.release();
    await until(() => results1.length + results2.length === 8);
    expect(results1).toEqual([1, 1, 1, 2, 2]);
    expect(results2).toEqual([2, 2, 2]);
    await until(() => ready === 2 * n);
    // Notify all tasks: they are all in their second wait.
    await condition.acquire();
    condition.notifyAll();
    await settle();
    phase = 3;
    condition.release();
    await bunch.done;
    expect(results2).toEqual([2, 2, 2, 3, 3]);
  }

  it('test_notify', async () => {
    const condition = make();
    await checkNotify(condition);
    await checkNotify(condition); // a second time, to check the internal state is still ok
  });

  it('test_timeout', async () => {
    const condition = make();
    const results = await new Bunch(async () => {
      await condition.acquire();
      const result = await outcome(condition.wait({ timeout: 20 }));
      condition.release(); // the lock is held again after the timeout
      return result;
    }, 5).done;
    expect(results).toEqual(Array(5).fill('TimeoutError'));
  });

  it('test_waitfor', async () => {
    const condition = make();
    let state = 0;
    const task = (async () => {
      await condition.acquire();
      await condition.waitFor(() => state === 4);
      expect(state).toBe(4);
      condition.release();
    })();
    for (let i = 0; i < 4; i++) {
      await settle(1);
      await condition.acquire();
      state++;
      condition.notify();
      condition.release();
    }
    await task;
  });

  it('test_waitfor_timeout', async () => {
    const condition = make();
    let state = 0;
    const task = (async () => {
      await condition.acquire();
      const result = await outcome(condition.waitFor(() => state === 4, { timeout: 100 }));
      condition.release();
      return result;
    })();
    for (let i = 0; i < 3; i++) {
      await settle(1);
      await condition.acquire();
      state++;
      condition.notify();
      condition.release();
    }
    expect(await task).toBe('TimeoutError');
  });
});

interface SemaphoreLike {
  readonly value: number;
  acquire(options?: { timeout?: number }): Promise<void>;
  tryAcquire(): boolean;
  release(n?: number): void;
  runExclusive<R>(fn: () => R): Promise<Awaited<R>>;
}
const semaphores: [string, (value?: number) => SemaphoreLike][] = [
  ['Semaphore', (value) => new Semaphore(value)],
  ['BoundedSemaphore', (value) => new BoundedSemaphore(value)],
  ['SharedSemaphore', (value) => new SharedSemaphore(value)],
];

describe.each(semaphores)('BaseSemaphoreTests: %s', (_kind, make) => {
  it('test_constructor', () => {
    expect(() => make(-1)).toThrow(RangeError);
    expect(() => make(-Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
  });

  it('test_acquire and test_acquire_destroy', async () => {
    const one = make(1);
    await one.acquire();
    one.release();
    const two = make(2);
    await two.acquire();
    await two.acquire();
    two.release();
    two.release();
    expect(two.value).toBe(2);
  });

  it('test_acquire_contended', async () => {
    const sem = make(7);
    await sem.acquire();
    const results1: number[] = [];
    const results2: number[] = [];
    let phase = 0;
    const bunch = new Bunch(async () => {
      await sem.acquire();
      results1.push(phase);
      await sem.acquire();
      results2.push(phase);
    }, 10);
    await until(() => results1.length + results2.length === 6);
    await settle();
    expect([...results1, ...results2]).toEqual(Array(6).fill(0));
    phase = 1;
    for (let i = 0; i < 7; i++) sem.release();
    await until(() => results1.length + results2.length === 13);
    expect([...results1, ...results2].sort()).toEqual([...Array(6).fill(0), ...Array(7).fill(1)]);
    phase = 2;
    for (let i = 0; i < 6; i++) sem.release();
    await until(() => results1.length + results2.length === 19);
    expect([...results1, ...results2].sort()).toEqual([
      ...Array(6).fill(0),
      ...Array(7).fill(1),
      ...Array(6).fill(2),
    ]);
    expect(sem.tryAcquire()).toBe(false); // still locked
    sem.release(); // lets the last task finish
    await bunch.done;
  });

  it('test_try_acquire', () => {
    const sem = make(2);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.tryAcquire()).toBe(false);
    sem.release();
    expect(sem.tryAcquire()).toBe(true);
  });

  it('test_try_acquire_contended', async () => {
    const sem = make(4);
    await sem.acquire();
    const results = (await new Bunch(() => [sem.tryAcquire(), sem.tryAcquire()], 5).done).flat();
    expect(results.sort()).toEqual([...Array(7).fill(false), ...Array(3).fill(true)]);
  });

  it('test_acquire_timeout', async () => {
    const sem = make(2);
    await sem.acquire({ timeout: 5 });
    await sem.acquire({ timeout: 5 });
    await expect(sem.acquire({ timeout: 5 })).rejects.toThrow(TimeoutError);
    sem.release();
    await sem.acquire({ timeout: 5 });
    await expect(sem.acquire({ timeout: 50 })).rejects.toThrow(TimeoutError);
  });

  it('test_default_value', async () => {
    const sem = make();
    await sem.acquire();
    const bunch = new Bunch(async () => {
      await sem.acquire();
      sem.release();
    }, 1);
    await until(() => bunch.started === 1);
    await settle();
    expect(bunch.finished).toBe(0);
    sem.release();
    await bunch.done;
  });

  it('test_with', async () => {
    const sem = make(2);
    const inner = async (error?: Error): Promise<void> => {
      await sem.runExclusive(async () => {
        expect(sem.tryAcquire()).toBe(true);
        sem.release();
        await sem.runExclusive(() => {
          expect(sem.tryAcquire()).toBe(false);
          if (error) throw error;
        });
      });
    };
    await inner();
    expect(sem.tryAcquire()).toBe(true);
    sem.release();
    await expect(inner(new TypeError('inside'))).rejects.toThrow(TypeError);
    expect(sem.tryAcquire()).toBe(true);
    sem.release();
  });

  it('test_release_unacquired', async () => {
    const sem = make(1);
    if (sem instanceof BoundedSemaphore) {
      // Cannot go past the initial value: RangeError (Python: ValueError).
      expect(() => sem.release()).toThrow(RangeError);
      await sem.acquire();
      sem.release();
      expect(() => sem.release()).toThrow(RangeError);
      return;
    }
    sem.release(); // unbounded releases are allowed and add a permit
    await sem.acquire();
    await sem.acquire();
    sem.release();
  });
});

interface BarrierLike {
  readonly parties: number;
  readonly waiting: number;
  readonly broken: boolean;
  wait(options?: { timeout?: number }): Promise<number>;
  abort(): void;
  reset(): void;
}
const N = 5;
const barriers: [string, (parties?: number) => BarrierLike][] = [
  ['Barrier', (parties = N) => new Barrier(parties)],
  ['SharedBarrier', (parties = N) => new SharedBarrier(parties)],
];

describe.each(barriers)('BarrierTests: %s', (_kind, make) => {
  /** CPython's run_threads: N tasks (the caller's f runs in one of them too). */
  const runThreads = (f: () => Promise<unknown>): Promise<unknown[]> => new Bunch(f, N).done;

  async function multipass(barrier: BarrierLike, passes: number): Promise<void> {
    const results: [boolean[], boolean[]] = [[], []];
    await runThreads(async () => {
      for (let i = 0; i < passes; i++) {
        results[0].push(true);
        expect(results[1].length).toBe(i * N);
        await barrier.wait();
        results[1].push(true);
        expect(results[0].length).toBe((i + 1) * N);
        await barrier.wait();
      }
      expect(barrier.waiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  }

  it('test_barrier', async () => {
    await multipass(make(), 1);
  });

  it('test_barrier_10', async () => {
    await multipass(make(), 10);
  });

  it('test_wait_return', async () => {
    const barrier = make();
    const results = await runThreads(() => barrier.wait());
    expect((results as number[]).reduce((a, b) => a + b, 0)).toBe((N * (N - 1)) / 2);
  });

  it('test_abort', async () => {
    const barrier = make();
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    await runThreads(async () => {
      try {
        const i = await barrier.wait();
        if (i === Math.floor(N / 2)) throw new Error('runtime');
        await barrier.wait();
        results1.push(true);
      } catch (error) {
        if (error instanceof BrokenBarrierError) results2.push(true);
        else barrier.abort();
      }
    });
    expect(results1.length).toBe(0);
    expect(results2.length).toBe(N - 1);
    expect(barrier.broken).toBe(true);
  });

  it('test_reset', async () => {
    const barrier = make();
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const results3: boolean[] = [];
    await runThreads(async () => {
      const i = await barrier.wait();
      if (i === Math.floor(N / 2)) {
        await until(() => barrier.waiting === N - 1); // all the others are in the barrier
        barrier.reset();
      } else {
        try {
          await barrier.wait();
          results1.push(true);
        } catch (error) {
          if (error instanceof BrokenBarrierError) results2.push(true);
          else throw error;
        }
      }
      await barrier.wait(); // pass the barrier again
      results3.push(true);
    });
    expect(results1.length).toBe(0);
    expect(results2.length).toBe(N - 1);
    expect(results3.length).toBe(N);
  });

  it('test_abort_and_reset', async () => {
    const barrier = make();
    const barrier2 = make();
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const results3: boolean[] = [];
    await runThreads(async () => {
      try {
        const i = await barrier.wait();
        if (i === Math.floor(N / 2)) throw new Error('runtime');
        await barrier.wait();
        results1.push(true);
      } catch (error) {
        if (error instanceof BrokenBarrierError) results2.push(true);
        else barrier.abort();
      }
      if ((await barrier2.wait()) === Math.floor(N / 2)) barrier.reset();
      await barrier2.wait();
      await barrier.wait();
      results3.push(true);
    });
    expect(results1.length).toBe(0);
    expect(results2.length).toBe(N - 1);
    expect(results3.length).toBe(N);
  });

  it('test_timeout', async () => {
    const barrier = make();
    const late = make(1);
    const outcomes = await runThreads(async () => {
      const i = await barrier.wait();
      if (i === Math.floor(N / 2)) {
        // One task is late: it arrives after the others' timeouts broke the round.
        await until(() => barrier.broken);
        await late.wait();
      }
      return outcome(barrier.wait({ timeout: 50 }));
    });
    // Python raises BrokenBarrierError in every thread; here the waiter whose timeout broke
    // the round gets TimeoutError, the others BrokenBarrierError.
    expect((outcomes as string[]).filter((o) => o === 'resolved')).toEqual([]);
    expect(
      (outcomes as string[]).every((o) => o === 'TimeoutError' || o === 'BrokenBarrierError'),
    ).toBe(true);
    expect(outcomes).toContain('TimeoutError');
  });

  it('test_single_thread', async () => {
    const barrier = make(1);
    await barrier.wait();
    await barrier.wait();
  });
});

describe('BarrierTests: Barrier only', () => {
  it('test_action', async () => {
    const results: boolean[] = [];
    const barrier = new Barrier(N, { action: () => results.push(true) });
    await new Bunch(async () => {
      await barrier.wait();
      expect(results.length).toBe(1);
    }, N).done;
  });
});
