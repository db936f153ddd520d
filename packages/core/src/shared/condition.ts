/**
 * {@link SharedCondition}: a condition variable in shared memory.
 *
 * @module
 */
import { HandleError, LockError } from '../errors.js';
import type { WaitOptions } from '../options.js';
import { describe } from '../options.js';
import { emit, tracing } from '../trace/tracer.js';
import {
  checkWait,
  opened,
  openedState,
  openState,
  stateFor,
  timeoutError,
  type CheckedWait,
  type SharedNameOptions,
} from './base.js';
import {
  HEADER_WORDS,
  type SharedHandle,
  type SharedLockHandle,
  type SharedRLockHandle,
} from './handle.js';
import { SharedLock, SharedRLock } from './lock.js';
import { SharedPrimitive } from './primitive.js';
import { checkCanBlock, waitAsync, waitSync, type WaitOutcome } from './wait.js';
import { gateAsync, gateSync } from './gate.js';
import { bumpEpoch, cancelledError, isCancelled, watchCancel, type Cancel } from './cancel.js';

/** Bumped by every notify; waiters sleep while it still has the value they read. */
const SEQ = HEADER_WORDS;
/** How many agents sleep on SEQ (for `waiting`, and to skip needless notifies). */
const WAITERS = HEADER_WORDS + 1;
/**
 * `[agent, count]` per waiting agent (for the first SLOTS agents that wait at once): how many of
 * WAITERS each agent contributed, so that the waits of an agent that exited mid-wait (it never
 * counts itself out) can be taken off WAITERS by whoever reads `waiting` or notifies. Only the
 * agent itself changes its own entry while it lives; a dead agent's entry is repaired once, by
 * the reader whose `exchange` of its count returns non-zero.
 */
const SLOTS_AT = HEADER_WORDS + 2;
const SLOTS = 64;
/**
 * The cancel epoch: `cancelAll` adds 1, then moves SEQ and wakes everyone (see cancel.ts). After
 * the table, so the words above keep their places.
 */
const EPOCH = SLOTS_AT + 2 * SLOTS;
/** @internal The size of a condition's buffer, checked by `from(handle)`. */
export const CONDITION_BYTES = (EPOCH + 1) * 4;
const BYTES = CONDITION_BYTES;

/** Options of `new SharedCondition()`. */
export type SharedConditionOptions = SharedNameOptions;

/** The handle of a {@link SharedCondition}: its own state plus its lock's handle. */
export interface SharedConditionHandle extends SharedHandle<'SharedCondition'> {
  readonly lock: SharedLockHandle | SharedRLockHandle;
}

type AnySharedLock = SharedLock | SharedRLock;

/**
 * A condition variable in shared memory, like Python's `threading.Condition`: agents holding its
 * lock `wait()` until another agent changes some shared state and calls `notify()`.
 *
 * `wait()` reads the notify counter *before* releasing the lock and sleeps only while the
 * counter is unchanged, so a `notify()` made after the lock was released, however soon, is
 * never missed. Like every condition variable (pthreads, Java, Python's own may in practice),
 * a wait may also return without a notify (e.g. when another agent's wait is aborted): test the
 * predicate in a loop, or use {@link waitFor}.
 *
 * @example
 * ```ts
 * const cond = new SharedCondition(new SharedLock({ name: 'items lock' }), { name: 'items' });
 * // consumer (worker)
 * cond.lock.acquireSync();
 * try {
 *   cond.waitForSync(() => count[0] > 0);
 *   count[0]--;
 * } finally { cond.lock.release(); }
 * // producer (any agent)
 * await cond.lock.runExclusive(() => { count[0]++; cond.notify(); });
 * ```
 */
export class SharedCondition extends SharedPrimitive<'SharedCondition'> {
  readonly kind = 'SharedCondition' as const;
  /** The lock that `wait()` releases and takes again; the caller must hold it. */
  readonly lock: AnySharedLock;

  /**
   * @param lock - a {@link SharedLock} or {@link SharedRLock}; a new SharedLock by default.
   */
  constructor(lock?: AnySharedLock, options?: SharedConditionOptions) {
    const opening = openedState(options) !== undefined;
    if (
      !opening &&
      lock !== undefined &&
      !(lock instanceof SharedLock || lock instanceof SharedRLock)
    ) {
      throw new TypeError(
        `SharedCondition lock must be a SharedLock or SharedRLock, got ${describe(lock)}`,
      );
    }
    const state = stateFor('SharedCondition', BYTES, options);
    super(state);
    // Opened from a handle: from() passes the condition's own lock, already rebuilt.
    this.lock = lock ?? new SharedLock({ name: `${this.name} lock` });
    if (state.created && tracing()) emit(this, 'created');
  }

