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
import {
  cancelWaiters,
  park,
  refuse,
  serveNext,
  waitDetail,
  WaiterList,
  type Waiter,
} from './waiters.js';

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
  /**
   * Permits free now. Fewer than the oldest waiter wants whenever somebody waits (a release
   * hands permits over at once, oldest waiter first).
   */
  protected permits: number;
  private readonly waiters = new WaiterList<void>();

  /**
   * Rejects every call waiting now (`acquire`) with `reason`, or a {@link CancelledError} by
   * default, and returns how many there were. The primitive stays usable; later calls wait as
   * usual.
   */
  cancelAll(reason?: unknown): number {
    return cancelWaiters(this.waiters, this, 'acquire', reason);
  }

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
   * Waits for a permit (after every earlier waiter has had what it asked for), then takes it.
   * Rejects with `TimeoutError` after `timeout` ms, or with `signal.reason` when `signal`
   * aborts; no permit is then taken.
   *
   * **Weighted**: `acquire(n, options)` takes `n` permits at once, all or none, like Go's
   * `semaphore.Weighted`. Waiters are served in arrival order, so a large request is not
   * starved by smaller ones that arrive after it (they wait behind it).
   *
   * @example
   * ```ts
   * import { Semaphore } from '@baton/core';
   *
   * const memory = new Semaphore(100); // 100 MB of budget
   * await memory.acquire(40, { timeout: 1000 }); // a 40 MB job
   * memory.release(40);
   * ```
   */
  acquire(options?: WaitOptions): Promise<void>;
  acquire(permits: number, options?: WaitOptions): Promise<void>;
  acquire(first?: number | WaitOptions, second?: WaitOptions): Promise<void> {
    let n = 1;
    let options = first as WaitOptions | undefined;
    if (typeof first === 'number') {
      options = second;
      try {
        n = this.checkPermits(first);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.waiters.length === 0 && this.permits >= n) {
      this.permits -= n;
      emit(this, 'acquired', NOT_WAITED);
      // Taken now; under a scheduler (schedule exploration) the caller still yields here.
      return completed(this);
    }
    if (tracing()) emit(this, 'acquire', waitDetail(options, n === 1 ? undefined : { n }));
    return park(this.waiters, this, 'acquire', options, n, this.giveUp);
  }

  /**
   * Takes `n` permits (default 1) if they are free now and nobody waits before us. Returns
   * whether they were taken.
   */
  tryAcquire(n = 1): boolean {
    if (n !== 1) this.checkPermits(n);
    if (this.waiters.length > 0 || this.permits < n) return false;
    this.permits -= n;
    emit(this, 'acquired', NOT_WAITED);
    return true;
  }

  /** Checks the `n` of a weighted acquire. */
  protected checkPermits(n: unknown): number {
    return checkPositiveInteger('permits', n);
  }

  /** A waiter that gave up may have blocked smaller requests behind it: serve them now. */
  private readonly giveUp = (waiter: Waiter<void>, reason: unknown): void => {
    waiter.reject(reason);
    this.serve();
  };

  /** Hands free permits to the oldest waiters, in order, while the oldest's request fits. */
  private serve(): void {
    for (;;) {
      const head = this.waiters.first;
      if (head === undefined) return;
      const wants = (head.item as number | undefined) ?? 1;
      if (wants > this.permits) return;
      const next = serveNext(this.waiters)!;
      this.permits -= wants;
      emit(this, 'acquired', WAITED, next.agent);
      resumeWaiter(this, next.resolve as () => void);
    }
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
    this.permits += n;
    this.serve();
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

  /** A weighted request above `bound` could never be met: refused at once. */
  protected override checkPermits(n: unknown): number {
    const permits = super.checkPermits(n);
    if (permits > this.bound) {
      throw new RangeError(
        `${this.name}: acquire(${permits}) asks for more than its ${this.bound} permits`,
      );
    }
    return permits;
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
