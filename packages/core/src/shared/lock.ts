/**
 * {@link SharedLock} and {@link SharedRLock}: locks in shared memory, usable from every agent
 * (worker or main thread) that holds them.
 *
 * @module
 */
import { LockError } from '../errors.js';
import type { Lockable } from '../interfaces.js';
import type { WaitOptions } from '../options.js';
import { exclusive, guard, LockGuard } from '../sync/guard.js';
import { emit, tracing } from '../trace/tracer.js';
import { checkWait, opened, openState, stateFor, type SharedNameOptions } from './base.js';
import {
  HEADER_WORDS,
  type Layout,
  type SharedLockHandle,
  type SharedRLockHandle,
} from './handle.js';
import {
  CONTENDED,
  FREE,
  lockAsync,
  lockSync,
  tryLock,
  unlock,
  type CancelWords,
} from './mutex.js';
import { bumpEpoch } from './cancel.js';
import { SharedPrimitive } from './primitive.js';
import { checkCanBlock } from './wait.js';
import { gateAsync, gateSync } from './gate.js';

const STATE = HEADER_WORDS;
/** Agent id of the holder (0 when free): for `owner`, re-entrancy and diagnostics. */
const OWNER = HEADER_WORDS + 1;
/** SharedRLock: how many times the owner holds it. Only the owner reads or writes it. */
const DEPTH = HEADER_WORDS + 2;
/** The cancel epoch (`cancelAll` adds 1) and the count of waiting calls: see cancel.ts. */
const EPOCH = HEADER_WORDS + 4;
const WAITERS = HEADER_WORDS + 5;
const CANCEL_WORDS: CancelWords = { epoch: EPOCH, waiters: WAITERS };
const BYTES = (HEADER_WORDS + 6) * 4;
/** What `from(handle)` checks (handle.ts `checkLayout`): the size and the lock word's states. */
const LAYOUT: Layout = {
  words: [
    { index: STATE, field: 'state', min: 0, max: 2 },
    { index: OWNER, field: 'owner', min: 0, max: 0x7fffffff },
    { index: DEPTH, field: 'depth', min: 0, max: 0x7fffffff },
    { index: WAITERS, field: 'waiters', min: 0, max: 0x7fffffff },
  ],
  bytes: BYTES,
};

const WAITED = Object.freeze({ waited: true });
const NOT_WAITED = Object.freeze({ waited: false });
const ABANDONED = Object.freeze({ waited: true, abandoned: true });

/** Options of `new SharedLock()` and `new SharedRLock()`. */
export type SharedLockOptions = SharedNameOptions;