  /**
   * Rebuilds a condition (and its lock) from its `handle` in this agent.
   *
   * @throws HandleError when `handle` is not a SharedCondition's handle.
   */
  static from(handle: SharedConditionHandle): SharedCondition {
    const state = openState(handle, 'SharedCondition', { bytes: BYTES });
    const lockHandle = (handle as Partial<SharedConditionHandle>).lock;
    let lock: AnySharedLock;
    if (lockHandle?.kind === 'SharedLock') lock = SharedLock.from(lockHandle as SharedLockHandle);
    else if (lockHandle?.kind === 'SharedRLock')
      lock = SharedRLock.from(lockHandle as SharedRLockHandle);
    else
      throw new HandleError(
        'SharedCondition.from(): handle.lock is not a SharedLock or SharedRLock handle',
      );
    return new SharedCondition(lock, opened(state));
  }

  override get handle(): SharedConditionHandle {
    return { ...super.handle, lock: this.lock.handle };
  }

  /**
   * Agents waiting now. The waits of an agent that exited while waiting (see the registry's
   * `watchWorker()`/`agentExited()`) are not counted.
   */
  get waiting(): number {
    this.forgetDead();
    return Atomics.load(this.cells, WAITERS);
  }

  /** This agent's entry in the waiter table, or -1 when the table is full. */
  private slot = -1;

  /** Counts one wait of this agent in, in WAITERS and in its table entry. */
  private countIn(): void {
    Atomics.add(this.cells, WAITERS, 1);
    const me = this.registryRow.registry.agentId;
    if (this.slot === -1) {
      for (let i = 0; i < SLOTS; i++) {
        const at = SLOTS_AT + 2 * i;
        if (Atomics.compareExchange(this.cells, at, 0, me) === 0) {
          this.slot = at;
          break;
        }
      }
    }
    if (this.slot !== -1) Atomics.add(this.cells, this.slot + 1, 1);
  }

  /** The reverse of {@link countIn}; frees the table entry when this agent no longer waits. */
  private countOut(): void {
    if (this.slot !== -1) {
      const at = this.slot;
      if (Atomics.sub(this.cells, at + 1, 1) === 1) {
        this.slot = -1;
        Atomics.store(this.cells, at, 0);
      }
    }
    Atomics.sub(this.cells, WAITERS, 1);
  }

  /** Takes the waits of agents that exited mid-wait off WAITERS (each entry once). */
  private forgetDead(): void {
    const { registry } = this.registryRow;
    for (let i = 0; i < SLOTS; i++) {
      const at = SLOTS_AT + 2 * i;
      const agent = Atomics.load(this.cells, at);
      if (agent === 0 || !registry.hasExited(agent)) continue;
      const count = Atomics.exchange(this.cells, at + 1, 0);
      if (count > 0) Atomics.sub(this.cells, WAITERS, count);
      Atomics.compareExchange(this.cells, at, agent, 0);
    }
  }

  /**
   * Releases the lock, waits for a `notify`, and takes the lock again (also on timeout or
   * abort, before rejecting with `TimeoutError` or `signal.reason`).
   *
   * @throws LockError when this agent does not hold the lock.
   */
  async wait(options?: WaitOptions): Promise<void> {
    const gate = gateAsync(this, 'wait');
    if (gate) await gate;
    const wait = checkWait(options);
    const { seq, depth, token, cancel } = this.beforeWait(wait);
    let outcome: WaitOutcome;
    try {
      outcome = await waitAsync(this.cells, SEQ, seq, wait.deadline, wait.signal);
    } finally {
      this.registryRow.registry.endWait(token);
      this.countOut();
      await this.lock.acquire();
      this.restore(depth);
    }
    this.afterWait(outcome, wait, cancel);
  }

  /** Blocking form of {@link wait}; throws `BlockingCallError` on a browser's main thread. */
  waitSync(options?: WaitOptions): void {
    gateSync(this, 'wait');
    checkCanBlock(this.name, 'waitSync', 'wait');
    const wait = checkWait(options);
    const { seq, depth, token, cancel } = this.beforeWait(wait);
    let outcome: WaitOutcome;
    try {
      outcome = waitSync(this.cells, SEQ, seq, wait.deadline);
    } finally {
      this.registryRow.registry.endWait(token);
      this.countOut();
      this.lock.acquireSync();
      this.restore(depth);
    }
    this.afterWait(outcome, wait, cancel);
  }

  /**
   * Waits until `predicate()` is true (checked with the lock held, before each wait), like
   * Python's `wait_for`. The timeout covers the whole call.
   */
  async waitFor(predicate: () => boolean, options?: WaitOptions): Promise<void> {
    const wait = checkWait(options);
    while (!predicate()) {
      const left =
        wait.deadline === Infinity ? undefined : Math.max(0, wait.deadline - performance.now());
      try {
        await this.wait({
          ...(left === undefined ? {} : { timeout: left }),
          ...(wait.signal ? { signal: wait.signal } : {}),
        });
      } catch (error) {
        if (error instanceof Error && error.name === 'TimeoutError')
          throw timeoutError(this, 'waitFor', wait.timeout);
        throw error;
      }
    }
  }

