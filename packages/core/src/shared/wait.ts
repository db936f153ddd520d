/**
 * Waiting on a word of shared memory, blocking (`Atomics.wait`) or async (`Atomics.waitAsync`,
 * with a timer-polling fallback where a browser lacks it), plus the checks every shared
 * primitive makes before it waits.
 *
 * Rules every shared primitive follows, so that no wake-up is ever lost:
 *
 * 1. **Change, then notify.** A waker always changes the word the waiters sleep on (a sequence
 *    number, a lock state, a permit count) *before* `Atomics.notify`. A waiter passes the value
 *    it last saw as `expected`, so a wake-up that lands between its check and its wait turns
 *    into an immediate `'not-equal'` instead of a lost wake-up. The polling fallback relies on
 *    the same rule: it sees the change even though nobody notifies it.
 * 2. **Retry before giving up.** After any wake-up a waiter retries its operation first and
 *    checks its deadline only when the retry fails, so a waiter woken just as its timeout
 *    expires still takes the permit or item it was woken for.
 * 3. **Aborted async waits flush themselves.** `Atomics.waitAsync` cannot be cancelled: an
 *    aborted waiter would stay in the word's wait list and could swallow a later
 *    `notify(word, 1)` meant for a live waiter. On abort we therefore `notify` every waiter of
 *    that word, which removes our own stale entry at once; the others wake spuriously, re-check
 *    and wait again (every waiting loop tolerates spurious wake-ups).
 *
 * @module
 */
import { checkExits, EXIT_SLICE_MS } from './exits.js';
import { BlockingCallError } from '../errors.js';

/** How one wait step ended. `'not-equal'`: the word had already changed. */
export type WaitOutcome = 'ok' | 'not-equal' | 'timed-out' | 'aborted';

/** Monotonic milliseconds, for deadlines local to this agent. */
export function now(): number {
  return performance.now();
}

/** The absolute deadline of a call that may wait `timeout` ms (already validated). */
export function deadlineOf(timeout: number): number {
  return timeout === Infinity ? Infinity : now() + timeout;
}

/** Milliseconds left before `deadline` (never negative; `Infinity` for no deadline). */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - now());
}

/** Throws a clear error when shared memory is not available (a page not cross-origin isolated). */
export function requireSharedMemory(): void {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') {
    throw new TypeError(
      'SharedArrayBuffer is not available here: in a browser the page must be cross-origin ' +
        'isolated (Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: ' +
        'require-corp)',
    );
  }
}

let blockingAllowed: boolean | undefined;

/**
 * Whether this agent may block in `Atomics.wait`. A browser's main thread may not: the call
 * throws a `TypeError` there before it even compares the value, so one probe with a value that
 * cannot match tells us, without ever blocking.
 */
export function canBlock(): boolean {
  if (blockingAllowed === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  return blockingAllowed;
}

/**
 * Throws {@link BlockingCallError} when a blocking call such as `acquireSync` is made where
 * blocking is not allowed, naming the async form to use instead.
 */
export function checkCanBlock(name: string, call: string, asyncCall: string): void {
  if (!canBlock()) {
    throw new BlockingCallError(
      `${name}: ${call}() would block, and this agent (a browser's main thread) cannot block; ` +
        `use await ${asyncCall}() instead`,
    );
  }
}

/**
 * Blocks until `cells[index]` is notified or differs from `expected`, or until `deadline`.
 * Only for agents that {@link canBlock}.
 */
export function waitSync(
  cells: Int32Array,
  index: number,
  expected: number,
  deadline: number,
): WaitOutcome {
  return Atomics.wait(cells, index, expected, remaining(deadline));
}

/** What `Atomics.waitAsync` returns (not in TypeScript's lib for every target). */
export type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
/** The shape of `Atomics.waitAsync`. */
export type WaitAsyncFn = (
  cells: Int32Array,
  index: number,
  expected: number,
  timeout?: number,
) => WaitAsyncResult;

/** `Atomics.waitAsync` where the runtime has it. */
export const nativeWaitAsync = (Atomics as unknown as { waitAsync?: WaitAsyncFn }).waitAsync;

/**
 * @internal One result of `Atomics.waitAsync` (`{ async, value }`, here a `'not-equal'` one)
 * that lives as long as the module, so that its hidden class survives a full GC while no async
 * wait is pending: V8 holds that shape only weakly, and losing it throws away the optimized code
 * of every async sleep that reads a result (`queue/sleep.ts`'s `startSleep`). A `gc()` between
 * two runs of 1,000 async getters made TurboFan compile that function again during the next
 * run, each time, for tens of milliseconds of CPU. Never used otherwise.
 */
export const waitAsyncResultShape: WaitAsyncResult | undefined =
  typeof nativeWaitAsync === 'function' && typeof SharedArrayBuffer === 'function'
    ? nativeWaitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0)
    : undefined;

let waitAsyncImpl: WaitAsyncFn | undefined =
  typeof nativeWaitAsync === 'function' ? nativeWaitAsync.bind(Atomics) : undefined;