abstract class SharedLockBase<K extends 'SharedLock' | 'SharedRLock'>
  extends SharedPrimitive<K>
  implements Lockable
{
  /** Whether the lock is held (by any agent) now. */
  get locked(): boolean {
    return Atomics.load(this.cells, STATE) !== 0;
  }

  /** The registry id of the agent holding the lock (see `currentAgentId()`), or 0 when free. */
  get owner(): number {
    return Atomics.load(this.cells, OWNER);
  }

  /** Set when this agent's current hold was taken over from a dead holder. */
  private rescued = false;

  /**
   * `true` while this agent holds a lock it **took over from a holder that died** (its agent
   * exited, as the registry's `watchWorker()` or `agentExited()` reported), like a robust
   * mutex's `EOWNERDEAD`: whatever the dead holder protected may be half updated, so check or
   * repair it before relying on it. The lock itself is fully usable (release it as usual).
   * `false` for an ordinary hold and when this agent does not hold the lock.
   */
  get abandoned(): boolean {
    return this.rescued && this.locked && this.owner === this.registryRow.registry.agentId;
  }

  /**
   * The `rescue` hook of the waiting loops (mutex.ts): if the lock is held by an agent the
   * registry says has exited, take it over. The CAS on OWNER (dead holder -> this agent) is the
   * single decision: of several waiters that see the same dead holder, one wins. The lock word
   * stays held throughout (now CONTENDED, so that our release wakes the other sleepers).
   */
  protected readonly rescue = (): boolean => {
    const cells = this.cells;
    const dead = Atomics.load(cells, OWNER);
    const { registry } = this.registryRow;
    if (dead === 0 || !registry.hasExited(dead)) return false;
    if (Atomics.load(cells, STATE) === FREE) return false;
    if (Atomics.compareExchange(cells, OWNER, dead, registry.agentId) !== dead) return false;
    Atomics.store(cells, STATE, CONTENDED);
    this.rescued = true;
    registry.setOwner(this.id);
    this.tookOver();
    if (tracing()) emit(this, 'acquired', ABANDONED);
    return true;
  };

  /** Called after a take-over, before `took()` would be: sets what an ordinary take sets. */
  protected tookOver(): void {}

  /** Takes the lock if it is free now. Returns whether it was taken. */
  abstract tryAcquire(): boolean;
  /** Waits (asynchronously) until the lock can be taken, then takes it. */
  abstract acquire(options?: WaitOptions): Promise<void>;
  /** Blocks until the lock can be taken, then takes it. */
  abstract acquireSync(options?: WaitOptions): void;
  /** Releases the lock. */
  abstract release(): void;

  /**
   * Acquires the lock and resolves with a guard that releases it when disposed:
   * `using _ = await lock.lock()`.
   */
  lock(options?: WaitOptions): Promise<LockGuard> {
    return guard(this, options);
  }

  /**
   * Makes every call waiting now to acquire the lock (`acquire`, `acquireSync`, `lock`, in any
   * agent) give up with a `CancelledError` (in this agent: with `reason` when given), without
   * the lock; the holder keeps it and later calls are not affected. Returns how many calls had
   * counted themselves as waiting at that moment (see shared/cancel.ts for what the count means
   * across agents). A waiter asleep is woken at once; one caught between its last check and
   * its sleep leaves within 100 ms (the waiters' sleeps are sliced).
   *
   * @example
   * ```ts
   * const lock = new SharedLock({ name: 'books' });
   * lock.acquireSync();
   * const waiting = lock.acquire().catch((e: unknown) => e); // CancelledError
   * await new Promise((r) => setTimeout(r, 10));
   * lock.cancelAll(); // 1
   * lock.release();
   * ```
   */
  cancelAll(reason?: unknown): number {
    const count = bumpEpoch(this.cells, EPOCH, WAITERS, reason);
    Atomics.notify(this.cells, STATE);
    return count;
  }

  /** Blocking form of {@link lock}: `using _ = lock.lockSync()`. */
  lockSync(options?: WaitOptions): LockGuard {
    this.acquireSync(options);
    return new LockGuard(this);
  }

  /** Runs `fn` holding the lock, releases it when `fn` settles, and resolves with its result. */
  runExclusive<R>(fn: () => R | PromiseLike<R>, options?: WaitOptions): Promise<Awaited<R>> {
    return exclusive(this, fn, options);
  }

  /** Records this agent as the holder, in the lock and in the registry. */
  protected took(waited: boolean): void {
    if (this.rescued && this.abandoned) return; // taken over by rescue(): already recorded
    this.rescued = false;
    const { registry, id } = this.registryRow;
    Atomics.store(this.cells, OWNER, registry.agentId);
    registry.setOwner(id);
    if (tracing()) emit(this, 'acquired', waited ? WAITED : NOT_WAITED);
  }

  /** Clears the holder before the word is freed, so a new holder's record is never erased. */
  protected freeing(): void {
    this.rescued = false;
    Atomics.store(this.cells, OWNER, 0);
    this.registryRow.registry.clearOwner(this.id);
    if (tracing()) emit(this, 'release');
  }
}

/**
 * A mutual-exclusion lock in shared memory, like Python's `threading.Lock`, for every agent that
 * holds it (workers and the main thread).
 *
 * - **Not owned**: any agent may release it, as in Python (the lesson's hand-off relies on
 *   this). Releasing it when it is not held throws {@link LockError}. The last acquirer is
 *   recorded as its owner for `snapshot()` and `findDeadlock()`.
 * - **Not re-entrant**: an agent that acquires it twice waits for ever; `findDeadlock()` reports
 *   that as a cycle of one.
 * - **Not fair**: a released lock goes to whoever takes it first.
 * - **Memory**: everything an agent wrote before `release()` is visible to the next agent after
 *   its `acquire()`/`acquireSync()` returns (the lock word is only touched by sequentially
 *   consistent atomics).
 *
 * @example
 * ```ts
 * // main thread
 * const lock = new SharedLock({ name: 'counter' });
 * const counter = new Int32Array(new SharedArrayBuffer(4));
 * worker.postMessage({ lock: lock.handle, counter });
 *
 * // worker
 * const lock = SharedLock.from(data.lock);
 * lock.acquireSync();
 * try { data.counter[0]++; } finally { lock.release(); }
 *
 * // browser main thread: only the async forms
 * await lock.runExclusive(() => { counter[0]++; });
 * ```
 */
export class SharedLock extends SharedLockBase<'SharedLock'> {
  readonly kind = 'SharedLock' as const;

  constructor(options?: SharedLockOptions) {
    const state = stateFor('SharedLock', BYTES, options);
    super(state);
    if (state.created && tracing()) emit(this, 'created');
  }

  /**
   * Rebuilds a lock from its `handle` in this agent.
   *
   * @throws HandleError when `handle` is not a SharedLock's handle.
   */
  static from(handle: SharedLockHandle): SharedLock {
    return new SharedLock(opened(openState(handle, 'SharedLock', LAYOUT)));
  }

  tryAcquire(): boolean {
    gateSync(this, 'acquire');
    if (!tryLock(this.cells, STATE)) return this.rescue();
    this.took(false);
    return true;
  }

  /**
   * Waits until the lock is free, then takes it. Rejects with `TimeoutError` after `timeout` ms
   * or with `signal.reason` when `signal` aborts; the lock is then not taken.
   */
  async acquire(options?: WaitOptions): Promise<void> {
    const gate = gateAsync(this, 'acquire');
    if (gate) await gate;
    const wait = checkWait(options);
    this.took(await lockAsync(this, this.cells, STATE, wait, this.rescue, CANCEL_WORDS));
  }

