/**
 * {@link SharedSemaphore}: a counting semaphore in shared memory.
 *
 * @module
 */
import type { Lockable } from '../interfaces.js';
import {
  checkNonNegativeInteger,
  checkPositiveInteger,
  describe,
  type WaitOptions,
} from '../options.js';
import { exclusive, guard, LockGuard } from '../sync/guard.js';
import { emit, tracing } from '../trace/tracer.js';
import {
  blockAsync,
  blockSync,
  checkWait,
  opened,
  openedState,
  openState,
  stateFor,
  type Attempt,
  type SharedNameOptions,
} from './base.js';
import { HEADER_WORDS, type Layout, type SharedSemaphoreHandle } from './handle.js';
import { SharedPrimitive } from './primitive.js';
import { checkCanBlock } from './wait.js';
import { gateAsync, gateSync } from './gate.js';
import { bumpEpoch, cancelledError, isCancelled, watchCancel } from './cancel.js';
import { sleepsHere } from './exits.js';

/** Permits available now. */
const VALUE = HEADER_WORDS;
/** How many agents sleep on VALUE: `release` skips the notify system call when 0. */
const WAITERS = HEADER_WORDS + 1;
/**
 * How many of those sleepers want more than one permit. While any does, `release(n)` wakes every
 * sleeper, not just `n`: a woken waiter that wants 3 of the 1 released permit would otherwise
 * use up the wake-up that a waiter wanting 1 needed.
 */
const WEIGHTED = HEADER_WORDS + 2;
/**
 * Waiters sleep on this sequence word: `release` moves it (after the count) when anyone waits,
 * and so does `cancelAll` (after the cancel epoch). It is not VALUE itself so that a cancel can
 * move the word every sleeper watches without touching the permits (see cancel.ts).
 */
const SEQ = HEADER_WORDS + 3;
/** The cancel epoch: `cancelAll` adds 1 (see cancel.ts). */
const EPOCH = HEADER_WORDS + 4;
const BYTES = (HEADER_WORDS + 5) * 4;
const MAX_PERMITS = 0x7fffffff;
/** What `from(handle)` checks (handle.ts `checkLayout`). */
const LAYOUT: Layout = {
  words: [
    { index: VALUE, field: 'value', min: 0, max: MAX_PERMITS },
    { index: WAITERS, field: 'waiters', min: 0, max: 0x7fffffff },
    { index: WEIGHTED, field: 'weighted', min: 0, max: 0x7fffffff },
  ],
  bytes: BYTES,
};

/** Options of `new SharedSemaphore()`. */
export type SharedSemaphoreOptions = SharedNameOptions;

/**
 * A counting semaphore in shared memory, like Python's `threading.Semaphore`: `acquire` takes a
 * permit, waiting while there is none; `release` gives one back. Not fair: a released permit
 * goes to whoever takes it first.
 *
 * Everything an agent did before `release()` is visible to an agent whose `acquire()` took that
 * permit.
 *
 * @example
 * ```ts
 * const slots = new SharedSemaphore(3, { name: 'db connections' });
 * worker.postMessage(slots.handle);
 * // in the worker
 * const slots = SharedSemaphore.from(handle);
 * slots.acquireSync({ timeout: 1000 });
 * try { query(); } finally { slots.release(); }
 * ```
 */
export class SharedSemaphore extends SharedPrimitive<'SharedSemaphore'> implements Lockable {
  readonly kind = 'SharedSemaphore' as const;

  /**
   * @param value - initial number of permits, a non-negative integer below 2^31.
   * @throws RangeError / TypeError naming `value`.
   */
  constructor(value = 1, options?: SharedSemaphoreOptions) {
    if (openedState(options) === undefined) {
      checkNonNegativeInteger('value', value);
      if (value > MAX_PERMITS)
        throw new RangeError(`value must be at most ${MAX_PERMITS}, got ${value}`);
    }
    const state = stateFor('SharedSemaphore', BYTES, options);
    super(state);
    if (state.created) {
      Atomics.store(this.cells, VALUE, value);
      if (tracing()) emit(this, 'created', { value });
    }
  }