/**
 * For tests: use the polling fallback even where `Atomics.waitAsync` exists (`false`), or go
 * back to the native one (`true`). Returns whether the native one is available.
 *
 * @internal
 */
export function useNativeWaitAsync(native: boolean): boolean {
  waitAsyncImpl =
    native && typeof nativeWaitAsync === 'function' ? nativeWaitAsync.bind(Atomics) : undefined;
  return typeof nativeWaitAsync === 'function';
}

/**
 * Waits without blocking until `cells[index]` is notified or differs from `expected`, until
 * `deadline`, or until `signal` aborts (`'aborted'`).
 */
export function waitAsync(
  cells: Int32Array,
  index: number,
  expected: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<WaitOutcome> {
  if (signal?.aborted) return Promise.resolve('aborted');
  const wait = waitAsyncImpl;
  if (wait === undefined) return pollWait(cells, index, expected, deadline, signal);
  const result = wait(cells, index, expected, remaining(deadline));
  if (!result.async) return Promise.resolve(result.value);
  keepAlive(1);
  // Without a signal nothing can end the wait early: no promise or closure of ours per wait.
  if (signal === undefined) return result.value.then(waitEnded);
  return new Promise<WaitOutcome>((resolve) => {
    const onAbort = (): void => {
      // Rule 3: flush our own (uncancellable) entry from the wait list; see the module comment.
      Atomics.notify(cells, index);
      settle('aborted');
    };
    let settled = false;
    const settle = (outcome: WaitOutcome): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      keepAlive(-1);
      resolve(outcome);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    void result.value.then(settle);
  });
}

/** Ends the keep-alive of a wait that no signal could end (one function for every such wait). */
function waitEnded(outcome: 'ok' | 'timed-out'): WaitOutcome {
  keepAlive(-1);
  return outcome;
}

let pendingWaits = 0;
let keepAliveTimer: ReturnType<typeof setInterval> | undefined;

/**
 * The keep-alive timer's tick, every {@link EXIT_SLICE_MS}: while async waits are pending, look
 * for agents reported exited since the last tick (they may have swallowed a wake-up meant for
 * one of our sleepers, see `exits.ts`); once none is pending, stop the timer.
 */
function tick(): void {
  if (pendingWaits === 0) {
    clearInterval(keepAliveTimer);
    keepAliveTimer = undefined;
    return;
  }
  checkExits();
}

/**
 * Counts an async wait of this agent that starts (`1`) or ends (`-1`).
 *
 * Node does not count a pending `Atomics.waitAsync` as work: a worker (or the main thread)
 * whose only task awaits one would exit mid-wait. While any async wait is pending we therefore
 * hold an interval timer, which keeps the event loop alive; its tick also watches for agents
 * that exit meanwhile (see {@link tick}). The timer is made once and then only referenced and
 * unreferenced (`ref()`/`unref()`: no allocation, no timer-list work), because a lone async
 * getter woken by every put would otherwise create and clear a timer per item. An unreferenced
 * timer does not keep Node alive, so the agent exits as before once no wait is pending; the
 * timer itself stops at its next tick with no wait pending (so an idle agent is not woken ten
 * times a second for nothing), and is made again by the next wait. Where timers cannot be
 * unreferenced (a browser, which does not exit on an idle event loop anyway) only that tick
 * stops it.
 *
 * @internal
 */
export function keepAlive(delta: 1 | -1): void {
  pendingWaits += delta;
  if (delta === 1) {
    if (pendingWaits !== 1) return;
    const timer = keepAliveTimer as { ref?: () => unknown } | undefined;
    // The exits counted at the last tick stay the baseline (none is taken now: this wait is
    // already listed on its word, and an exit counted between the listing and here may be
    // the one that swallowed its wake-up). After an idle spell the first tick may therefore
    // wake everyone once for an older exit: a spurious wake-up, never a lost one.
    if (timer === undefined) keepAliveTimer = setInterval(tick, EXIT_SLICE_MS);
    else if (typeof timer.ref === 'function') timer.ref();
  } else if (pendingWaits === 0) {
    const timer = keepAliveTimer as { unref?: () => unknown } | undefined;
    if (typeof timer?.unref === 'function') timer.unref();
  }
}

/**
 * The fallback where `Atomics.waitAsync` is missing: re-read the word on a timer that backs off
 * from 0 to 16 ms. Not a busy wait (the agent sleeps between reads), and no wake-up can be
 * missed because every waker changes the word before notifying (rule 1).
 */
async function pollWait(
  cells: Int32Array,
  index: number,
  expected: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<WaitOutcome> {
  let delay = 0;
  for (;;) {
    if (Atomics.load(cells, index) !== expected) return 'ok';
    if (signal?.aborted) return 'aborted';
    const left = remaining(deadline);
    if (left <= 0) return 'timed-out';
    await sleep(Math.min(delay, left), signal);
    delay = delay === 0 ? 1 : Math.min(delay * 2, 16);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Attempts of the bounded spin a waiter makes before it sleeps in a real wait: 25-58 µs for a
 * queue's blocking batch call on the 2-core development machine in one thread, 43-69 µs between
 * two workers (measured; see PERFORMANCE.md, "Which side loses").
 * Sleeping and being woken cost the sleeper tens of microseconds and the waker a system call;
 * the other side is often about to act, so a short spin saves both. It is bounded so that a
 * waiter never burns a core the other side may need: after it, the waiter really sleeps.
 */
export const SPIN = 1024;

/** The shortest spin an adaptive {@link SpinBudget} shrinks to. */
export const MIN_SPIN = 32;

/**
 * An adaptive spin length, one per direction of a busy primitive in each agent (a queue keeps
 * one for its puts and one for its gets). A spin only pays while the other side runs on another
 * core at the same moment. On an oversubscribed machine it usually does not (it waits for the
 * core we are burning), so every spin that ends in a sleep halves the budget (down to
 * {@link MIN_SPIN}) and every spin that succeeds doubles it (up to {@link SPIN}). Only how long
 * we spin changes; the announce / re-check / sleep protocol after it is the same.
 */
export class SpinBudget {
  limit = SPIN;

  /**
   * After a spin that failed and was settled by a blocking sleep (see `spin`'s `settle`):
   * `quick` when the operation succeeded at once after the spin, or a wake-up came within
   * {@link QUICK_WAKE_MS}. The other side was then at work on another core and only needed a
   * little longer than we spun (a streaming partner making its next batch): spin longer next
   * time, since each sleep costs both sides a system call and the sleeper tens of
   * microseconds. A slow wake-up (a partner that was idle, or that had to wait for our core)
   * shortens the spin as a failed spin does.
   */
  afterSleep(quick: boolean): void {
    if (quick) this.grow();
    else this.shrink();
  }

  /** Doubles the spin, up to {@link SPIN}. */
  grow(): void {
    this.limit = Math.min(SPIN, this.limit * 2);
  }

  /** Halves the spin, down to {@link MIN_SPIN}. */
  shrink(): void {
    this.limit = Math.max(MIN_SPIN, this.limit >> 1);
  }
}

/** A wake-up this soon after a blocking sleep began counts as quick (see {@link SpinBudget.afterSleep}). */
export const QUICK_WAKE_MS = 0.25;

/**
 * Checks of a `ready` hint a hinted spin makes per attempt of a full budget: a hint is a
 * couple of loads, an attempt several atomic operations on the lines the other side works on.
 */
export const HINTS_PER_ATTEMPT = 4;

/**
 * Checks of its hint a blocking single get makes before it takes whatever is there (see
 * `spin`'s `patience`): a few microseconds, several items' worth of a streaming putter.
 */
export const READY_PATIENCE = 64;

/**
 * Re-tries `attempt` up to {@link SPIN} times, or `budget.limit` times and then adapts the
 * budget; returns whether it succeeded.
 *
 * With `ready`, it attempts only when `ready()` says it is worth it, checking the hint up to
 * `SPIN * HINTS_PER_ATTEMPT` times. A queue's putter uses it to wait for room for several
 * items before it goes back to the ring (see `Ring.roomAhead`): a putter that takes every slot
 * the moment it is freed keeps that slot's cache line bouncing between its core and the
 * getter's, item after item, and both crawl. Such a spin waits for the other side to make
 * room for many items, so it is not shortened after spins that ended in a sleep (that would
 * turn the next waits into sleeps). It only ever delays an attempt: the sleep that follows
 * attempts as before, so a single free slot is still taken, a spin later.
 *
 * With `patience` as well, the hint is checked only that many times; then the spin goes on as
 * an unhinted one (the budget's attempts, adapted as usual). A queue's single getter uses it:
 * waiting for several items keeps it off the lines the putter is writing, but an item it waits
 * past is late by the time the checks take, which the patience bounds to a few microseconds.
 *
 * With `settle`, a failed spin leaves the budget as it is: the caller sleeps and then calls
 * {@link SpinBudget.afterSleep}, which tells a partner that was nearly there from one that was
 * not (a blocking queue call, where a streaming partner is common).
 */
export function spin(
  attempt: () => boolean,
  budget?: SpinBudget,
  ready?: () => boolean,
  settle = false,
  patience?: number,
): boolean {
  if (ready !== undefined) {
    const checks = patience ?? SPIN * HINTS_PER_ATTEMPT;
    for (let i = 0; i < checks; i++) if (ready() && attempt()) return true;
    // A hinted spin without patience does not use the budget (see above).
    if (patience === undefined) return false;
  }
  if (budget === undefined) {
    for (let i = 0; i < SPIN; i++) if (attempt()) return true;
    return false;
  }
  const limit = budget.limit;
  for (let i = 0; i < limit; i++) {
    if (attempt()) {
      budget.grow();
      return true;
    }
  }
  // With `settle` the caller adapts the budget once it knows how the wait ended.
  if (!settle) budget.shrink();
  return false;
}
