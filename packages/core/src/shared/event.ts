/**
 * {@link SharedEvent}: a flag in shared memory that agents can wait for.
 *
 * @module
 */
import type { WaitOptions } from '../options.js';
import { emit, tracing } from '../trace/tracer.js';
import {
  blockAsync,
  blockSync,
  checkWait,
  opened,
  openState,
  stateFor,
  type Attempt,
  type SharedNameOptions,
} from './base.js';
import { HEADER_WORDS, type Layout, type SharedEventHandle } from './handle.js';
import { SharedPrimitive } from './primitive.js';
import { checkCanBlock } from './wait.js';
import { gateAsync, gateSync } from './gate.js';
import { bumpEpoch, cancelledError, isCancelled, watchCancel } from './cancel.js';

/** 1 when set, 0 when clear. */
const FLAG = HEADER_WORDS;
/** How many agents sleep on GENERATION: `set` skips the notify system call when 0. */
const WAITERS = HEADER_WORDS + 1;
/**
 * Bumped by every `set()` that raises the flag; waiters sleep on this word, not on FLAG. A
 * waiter reads it before it checks the flag and returns once it has moved on, whatever the flag
 * says by then: so a `set()` immediately followed by `clear()` still releases every agent that
 * was waiting at the set (CPython issue 13502), where a waiter that re-checked only the flag
 * would find it clear and sleep again.
 */
const GENERATION = HEADER_WORDS + 2;
/**
 * Waiters sleep on this sequence word: a `set()` that finds waiters moves it (after FLAG and
 * GENERATION), and so does `cancelAll()` (after the cancel epoch). It is not GENERATION itself
 * because a moved GENERATION means "set": a cancel must wake the sleepers without that.
 */
const SEQ = HEADER_WORDS + 3;
/** The cancel epoch: `cancelAll` adds 1 (see cancel.ts). */
const EPOCH = HEADER_WORDS + 4;
/**
 * @internal The words `select()` (shared/select.ts) sleeps on for a `{ wait: event }` case:
 * it counts itself in `waiters`, sleeps on `seq` and gives up when `epoch` moves, as `wait()` does.
 */
export const EVENT_WORDS = { seq: SEQ, waiters: WAITERS, epoch: EPOCH } as const;
/** @internal The size of an event's buffer, checked by `from(handle)`. */
export const EVENT_BYTES = (HEADER_WORDS + 5) * 4;
const BYTES = EVENT_BYTES;
/** What `from(handle)` checks (handle.ts `checkLayout`). */
const LAYOUT: Layout = {
  words: [
    { index: FLAG, field: 'flag', min: 0, max: 1 },
    { index: WAITERS, field: 'waiters', min: 0, max: 0x7fffffff },
  ],
  bytes: BYTES,
};

/** Options of `new SharedEvent()`. */
export type SharedEventOptions = SharedNameOptions;

/**
 * A flag in shared memory, initially clear, like Python's `threading.Event`: `wait()` returns
 * once it is set; `set()` wakes every waiter; `clear()` makes later waits wait again. As in
 * Python, a waiter present at a `set()` returns even if `clear()` follows before it runs.
 *
 * Everything an agent did before `set()` is visible to a waiter after its `wait()` returns.
 *
 * @example
 * ```ts
 * // The lesson's stop signal: producers run until the main thread sets it.
 * const stop = new SharedEvent({ name: 'stop' });
 * for (const w of workers) w.postMessage({ stop: stop.handle });
 * setTimeout(() => stop.set(), 1000);
 * // in a producer worker
 * const stop = SharedEvent.from(data.stop);
 * while (!stop.isSet) queue.putSync(makeItem());
 * ```
 */
export class SharedEvent extends SharedPrimitive<'SharedEvent'> {
  readonly kind = 'SharedEvent' as const;

  constructor(options?: SharedEventOptions) {
    const state = stateFor('SharedEvent', BYTES, options);
    super(state);
    if (state.created && tracing()) emit(this, 'created');
  }