  /** Blocking form of {@link waitFor}. */
  waitForSync(predicate: () => boolean, options?: WaitOptions): void {
    const wait = checkWait(options);
    while (!predicate()) {
      const left =
        wait.deadline === Infinity ? undefined : Math.max(0, wait.deadline - performance.now());
      try {
        this.waitSync(left === undefined ? {} : { timeout: left });
      } catch (error) {
        if (error instanceof Error && error.name === 'TimeoutError')
          throw timeoutError(this, 'waitFor', wait.timeout);
        throw error;
      }
    }
  }

  /**
   * Wakes up to `n` waiting agents (default 1). The caller must hold the lock.
   *
   * @throws LockError when this agent does not hold the lock.
   */
  notify(n = 1): void {
    gateSync(this, 'notify');
    if (typeof n !== 'number' || !(n >= 0))
      throw new RangeError(`n must be a non-negative number, got ${describe(n)}`);
    this.checkHeld('notify');
    // Change the word, then wake: a waiter that read the old value and has not slept yet will
    // find it changed and not sleep at all.
    Atomics.add(this.cells, SEQ, 1);
    if (tracing()) emit(this, 'notify', { n });
    if (Atomics.load(this.cells, WAITERS) !== 0 && n > 0) Atomics.notify(this.cells, SEQ, n);
  }

  /**
   * Makes every call waiting now (`wait`, `waitSync`, `waitFor`, in any agent) give up with a
   * `CancelledError` (in this agent: with `reason` when given), after taking the lock back as
   * any wait ends; later calls are not affected. Unlike `notify`, it does not need the lock.
   * Returns how many waits were counted at that moment (see shared/cancel.ts for what the count
   * means across agents).
   *
   * @example
   * ```ts
   * const lock = new SharedLock();
   * const cond = new SharedCondition(lock, { name: 'cond' });
   * await lock.acquire();
   * const waiting = cond.wait().catch((e: unknown) => e); // CancelledError (lock re-taken)
   * cond.cancelAll(); // 1
   * ```
   */
  cancelAll(reason?: unknown): number {
    this.forgetDead();
    const count = bumpEpoch(this.cells, EPOCH, WAITERS, reason);
    // The epoch moved before SEQ, and every waiter sleeps on SEQ: see cancel.ts.
    Atomics.add(this.cells, SEQ, 1);
    Atomics.notify(this.cells, SEQ);
    return count;
  }

  /** Wakes every waiting agent. The caller must hold the lock. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  private checkHeld(what: string): void {
    const me = this.lock.registryRow.registry.agentId;
    if (!this.lock.locked || this.lock.owner !== me) {
      throw new LockError(`${this.name}: ${what}() needs the condition's lock, held by this agent`);
    }
  }

  /** Reads the counter, counts us in, then releases the lock (fully, for an RLock). */
  private beforeWait(wait: CheckedWait): {
    seq: number;
    depth: number;
    token: number;
    cancel: Cancel;
  } {
    this.checkHeld('wait');
    // The epoch before SEQ and before counting us in (the order cancel.ts relies on).
    const cancel = watchCancel(this.cells, EPOCH);
    const seq = Atomics.load(this.cells, SEQ);
    this.countIn();
    if (tracing()) emit(this, 'wait');
    let depth = 1;
    if (this.lock instanceof SharedRLock) {
      depth = this.lock.depth;
      for (let i = 1; i < depth; i++) this.lock.release();
    }
    const token = this.registryRow.registry.beginWait(this.id, 'wait', wait);
    this.lock.release();
    return { seq, depth, token, cancel };
  }

  private restore(depth: number): void {
    for (let i = 1; i < depth; i++) this.lock.tryAcquire();
  }

  private afterWait(outcome: WaitOutcome, wait: CheckedWait, cancel: Cancel): void {
    // A wake-up with the epoch moved is a cancel (even if a notify came first: every waiter
    // present then was present at the cancel too, so no notify is lost for anyone else).
    if ((outcome === 'ok' || outcome === 'not-equal') && isCancelled(cancel)) {
      throw cancelledError(this, 'wait', cancel);
    }
    if (outcome === 'aborted') {
      if (tracing()) emit(this, 'abort');
      throw wait.signal?.reason;
    }
    if (outcome === 'timed-out') throw timeoutError(this, 'wait', wait.timeout);
    if (tracing()) emit(this, 'wake');
  }
}
