/**
 * {@link Lock}: a mutual-exclusion lock for async tasks in one thread.
 *
 * @module
 */
import { LockError } from '../errors.js';
import type { Lockable } from '../interfaces.js';
import type { WaitOptions } from '../options.js';
import { completed, resumeWaiter } from '../trace/scheduler.js';
import { emit, newId, tracing } from '../trace/tracer.js';
import { exclusive, guard, type LockGuard } from './guard.js';
import { checkOptions, subjectName, type NameOptions } from './subject.js';
import { cancelWaiters, park, refuse, serveNext, waitDetail, WaiterList } from './waiters.js';

/** Trace details, shared so that reporting them allocates nothing. */
export const WAITED = Object.freeze({ waited: true });
export const NOT_WAITED = Object.freeze({ waited: false });

/** Options of `new Lock()`. */
export type LockOptions = NameOptions;

/**
 * A mutual-exclusion lock for async tasks in one thread, like Python's `threading.Lock`.
 *
 * - **FIFO**: waiters get the lock in the order they called `acquire`. A release hands the lock
 *   straight to the oldest waiter, so a task that calls `acquire` later cannot barge in.
 * - **Not owned**: any task may release it, as in Python (the lesson's pipeline relies on
 *   this: the consumer releases the producer's lock). Releasing it when it is not held throws
 *   {@link LockError}.
 * - **Not re-entrant**: a task that acquires it twice waits for ever (use a timeout to find out).
 *
 * Everything a task did before `release()` happens-before everything the next holder does after
 * its `acquire()` resolves.
 *
 * @example
 * ```ts
 * const lock = new Lock({ name: 'accounts' });
 * {
 *   using _ = await lock.lock();
 *   balance += 10;
 * }
 * await lock.runExclusive(async () => { balance -= 5; });
 * if (lock.tryAcquire()) lock.release();
 * await lock.acquire({ timeout: 100 }); // rejects with TimeoutError if still held after 100 ms
 * lock.release();
 * ```
 */
export class Lock implements Lockable {
  readonly kind: string = 'Lock';
  readonly id: number = newId();
  readonly name: string;
  private held = false;
  private readonly waiters = new WaiterList<void>();

  /**
   * Rejects every call waiting now (`acquire`) with `reason`, or a {@link CancelledError} by
   * default, and returns how many there were. The primitive stays usable; later calls wait as
   * usual.
   */
  cancelAll(reason?: unknown): number {
    return cancelWaiters(this.waiters, this, 'acquire', reason);
  }

  constructor(options?: LockOptions) {
    this.name = subjectName(this.kind, this.id, checkOptions(options)?.name);
    emit(this, 'created');
  }

  /** Whether the lock is held (by anyone) now. */
  get locked(): boolean {
    return this.held;
  }

  /** Number of tasks waiting to acquire it. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Waits until the lock is free (and every earlier waiter has had it), then takes it.
   * Rejects with `TimeoutError` after `timeout` ms, or with `signal.reason` when `signal`
   * aborts; the lock is then not taken.
   */
  acquire(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (!this.held) {
      this.held = true;
      emit(this, 'acquired', NOT_WAITED);
      // Taken now; under a scheduler (schedule exploration) the caller still yields here.
      return completed(this);
    }
    if (tracing()) emit(this, 'acquire', waitDetail(options));
    return park(this.waiters, this, 'acquire', options);
  }

  /** Takes the lock if it is free now. Returns whether it was taken. */
  tryAcquire(): boolean {
    if (this.held) return false;
    this.held = true;
    emit(this, 'acquired', NOT_WAITED);
    return true;
  }

  /**
   * Releases the lock: the oldest waiter, if any, gets it now; otherwise it becomes free.
   *
   * @throws LockError when the lock is not held.
   */
  release(): void {
    if (!this.held) {
      throw new LockError(`${this.name}: release of an unlocked Lock (nobody holds it)`);
    }
    emit(this, 'release');
    const next = serveNext(this.waiters);
    if (next === undefined) {
      this.held = false;
      return;
    }
    // The lock passes straight to `next`: `held` stays true, so nobody can barge in between.
    emit(this, 'acquired', WAITED, next.agent);
    resumeWaiter(this, next.resolve as () => void);
  }

  /**
   * Acquires the lock and resolves with a guard that releases it when disposed:
   * `using _ = await lock.lock()`. Takes the same options as {@link Lock.acquire}.
   */
  lock(options?: WaitOptions): Promise<LockGuard> {
    return guard(this, options);
  }

  /** Runs `fn` holding the lock and releases it when `fn` settles; resolves with its result. */
  runExclusive<R>(fn: () => R | PromiseLike<R>, options?: WaitOptions): Promise<Awaited<R>> {
    return exclusive(this, fn, options);
  }
}