  /**
   * Rebuilds a semaphore from its `handle` in this agent.
   *
   * @throws HandleError when `handle` is not a SharedSemaphore's handle.
   */
  static from(handle: SharedSemaphoreHandle): SharedSemaphore {
    return new SharedSemaphore(1, opened(openState(handle, 'SharedSemaphore', LAYOUT)));
  }

  /** Permits available now. */
  get value(): number {
    return Atomics.load(this.cells, VALUE);
  }

  /** Whether no permit is available now (`Lockable.locked`). */
  get locked(): boolean {
    return this.value === 0;
  }

  /** Takes `n` permits (default 1) if that many are available now, all or none. */
  tryAcquire(n = 1): boolean {
    gateSync(this, 'acquire');
    if (n !== 1) checkPositiveInteger('permits', n);
    const ok = take(this.cells, n);
    if (ok && tracing()) emit(this, 'acquired', { waited: false });
    return ok;
  }

  /**
   * Waits until a permit is available, then takes it. Rejects with `TimeoutError` after
   * `timeout` ms or with `signal.reason`; no permit is then taken.
   *
   * **Weighted**: `acquire(n, options)` takes `n` permits at once, all or none. Unlike the
   * in-thread `Semaphore`, waiters across agents are not served in order: a large request can
   * wait while smaller ones keep taking permits (bound it with a timeout).
   */
  async acquire(options?: WaitOptions): Promise<void>;
  async acquire(permits: number, options?: WaitOptions): Promise<void>;
  async acquire(first?: number | WaitOptions, second?: WaitOptions): Promise<void> {
    const gate = gateAsync(this, 'acquire');
    if (gate) await gate;
    const [n, options] = this.weighted(first, second);
    const wait = checkWait(options);
    if (take(this.cells, n)) return this.traceAcquired(false);
    if (tracing()) emit(this, 'acquire');
    if (n === 1) await blockAsync(this, this.taking(1), 'acquire', wait, 'acquire');
    else {
      Atomics.add(this.cells, WEIGHTED, 1);
      try {
        await blockAsync(this, this.taking(n), 'acquire', wait, 'acquire');
      } finally {
        Atomics.sub(this.cells, WEIGHTED, 1);
      }
    }
    this.traceAcquired(true);
  }

  /** Blocking form of {@link acquire}; throws `BlockingCallError` on a browser's main thread. */
  acquireSync(options?: WaitOptions): void;
  acquireSync(permits: number, options?: WaitOptions): void;
  acquireSync(first?: number | WaitOptions, second?: WaitOptions): void {
    gateSync(this, 'acquire');
    checkCanBlock(this.name, 'acquireSync', 'acquire');
    const [n, options] = this.weighted(first, second);
    const wait = checkWait(options);
    if (take(this.cells, n)) return this.traceAcquired(false);
    if (tracing()) emit(this, 'acquire');
    if (n === 1) blockSync(this, this.taking(1), 'acquire', wait, 'acquire');
    else {
      Atomics.add(this.cells, WEIGHTED, 1);
      try {
        blockSync(this, this.taking(n), 'acquire', wait, 'acquire');
      } finally {
        Atomics.sub(this.cells, WEIGHTED, 1);
      }
    }
    this.traceAcquired(true);
  }

  /** The `(n, options)` or `(options)` arguments of a (weighted) acquire, checked. */
  private weighted(
    first: number | WaitOptions | undefined,
    second: WaitOptions | undefined,
  ): [number, WaitOptions | undefined] {
    if (typeof first !== 'number') return [1, first];
    checkPositiveInteger('permits', first);
    if (first > MAX_PERMITS) {
      throw new RangeError(`permits must be at most ${MAX_PERMITS}, got ${first}`);
    }
    return [first, second];
  }

