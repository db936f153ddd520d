/**
 * {@link Semaphore} and {@link BoundedSemaphore}: counters of permits for async tasks in one
 * thread.
 *
 * @module
 */
import type { Lockable } from '../interfaces.js';
import { checkNonNegativeInteger, checkPositiveInteger, type WaitOptions } from '../options.js';
import { completed, resumeWaiter } from '../trace/scheduler.js';
import { emit, newId, tracing } from '../trace/tracer.js';
import { exclusive, guard, type LockGuard } from './guard.js';
import { NOT_WAITED, WAITED } from './lock.js';
import { checkOptions, subjectName, type NameOptions } from './subject.js';
import { park, refuse, serveNext, waitDetail, WaiterList } from './waiters.js';

/** Options of `new Semaphore()` and `new BoundedSemaphore()`. */
export type SemaphoreOptions = NameOptions;

/**
 * A semaphore like Python's `threading.Semaphore`: `acquire` takes a permit, waiting while
 * there is none; `release` gives one back.
 *
 * - **FIFO**: a released permit goes straight to the oldest waiter, so waiters are served in the
 *   order they called `acquire` and a later `acquire` cannot take a permit someone waits for.
 * - Any task may release (permits are not owned). `release(n)` returns `n` permits at once.
 *
 * @example
 * ```ts
 * const slots = new Semaphore(3, { name: 'downloads' });
 * async function download(url: string) {
 *   using _ = await slots.lock(); // at most three downloads at a time
 *   return fetch(url);
 * }
 * ```
 */
export class Semaphore implements Lockable {
  /** The `kind` of this class's instances in trace events. */
  static readonly kindName: string = 'Semaphore';
  readonly kind: string;
  readonly id: number = newId();
  readonly name: string;
  /** Permits free now. Zero whenever somebody waits (a release hands permits over at once). */
  protected permits: number;
  private readonly waiters = new WaiterList<void>();

  /**
   * @param value - the initial number of permits (default 1), a non-negative safe integer.
   * @throws RangeError or TypeError naming `value` or `name`.
   */
  constructor(value = 1, options?: SemaphoreOptions) {
    // Read from the class, not `new.target.name`, so that minified bundles keep the name.
    this.kind = (new.target as typeof Semaphore).kindName;
    this.permits = checkNonNegativeInteger('value', value);
    this.name = subjectName(this.kind, this.id, checkOptions(options)?.name);
    emit(this, 'created', { value });
  }

  /** Permits free now. */
  get value(): number {
    return this.permits;
  }

  /** Whether no permit is free (so `acquire` would wait). */
  get locked(): boolean {
    return this.permits === 0;
  }

  /** Number of tasks waiting for a permit. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Waits for a permit (after every earlier waiter has had one), then takes it. Rejects with
   * `TimeoutError` after `timeout` ms, or with `signal.reason` when `signal` aborts; no permit
   * is then taken.
   */
  acquire(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.permits > 0) {
      this.permits--;
      emit(this, 'acquired', NOT_WAITED);
      // Taken now; under a scheduler (schedule exploration) the caller still yields here.
      return completed(this);
    }
    if (tracing()) emit(this, 'acquire', waitDetail(options));
    return park(this.waiters, this, 'acquire', options);
  }

  /** Takes a permit if one is free now. Returns whether it was taken. */
  tryAcquire(): boolean {
    if (this.permits === 0) return false;
    this.permits--;
    emit(this, 'acquired', NOT_WAITED);
    return true;
  }

  /**
   * Returns `n` permits (default 1): up to `n` of the oldest waiters get one each at once, the
   * rest become free.
   *
   * @throws RangeError when `n` is not a positive safe integer (nothing is released).
   */
  release(n = 1): void {
    if (n !== 1) checkPositiveInteger('n', n);
    this.checkRelease(n);
    if (tracing()) emit(this, 'release', { value: this.permits, n });
    let left = n;
    while (left > 0) {
      const next = serveNext(this.waiters);
      if (next === undefined) break;
      left--;
      emit(this, 'acquired', WAITED, next.agent);
      resumeWaiter(this, next.resolve as () => void);
    }
    this.permits += left;
  }

  /** Hook for {@link BoundedSemaphore}: throws when releasing `n` permits is not allowed. */
  protected checkRelease(_n: number): void {}

  /** Acquires a permit and resolves with a guard that returns it when disposed. */
  lock(options?: WaitOptions): Promise<LockGuard> {
    return guard(this, options);
  }

  /** Runs `fn` holding a permit and returns it when `fn` settles; resolves with its result. */
  runExclusive<R>(fn: () => R | PromiseLike<R>, options?: WaitOptions): Promise<Awaited<R>> {
    return exclusive(this, fn, options);
  }
}

/**
 * A {@link Semaphore} that refuses to hold more permits than it started with, like Python's
 * `threading.BoundedSemaphore`: releasing more than was acquired is a bug, reported at once.
 *
 * @example
 * ```ts
 * const pool = new BoundedSemaphore(2);
 * await pool.acquire();
 * pool.release();
 * pool.release(); // RangeError: BoundedSemaphore#7: released too many times (...)
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  static override readonly kindName: string = 'BoundedSemaphore';
  /** The initial (and largest) number of permits. */
  readonly bound: number;

  constructor(value = 1, options?: SemaphoreOptions) {
    super(value, options);
    this.bound = value;
  }

  /** @throws RangeError when the release would leave more than `bound` permits. */
  protected override checkRelease(n: number): void {
    if (this.permits + n > this.bound) {
      throw new RangeError(
        `${this.name}: released too many times (${this.permits} of ${this.bound} permits ` +
          `free, release(${n}) would make ${this.permits + n})`,
      );
    }
  }
}
