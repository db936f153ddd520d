/**
 * {@link SharedBarrier}: a barrier in shared memory for a fixed number of agents.
 *
 * @module
 */
import { BrokenBarrierError } from '../errors.js';
import { checkPositiveInteger, type WaitOptions } from '../options.js';
import { emit, tracing } from '../trace/tracer.js';
import {
  checkWait,
  fromState,
  isOpening,
  openState,
  stateFor,
  timeoutError,
  type CheckedWait,
  type SharedNameOptions,
} from './base.js';
import { HEADER_WORDS, type SharedHandle } from './handle.js';
import { SharedPrimitive } from './primitive.js';
import { checkCanBlock, waitAsync, waitSync, type WaitOutcome } from './wait.js';

const PARTIES = HEADER_WORDS;
/** Arrivals in the current generation. */
const COUNT = HEADER_WORDS + 1;
/** The generation number; waiters sleep while it is unchanged. */
const GENERATION = HEADER_WORDS + 2;
/** 1 while the barrier is broken (until `reset()`). */
const BROKEN = HEADER_WORDS + 3;
/**
 * How each recent generation ended, indexed by generation mod 32: 0 not yet, PASSED or
 * BROKE. The outcome is decided by one CAS on this word (the last arrival's "passed" against
 * a timeout's or `abort()`'s "broke"), and only then is GENERATION moved on, so a waiter woken
 * by the change reads a final answer.
 */
const OUTCOMES = HEADER_WORDS + 4;
const HISTORY = 32;
const PASSED = 1;
const BROKE = 2;
const BYTES = (OUTCOMES + HISTORY) * 4;

/** Options of `new SharedBarrier()`. */
export type SharedBarrierOptions = SharedNameOptions;

/**
 * A barrier for `parties` agents in shared memory, like Python's `threading.Barrier`: each
 * `wait()` blocks until `parties` agents have called it, then all go on together, and the
 * barrier is ready for the next round. A waiter that times out or is aborted breaks the barrier:
 * the others get {@link BrokenBarrierError}, as do later waits until `reset()`.
 * (Python's `action` is not offered: a function cannot be shared between agents.)
 *
 * @example
 * ```ts
 * const ready = new SharedBarrier(3, { name: 'start line' });
 * // in each of three workers
 * const ready = SharedBarrier.from(handle);
 * const index = ready.waitSync({ timeout: 5000 }); // 0, 1 or 2: distinct per agent
 * ```
 */
export class SharedBarrier extends SharedPrimitive<'SharedBarrier'> {
  readonly kind = 'SharedBarrier' as const;

  /** @param parties - how many agents must arrive, a positive integer. */
  constructor(parties: number, options?: SharedBarrierOptions) {
    if (!isOpening()) {
      checkPositiveInteger('parties', parties);
      if (parties > 0x7fffffff) throw new RangeError(`parties must be below 2^31, got ${parties}`);
    }
    const state = stateFor('SharedBarrier', BYTES, options);
    super(state);
    if (state.created) {
      Atomics.store(this.cells, PARTIES, parties);
      if (tracing()) emit(this, 'created', { parties });
    }
  }

  /**
   * Rebuilds a barrier from its `handle` in this agent.
   *
   * @throws HandleError when `handle` is not a SharedBarrier's handle.
   */
  static from(handle: SharedHandle<'SharedBarrier'>): SharedBarrier {
    return fromState(openState(handle, 'SharedBarrier'), () => new SharedBarrier(1));
  }

  /** How many agents must arrive. */
  get parties(): number {
    return Atomics.load(this.cells, PARTIES);
  }

  /** How many agents wait now. */
  get waiting(): number {
    return this.broken ? 0 : Atomics.load(this.cells, COUNT);
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return Atomics.load(this.cells, BROKEN) !== 0;
  }

  /**
   * Waits until `parties` agents have arrived; resolves with this agent's arrival index
   * (0 .. parties-1). Rejects with `BrokenBarrierError` if the barrier is or becomes broken;
   * a timeout or abort breaks it (and rejects with `TimeoutError` / `signal.reason`).
   */
  async wait(options?: WaitOptions): Promise<number> {
    const wait = checkWait(options);
    const arrival = this.arrive();
    if (arrival.done) return arrival.index;
    let outcome: WaitOutcome;
    const token = this.registryRow.registry.beginWait(this.id, 'wait', wait);
    try {
      do {
        outcome = await waitAsync(
          this.cells,
          GENERATION,
          arrival.generation,
          wait.deadline,
          wait.signal,
        );
      } while (
        outcome !== 'aborted' &&
        outcome !== 'timed-out' &&
        Atomics.load(this.cells, GENERATION) === arrival.generation
      );
    } finally {
      this.registryRow.registry.endWait(token);
    }
    return this.settle(arrival, outcome, wait);
  }

