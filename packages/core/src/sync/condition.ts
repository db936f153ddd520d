/**
 * {@link Condition}: a condition variable over a lock.
 *
 * @module
 */
import { LockError, TimeoutError } from '../errors.js';
import type { Lockable } from '../interfaces.js';
import { checkTimeout, describe, type WaitOptions } from '../options.js';
import { actAs, emit, newId, tracing } from '../trace/tracer.js';
import { exclusive } from './guard.js';
import { Lock } from './lock.js';
import { checkOptions, subjectName, type NameOptions } from './subject.js';
import {
  cancelWaiters,
  disarm,
  park,
  refuse,
  serveNext,
  timeoutError,
  waitDetail,
  WaiterList,
  type Waiter,
} from './waiters.js';

/** Options of `new Condition()`. */
export type ConditionOptions = NameOptions;

function isLockable(value: unknown): value is Lockable {
  if (typeof value !== 'object' || value === null) return false;
  const lock = value as Partial<Lockable>;
  return (
    typeof lock.acquire === 'function' &&
    typeof lock.release === 'function' &&
    typeof lock.tryAcquire === 'function'
  );
}

/**
 * A condition variable, like Python's `threading.Condition`: tasks holding `lock` wait in
 * `wait()` until another task holding it calls `notify()`.
 *
 * - `wait()` releases the lock, waits to be notified, and re-acquires the lock before it
 *   settles, **also when it rejects** (timeout, abort): after `await cond.wait()` the lock is
 *   always held again, so `try { ... } finally { cond.release() }` stays right.
 * - **FIFO**: `notify(n)` wakes the `n` tasks that have waited longest; they then take the lock
 *   in that order. A waiter that timed out or was aborted is no longer counted, so a
 *   notification is never spent on it.
 * - As in Python, a wait can only be ended by a notify, a timeout or an abort; re-check the
 *   state after waking, or use {@link Condition.waitFor}.
 * - `wait` and `notify` need the lock held; otherwise they throw {@link LockError}. (A `Lock`
 *   is not owned, so "held" means held by anyone.)
 *
 * @example
 * ```ts
 * const cond = new Condition();
 * const items: string[] = [];
 * async function consume() {
 *   await cond.acquire();
 *   try {
 *     await cond.waitFor(() => items.length > 0, { timeout: 1000 });
 *     return items.shift();
 *   } finally {
 *     cond.release();
 *   }
 * }
 * async function produce(item: string) {
 *   await cond.runExclusive(() => {
 *     items.push(item);
 *     cond.notify();
 *   });
 * }
 * ```
 */
export class Condition implements Lockable {
  readonly kind = 'Condition';
  readonly id: number = newId();
  readonly name: string;
  /** The lock this condition is over (a new {@link Lock} unless one was given). */
  readonly lock: Lockable;
  private readonly waiters = new WaiterList<void>();

  /**
   * Rejects every call waiting now (`wait`, `waitFor`) with `reason`, or a {@link CancelledError} by
   * default, and returns how many there were. The primitive stays usable; later calls wait as
   * usual. Each
   * cancelled waiter takes the lock again before it rejects, as after a timeout.
   */
  cancelAll(reason?: unknown): number {
    return cancelWaiters(this.waiters, this, 'wait', reason, this.giveUp);
  }

  /**
   * @param lock - the lock to wait with (default: a new `Lock`); any {@link Lockable}.
   * @throws TypeError when `lock` is not a Lockable or `name` is not a string.
   */
  constructor(lock?: Lockable, options?: ConditionOptions) {
    if (lock !== undefined && !isLockable(lock)) {
      throw new TypeError(
        `lock must be a Lockable (with acquire, tryAcquire and release), got ${describe(lock)}`,
      );
    }
    this.lock = lock ?? new Lock();
    this.name = subjectName(this.kind, this.id, checkOptions(options)?.name);
    emit(this, 'created');
  }

  /** Whether the lock is held. */
  get locked(): boolean {
    return this.lock.locked;
  }

  /** Number of tasks waiting to be notified. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Acquires the lock; see `Lock.acquire`. */
  acquire(options?: WaitOptions): Promise<void> {
    return this.lock.acquire(options);
  }

  /** Takes the lock if it is free now. */
  tryAcquire(): boolean {
    return this.lock.tryAcquire();
  }

  /** Releases the lock. */
  release(): void {
    this.lock.release();
  }

  /** Runs `fn` holding the lock; see `Lock.runExclusive`. */
  runExclusive<R>(fn: () => R | PromiseLike<R>, options?: WaitOptions): Promise<Awaited<R>> {
    return exclusive(this.lock, fn, options);
  }