  /**
   * Blocks this agent until the lock is free, then takes it. Throws `TimeoutError` after
   * `timeout` ms, and `BlockingCallError` on a browser's main thread (use `acquire()`).
   */
  acquireSync(options?: WaitOptions): void {
    gateSync(this, 'acquire');
    checkCanBlock(this.name, 'acquireSync', 'acquire');
    const wait = checkWait(options);
    this.took(lockSync(this, this.cells, STATE, wait, this.rescue, CANCEL_WORDS));
  }

  /**
   * Releases the lock (any agent may).
   *
   * @throws LockError when the lock is not held.
   */
  release(): void {
    gateSync(this, 'release');
    if (Atomics.load(this.cells, STATE) === 0) {
      throw new LockError(`${this.name}: release of an unlocked SharedLock (nobody holds it)`);
    }
    this.freeing();
    if (!unlock(this.cells, STATE)) {
      throw new LockError(`${this.name}: release of an unlocked SharedLock (nobody holds it)`);
    }
  }
}

/**
 * A re-entrant lock in shared memory, like Python's `threading.RLock`: owned by the agent that
 * acquired it, which may acquire it again and must release it as many times. Re-entrancy is per
 * agent (a worker, or the main thread with all its async tasks), as Python's is per thread.
 *
 * @example
 * ```ts
 * const rlock = new SharedRLock({ name: 'table' });
 * rlock.acquireSync();
 * rlock.acquireSync(); // same agent: fine
 * rlock.release();
 * rlock.release();
 * ```
 */
export class SharedRLock extends SharedLockBase<'SharedRLock'> {
  readonly kind = 'SharedRLock' as const;

  constructor(options?: SharedLockOptions) {
    const state = stateFor('SharedRLock', BYTES, options);
    super(state);
    if (state.created && tracing()) emit(this, 'created');
  }

  /**
   * Rebuilds a re-entrant lock from its `handle` in this agent.
   *
   * @throws HandleError when `handle` is not a SharedRLock's handle.
   */
  static from(handle: SharedRLockHandle): SharedRLock {
    return new SharedRLock(opened(openState(handle, 'SharedRLock', LAYOUT)));
  }

  /** How many times this agent holds the lock now (0 when another agent, or nobody, does). */
  get depth(): number {
    return this.mine() ? (this.cells[DEPTH] ?? 0) : 0;
  }

  private mine(): boolean {
    return Atomics.load(this.cells, OWNER) === this.registryRow.registry.agentId;
  }

  /** Only the owner ever writes DEPTH, so plain reads and writes of it are race-free. */
  private again(): void {
    this.cells[DEPTH] = (this.cells[DEPTH] ?? 0) + 1;
    if (tracing()) emit(this, 'acquired', NOT_WAITED);
  }

  protected override took(waited: boolean): void {
    if (!this.abandoned) this.cells[DEPTH] = 1;
    super.took(waited);
  }

  /** A dead holder's depth means nothing to us: we hold the lock once. */
  protected override tookOver(): void {
    this.cells[DEPTH] = 1;
  }

  tryAcquire(): boolean {
    gateSync(this, 'acquire');
    if (this.mine()) {
      this.again();
      return true;
    }
    if (!tryLock(this.cells, STATE)) return this.rescue();
    this.took(false);
    return true;
  }

  /** Takes the lock, waiting asynchronously if another agent holds it; see {@link SharedLock.acquire}. */
  async acquire(options?: WaitOptions): Promise<void> {
    const gate = gateAsync(this, 'acquire');
    if (gate) await gate;
    const wait = checkWait(options);
    if (this.mine()) return this.again();
    this.took(await lockAsync(this, this.cells, STATE, wait, this.rescue, CANCEL_WORDS));
  }

  /** Takes the lock, blocking if another agent holds it; see {@link SharedLock.acquireSync}. */
  acquireSync(options?: WaitOptions): void {
    gateSync(this, 'acquire');
    const wait = checkWait(options);
    if (this.mine()) return this.again();
    checkCanBlock(this.name, 'acquireSync', 'acquire');
    this.took(lockSync(this, this.cells, STATE, wait, this.rescue, CANCEL_WORDS));
  }

  /**
   * Releases one level; the lock is freed when the owner has released it as often as it
   * acquired it.
   *
   * @throws LockError when this agent does not hold the lock.
   */
  release(): void {
    gateSync(this, 'release');
    if (!this.mine() || Atomics.load(this.cells, STATE) === 0) {
      const owner = this.owner;
      const { registry } = this.registryRow;
      const dead =
        owner !== 0 && registry.hasExited(owner)
          ? ` (its holder ${registry.agentName(owner)} has exited: acquire it to take it over)`
          : '';
      throw new LockError(`${this.name}: release of a SharedRLock this agent does not hold${dead}`);
    }
    const depth = (this.cells[DEPTH] ?? 1) - 1;
    this.cells[DEPTH] = depth;
    if (depth > 0) {
      if (tracing()) emit(this, 'release');
      return;
    }
    this.freeing();
    unlock(this.cells, STATE);
  }
}
