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
  fromState,
  openState,
  stateFor,
  type Attempt,
  type SharedNameOptions,
} from './base.js';
import { HEADER_WORDS, type SharedHandle } from './handle.js';
import { SharedPrimitive } from './primitive.js';
import { checkCanBlock } from './wait.js';

/** 1 when set, 0 when clear; waiters sleep on it while it is 0. */
const FLAG = HEADER_WORDS;
/** How many agents sleep on FLAG: `set` skips the notify system call when 0. */
const WAITERS = HEADER_WORDS + 1;
const BYTES = (HEADER_WORDS + 2) * 4;

/** Options of `new SharedEvent()`. */
export type SharedEventOptions = SharedNameOptions;

/**
 * A flag in shared memory, initially clear, like Python's `threading.Event`: `wait()` returns
 * once it is set; `set()` wakes every waiter; `clear()` makes later waits wait again.
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
  private readonly waiting: Attempt;

  constructor(options?: SharedEventOptions) {
    const state = stateFor('SharedEvent', BYTES, options);
    super(state);
    if (state.created && tracing()) emit(this, 'created');
    const cells = this.cells;
    this.waiting = {
      cells,
      word: FLAG,
      waiters: WAITERS,
      attempt: () => Atomics.load(cells, FLAG) === 1,
    };
  }

  /**
   * Rebuilds an event from its `handle` in this agent.
   *
   * @throws HandleError when `handle` is not a SharedEvent's handle.
   */
  static from(handle: SharedHandle<'SharedEvent'>): SharedEvent {
    return fromState(openState(handle, 'SharedEvent'), () => new SharedEvent());
  }

  /** Whether the flag is set now. */
  get isSet(): boolean {
    return Atomics.load(this.cells, FLAG) === 1;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    Atomics.store(this.cells, FLAG, 1);
    if (tracing()) emit(this, 'set');
    // The flag changed before we look at WAITERS, so a waiter that counted itself after this
    // load sees the flag in its own re-check (see blockSync).
    if (Atomics.load(this.cells, WAITERS) !== 0) Atomics.notify(this.cells, FLAG);
  }

  /** Clears the flag; later `wait()` calls wait for the next `set()`. */
  clear(): void {
    Atomics.store(this.cells, FLAG, 0);
    if (tracing()) emit(this, 'clear');
  }

  /**
   * Waits until the flag is set. Rejects with `TimeoutError` after `timeout` ms or with
   * `signal.reason` when `signal` aborts.
   */
  async wait(options?: WaitOptions): Promise<void> {
    const wait = checkWait(options);
    if (this.isSet) return;
    if (tracing()) emit(this, 'wait');
    await blockAsync(this, this.waiting, 'wait', wait, 'wait');
    if (tracing()) emit(this, 'wake');
  }

  /** Blocking form of {@link wait}; throws `BlockingCallError` on a browser's main thread. */
  waitSync(options?: WaitOptions): void {
    checkCanBlock(this.name, 'waitSync', 'wait');
    const wait = checkWait(options);
    if (this.isSet) return;
    if (tracing()) emit(this, 'wait');
    blockSync(this, this.waiting, 'wait', wait, 'wait');
    if (tracing()) emit(this, 'wake');
  }
}