  /**
   * Releases the lock, waits for a `notify`, and re-acquires the lock. Rejects (with the lock
   * held again) with `TimeoutError` after `timeout` ms or `signal.reason` on abort; rejects at
   * once with {@link LockError} when the lock is not held.
   */
  wait(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (!this.lock.locked) return Promise.reject(this.notHeld('wait'));
    if (options?.timeout === 0) {
      // Nothing could notify us in zero time; keep the lock rather than drop and re-take it.
      emit(this, 'timeout');
      return Promise.reject(timeoutError(this, 'wait', 0));
    }
    if (tracing()) emit(this, 'wait', waitDetail(options));
    // Park first, then release: a task that takes the lock next and notifies finds us.
    const promise = park(this.waiters, this, 'wait', options, undefined, this.giveUp);
    try {
      this.lock.release();
    } catch (error) {
      const waiter = this.lastWaiter;
      if (waiter !== undefined) {
        this.waiters.remove(waiter);
        disarm(waiter as Waiter<unknown>);
        waiter.reject(error);
      }
    }
    return promise;
  }

  /**
   * Waits until `predicate()` returns a truthy value and resolves with it; checks it first and
   * after every wake-up, always with the lock held. Rejects with `TimeoutError` when `timeout`
   * ms pass (counted across wake-ups) with the predicate still falsy, `signal.reason` on abort,
   * or {@link LockError} when the lock is not held. The lock is held whenever it settles.
   */
  async waitFor<R>(predicate: () => R, options?: WaitOptions): Promise<R> {
    if (typeof predicate !== 'function') {
      throw new TypeError(`predicate must be a function, got ${describe(predicate)}`);
    }
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (!this.lock.locked) throw this.notHeld('waitFor');
    const timeout = checkTimeout(options?.timeout);
    const signal = options?.signal;
    const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
    let result = predicate();
    while (!result) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new TimeoutError(`${this.name}: waitFor timed out after ${timeout} ms`, timeout);
      }
      try {
        await this.wait(remaining === Infinity ? { signal } : { timeout: remaining, signal });
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        // Time is up; like Python, report the predicate's last word rather than a bare timeout.
        result = predicate();
        if (result) return result;
        throw new TimeoutError(`${this.name}: waitFor timed out after ${timeout} ms`, timeout);
      }
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` (default 1) of the tasks that have waited longest. They take the lock in
   * that order once it is released.
   *
   * @throws LockError when the lock is not held; RangeError when `n` is not a non-negative
   *   integer.
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || !(n >= 0) || (!Number.isSafeInteger(n) && n !== Infinity)) {
      throw new RangeError(`n must be a non-negative integer or Infinity, got ${describe(n)}`);
    }
    if (!this.lock.locked) throw this.notHeld('notify');
    if (tracing()) emit(this, 'notify', { n, waiting: this.waiters.length });
    for (let left = n; left > 0; left--) {
      const waiter = serveNext(this.waiters);
      if (waiter === undefined) break;
      emit(this, 'wake', undefined, waiter.agent);
      // Queue for the lock now, in notify order; the lock's release resumes the waiter.
      this.reacquire(waiter).then(waiter.resolve, waiter.reject);
    }
  }

  /** Wakes every waiting task; see {@link Condition.notify}. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** A waiter that timed out or was aborted takes the lock back before it rejects. */
  private readonly giveUp = (waiter: Waiter<void>, reason: unknown): void => {
    // Its wait is over; it takes the lock back (as itself) before it rejects.
    emit(this, 'wake', undefined, waiter.agent);
    this.reacquire(waiter).then(
      () => waiter.reject(reason),
      (error: unknown) => waiter.reject(error),
    );
  };

  /**
   * Starts taking the lock back for `waiter`. This runs inside someone else's call (the
   * notifier's `notify()`, a timer, an abort listener), so while tracing, the lock's events for
   * this wait (`acquire` now, `acquired` when it is handed over) are made to name the waiter's
   * agent, recorded when it began to wait, rather than the caller's.
   */
  private reacquire(waiter: Waiter<void>): Promise<void> {
    const previous = waiter.agent === undefined ? undefined : actAs(waiter.agent);
    try {
      return this.lock.acquire();
    } catch (error) {
      // A foreign Lockable that throws instead of rejecting must not strand the waiter.
      return Promise.reject(error);
    } finally {
      if (waiter.agent !== undefined) actAs(previous);
    }
  }

  /** The waiter parked last (used only to undo a park when releasing the lock failed). */
  private get lastWaiter(): Waiter<void> | undefined {
    return this.waiters.last;
  }

  private notHeld(what: string): LockError {
    return new LockError(`${this.name}: ${what}() needs the lock held; acquire it first`);
  }
}