  /** Blocking form of {@link wait}; throws `BlockingCallError` on a browser's main thread. */
  waitSync(options?: WaitOptions): number {
    checkCanBlock(this.name, 'waitSync', 'wait');
    const wait = checkWait(options);
    const arrival = this.arrive();
    if (arrival.done) return arrival.index;
    let outcome: WaitOutcome;
    const token = this.registryRow.registry.beginWait(this.id, 'wait', wait);
    try {
      do {
        outcome = waitSync(this.cells, GENERATION, arrival.generation, wait.deadline);
      } while (
        outcome !== 'timed-out' &&
        Atomics.load(this.cells, GENERATION) === arrival.generation
      );
    } finally {
      this.registryRow.registry.endWait(token);
    }
    return this.settle(arrival, outcome, wait);
  }

  /** Breaks the barrier: waiting agents and later waits get `BrokenBarrierError`. */
  abort(): void {
    const generation = Atomics.load(this.cells, GENERATION);
    this.finish(generation, BROKE);
  }

  /**
   * Returns the barrier to its initial state. Agents waiting now get `BrokenBarrierError`
   * (the round is broken first), as in Python.
   */
  reset(): void {
    const generation = Atomics.load(this.cells, GENERATION);
    this.finish(generation, BROKE);
    // A new round: clear its outcome slot, the count and the broken flag, then open it.
    const next = Atomics.load(this.cells, GENERATION);
    Atomics.store(this.cells, OUTCOMES + (((next + 1) >>> 0) % HISTORY), 0);
    Atomics.store(this.cells, COUNT, 0);
    Atomics.store(this.cells, BROKEN, 0);
    Atomics.store(this.cells, GENERATION, (next + 1) | 0);
    Atomics.notify(this.cells, GENERATION);
  }

  private arrive(): { done: boolean; index: number; generation: number } {
    const generation = Atomics.load(this.cells, GENERATION);
    if (this.broken) throw this.brokenError();
    const index = Atomics.add(this.cells, COUNT, 1);
    if (index + 1 < this.parties) {
      if (tracing()) emit(this, 'wait', { index });
      return { done: false, index, generation };
    }
    // The last party: decide "passed" (unless a timeout broke the round first) and open the
    // next round before waking everyone.
    if (!this.finish(generation, PASSED)) throw this.brokenError();
    return { done: true, index, generation };
  }

  /**
   * Ends round `generation` with `outcome` if nobody ended it yet; returns whether we did.
   * The CAS on the outcome slot is the single decision point.
   */
  private finish(generation: number, outcome: number): boolean {
    const slot = OUTCOMES + ((generation >>> 0) % HISTORY);
    if (Atomics.compareExchange(this.cells, slot, 0, outcome) !== 0) return false;
    if (outcome === PASSED) {
      Atomics.store(this.cells, COUNT, 0);
      if (tracing()) emit(this, 'wake');
    } else {
      Atomics.store(this.cells, BROKEN, 1);
      if (tracing()) emit(this, 'broken');
    }
    Atomics.store(this.cells, OUTCOMES + (((generation + 1) >>> 0) % HISTORY), 0);
    Atomics.store(this.cells, GENERATION, (generation + 1) | 0);
    Atomics.notify(this.cells, GENERATION);
    return true;
  }

  private settle(
    arrival: { index: number; generation: number },
    outcome: WaitOutcome,
    wait: CheckedWait,
  ): number {
    if (Atomics.load(this.cells, GENERATION) === arrival.generation) {
      // We gave up first: break the round for everyone. If the last party beat us to the CAS,
      // the round passed after all and we pass with it.
      if (this.finish(arrival.generation, BROKE)) {
        if (outcome === 'aborted') throw wait.signal?.reason;
        throw timeoutError(this, 'wait', wait.timeout);
      }
    }
    const slot = OUTCOMES + ((arrival.generation >>> 0) % HISTORY);
    if (Atomics.load(this.cells, slot) === PASSED) return arrival.index;
    throw this.brokenError();
  }

  private brokenError(): BrokenBarrierError {
    return new BrokenBarrierError(`${this.name}: the barrier is broken`);
  }
}
