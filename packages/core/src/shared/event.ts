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
 * @internal The words `select()` (shared/select.ts) sleeps on for a `{ wait: event }` case:
 * it counts itself in `waiters` and sleeps on `generation`, as `wait()` does.
 */
export const EVENT_WORDS = { generation: GENERATION, waiters: WAITERS } as const;
/** @internal The size of an event's buffer, checked by `from(handle)`. */
export const EVENT_BYTES = (HEADER_WORDS + 3) * 4;
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
    const generation = Atomics.load(cells, GENERATION);
    return {
      cells,
      word: GENERATION,
      waiters: WAITERS,
      attempt: () =>
        Atomics.load(cells, FLAG) === 1 || Atomics.load(cells, GENERATION) !== generation,
    };
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
    // this load sees the change in its own re-check (see blockSync).
    if (Atomics.load(this.cells, WAITERS) !== 0) Atomics.notify(this.cells, GENERATION);
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