  /**
   * What a wait that starts now waits for: the flag set, or the generation moved on from the
   * one read here (a set that a clear has already undone still counts).
   */
  private waitingFrom(): Attempt {
    const cells = this.cells;
    // Read before blockSync/blockAsync count the call in WAITERS (the order cancel.ts needs).
    const cancel = watchCancel(cells, EPOCH);
    const generation = Atomics.load(cells, GENERATION);
    return {
      cells,
      word: SEQ,
      waiters: WAITERS,
      attempt: () => {
        if (Atomics.load(cells, FLAG) === 1 || Atomics.load(cells, GENERATION) !== generation) {
          return true;
        }
        if (isCancelled(cancel)) throw cancelledError(this, 'wait', cancel);
        return false;
      },
    };
  }

  /**
   * Makes every call waiting now (`wait`, `waitSync`, in any agent) give up with a
   * `CancelledError` (in this agent: with `reason` when given); the flag is not touched and
   * later calls are not affected. A waiter whose event was set before the cancel reached it
   * returns normally. Returns how many calls had counted themselves as waiting at that moment
   * (see shared/cancel.ts for what the count means exactly across agents).
   *
   * @example
   * ```ts
   * const ready = new SharedEvent({ name: 'ready' });
   * const waiting = ready.wait().catch((e: unknown) => e); // CancelledError
   * await new Promise((r) => setTimeout(r, 10));
   * ready.cancelAll(); // 1
   * ```
   */
  cancelAll(reason?: unknown): number {
    const count = bumpEpoch(this.cells, EPOCH, WAITERS, reason);
    // The epoch moved before the sleep word: see cancel.ts.
    Atomics.add(this.cells, SEQ, 1);
    Atomics.notify(this.cells, SEQ);
    return count;
  }

  /**
   * Rebuilds an event from its `handle` in this agent.
   *
   * @throws HandleError when `handle` is not a SharedEvent's handle.
   */
  static from(handle: SharedEventHandle): SharedEvent {
    return new SharedEvent(opened(openState(handle, 'SharedEvent', LAYOUT)));
  }

  /** Whether the flag is set now. */
  get isSet(): boolean {
    return Atomics.load(this.cells, FLAG) === 1;
  }

  /**
   * How many times the flag has gone up (wrapping at 2^32). Waiters use it to tell that a set
   * happened while they waited even if the flag was cleared again since.
   */
  get generation(): number {
    return Atomics.load(this.cells, GENERATION);
  }

  /**
   * Sets the flag and wakes every waiter, including those that will only run after a `clear()`
   * that follows at once: each waiter present at the set returns from its wait.
   */
  set(): void {
    gateSync(this, 'set');
    // Only the set that raises the flag moves the generation: a set of a set flag has nobody
    // to wake (a waiter present then returned, or returns, on the flag itself).
    if (Atomics.compareExchange(this.cells, FLAG, 0, 1) === 0) {
      Atomics.add(this.cells, GENERATION, 1);
    }
    if (tracing()) emit(this, 'set');
    // The generation changed before we look at WAITERS, so a waiter that counted itself after
    // this load sees the change in its own re-check (see blockSync); the sleep word moves after.
    if (Atomics.load(this.cells, WAITERS) !== 0) {
      Atomics.add(this.cells, SEQ, 1);
      Atomics.notify(this.cells, SEQ);
    }
  }

  /** Clears the flag; later `wait()` calls wait for the next `set()`. */
  clear(): void {
    gateSync(this, 'clear');
    Atomics.store(this.cells, FLAG, 0);
    if (tracing()) emit(this, 'clear');
  }

  /**
   * Waits until the flag is set. Rejects with `TimeoutError` after `timeout` ms or with
   * `signal.reason` when `signal` aborts.
   */
  async wait(options?: WaitOptions): Promise<void> {
    const gate = gateAsync(this, 'wait');
    if (gate) await gate;
    const wait = checkWait(options);
    const waiting = this.waitingFrom();
    if (this.isSet) return;
    if (tracing()) emit(this, 'wait');
    await blockAsync(this, waiting, 'wait', wait, 'wait');
    if (tracing()) emit(this, 'wake');
  }

  /** Blocking form of {@link wait}; throws `BlockingCallError` on a browser's main thread. */
  waitSync(options?: WaitOptions): void {
    gateSync(this, 'wait');
    checkCanBlock(this.name, 'waitSync', 'wait');
    const wait = checkWait(options);
    const waiting = this.waitingFrom();
    if (this.isSet) return;
    if (tracing()) emit(this, 'wait');
    blockSync(this, waiting, 'wait', wait, 'wait');
    if (tracing()) emit(this, 'wake');
  }
}