  /**
   * The attempt of a wait for `n` permits (allocated per wait, only once the fast path failed):
   * first the cancel check, then the take. It reads the epoch now, before blockSync/blockAsync
   * count the call in WAITERS (the order cancel.ts relies on).
   */
  private taking(n: number): Attempt {
    const cells = this.cells;
    const cancel = watchCancel(cells, EPOCH);
    sleepsHere(this); // from now on, reported exits wake our sleepers (shared/exits.ts)
    return {
      cells,
      word: SEQ,
      waiters: WAITERS,
      // release(n) wakes n sleepers: one killed before it acts takes its wake-up with it.
      sliced: true,
      attempt: () => {
        if (isCancelled(cancel)) throw cancelledError(this, 'acquire', cancel);
        return take(cells, n);
      },
    };
  }

  /**
   * Wakes every sleeper of this semaphore, in every agent, to try again: after `cancelAll()`,
   * and when an agent was reported exited, as it may have swallowed a wake-up of a release
   * (see shared/exits.ts).
   *
   * @internal
   */
  wakeEverySleeper(): void {
    Atomics.add(this.cells, SEQ, 1);
    Atomics.notify(this.cells, SEQ);
  }

  /**
   * Makes every call waiting now to acquire (`acquire`, `acquireSync`, in any agent) give up
   * with a `CancelledError` (in this agent: with `reason` when given), taking no permit; later
   * calls are not affected. Returns how many calls had counted themselves as waiting at that
   * moment (see shared/cancel.ts for what the count means exactly across agents).
   *
   * @example
   * ```ts
   * const slots = new SharedSemaphore(0, { name: 'slots' });
   * const waiting = slots.acquire().catch((e: unknown) => e); // CancelledError
   * await new Promise((r) => setTimeout(r, 10));
   * slots.cancelAll(); // 1
   * ```
   */
  cancelAll(reason?: unknown): number {
    const count = bumpEpoch(this.cells, EPOCH, WAITERS, reason);
    // The epoch moved before the sleep word: see cancel.ts.
    this.wakeEverySleeper();
    return count;
  }

  /**
   * Gives back `n` permits (default 1), waking up to `n` waiters.
   *
   * @throws RangeError when `n` is not a positive integer or the count would pass 2^31 - 1.
   */
  release(n = 1): void {
    gateSync(this, 'release');
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`n must be a positive integer, got ${describe(n)}`);
    }
    let value = Atomics.load(this.cells, VALUE);
    for (;;) {
      if (value + n > MAX_PERMITS) {
        throw new RangeError(`${this.name}: release(${n}) would pass ${MAX_PERMITS} permits`);
      }
      const seen = Atomics.compareExchange(this.cells, VALUE, value, value + n);
      if (seen === value) break;
      value = seen;
    }
    if (tracing()) emit(this, 'release', { value: value + n });
    // The count changed before we look at WAITERS, and the sequence word moves after that:
    // see blockSync for why nobody is missed.
    if (Atomics.load(this.cells, WAITERS) !== 0) {
      const everyone = Atomics.load(this.cells, WEIGHTED) !== 0;
      Atomics.add(this.cells, SEQ, 1);
      Atomics.notify(this.cells, SEQ, everyone ? Infinity : n);
    }
  }

  /** Acquires a permit and resolves with a guard that releases it when disposed. */
  lock(options?: WaitOptions): Promise<LockGuard> {
    return guard(this, options);
  }

  /** Runs `fn` holding a permit and releases it when `fn` settles. */
  runExclusive<R>(fn: () => R | PromiseLike<R>, options?: WaitOptions): Promise<Awaited<R>> {
    return exclusive(this, fn, options);
  }

  private traceAcquired(waited: boolean): void {
    if (tracing()) emit(this, 'acquired', { waited });
  }
}

/** Takes `n` permits with a CAS loop (never below zero; all or none). */
function take(cells: Int32Array, n = 1): boolean {
  let value = Atomics.load(cells, VALUE);
  while (value >= n) {
    const seen = Atomics.compareExchange(cells, VALUE, value, value - n);
    if (seen === value) return true;
    value = seen;
  }
  return false;
}
