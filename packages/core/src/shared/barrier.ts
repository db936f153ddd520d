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
  opened,
  openedState,
  openState,
  stateFor,
  timeoutError,
  type CheckedWait,
  type SharedNameOptions,
} from './base.js';
import { HEADER_WORDS, type Layout, type SharedBarrierHandle } from './handle.js';
import { SharedPrimitive } from './primitive.js';
import { checkCanBlock, now, waitAsync, waitSync, type WaitOutcome } from './wait.js';
import { gateAsync, gateSync } from './gate.js';
import { bumpEpoch, cancelledError, isCancelled, watchCancel, type Cancel } from './cancel.js';

const PARTIES = HEADER_WORDS;
/** Bumped (then notified) after every decision and every new round; waiters sleep on it. */
const SEQ = HEADER_WORDS + 1;
/** Agent id of the party whose exit broke the barrier (0: none), for the others' errors. */
const DEAD = HEADER_WORDS + 2;
/**
 * The cancel epoch (see cancel.ts): `cancelAll` adds 1, then ends the round as `reset()` does;
 * a waiter of a reset round whose epoch moved since it arrived gives up with `CancelledError`
 * instead of `BrokenBarrierError`. (The word was padding before STATE64: the size is unchanged.)
 */
const EPOCH = HEADER_WORDS + 3;
/**
 * The round and its arrivals in one 64-bit word (BigInt64Array index 4, Int32 words 8-9), so
 * that "join round g" is one compare-and-swap that cannot land in another round: the high half
 * is the round number (the generation), the low half the arrivals so far, with BROKEN_BIT set
 * once a timeout, an abort or a dead party broke the barrier (until `reset()`).
 */
const STATE64 = 4;
/**
 * How each recent round ended, indexed by round mod HISTORY: `(round << 2) | outcome`, so a
 * slot left from an older round reads as "not decided". The first compare-and-swap on a round's
 * slot decides it (the last arrival's PASSED against a timeout's or an abort's BROKE, against a
 * reset's RESET); only then does the round end, so a waiter woken by SEQ reads a final answer.
 */
const OUTCOMES = HEADER_WORDS + 6;
const HISTORY = 32;
/**
 * `[round, agent]` per arrival index of the current round (for the first TRACKED indices):
 * which agent arrived, so that waiters can tell a party that exited while waiting.
 */
const ARRIVALS = OUTCOMES + HISTORY;
const TRACKED = 1024;
const BROKEN_BIT = 0x80000000;
const PASSED = 1;
const BROKE = 2;
const RESET = 3;
/** How often a waiter looks for parties that exited (ms): the registry does not wake it. */
const DEATH_CHECK_MS = 100;

/** @internal The size of a barrier's buffer for `parties`, checked by `from(handle)`. */
export function barrierBytes(parties: number): number {
  return (ARRIVALS + 2 * Math.min(parties, TRACKED)) * 4;
}

/** What `from(handle)` checks (handle.ts `checkLayout`): parties, then the size it implies. */
const LAYOUT: Layout = {
  words: [{ index: PARTIES, field: 'parties', min: 1, max: 0x7fffffff }],
  bytes: (cells) => barrierBytes(cells[PARTIES] ?? 1),
};

function pack(round: number, low: number): bigint {
  return BigInt.asIntN(64, (BigInt(round >>> 0) << 32n) | BigInt(low >>> 0));
}
function roundOf(state: bigint): number {
  return Number(BigInt.asUintN(32, state >> 32n));
}
function lowOf(state: bigint): number {
  return Number(BigInt.asUintN(32, state));
}
/** The outcome recorded in `slot` for `round`, or 0 when it is not decided (yet). */
function outcomeOf(slot: number, round: number): number {
  const outcome = slot & 3;
  return outcome !== 0 && slot >>> 2 === (round & 0x3fffffff) ? outcome : 0;
}

/** Options of `new SharedBarrier()`. */
export type SharedBarrierOptions = SharedNameOptions;

/**
 * A barrier for `parties` agents in shared memory, like Python's `threading.Barrier`: each
 * `wait()` blocks until `parties` agents have called it, then all go on together, and the
 * barrier is ready for the next round. (Python's `action` is not offered: a function cannot be
 * shared between agents.)
 *
 * - A waiter that times out or is aborted **breaks** the barrier: it rejects with its
 *   `TimeoutError` / `signal.reason`, the others with {@link BrokenBarrierError}, as do later
 *   waits until `reset()`.
 * - A party whose agent **exits while it waits** (a terminated worker, marked by the registry's
 *   `watchWorker()` or `agentExited()`) breaks the barrier too: it will never go on, so the
 *   round cannot pass. The others get a `BrokenBarrierError` naming it, within about 100 ms of
 *   the registry learning of the exit. It never counts as arrived in a round that passes.
 * - `reset()` is atomic, as Python's: the parties waiting at the reset get
 *   `BrokenBarrierError`, and a party that arrives during or after the reset joins the new
 *   round (it is never refused nor counted into the old one).
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
  private readonly state: BigInt64Array;

  /** @param parties - how many agents must arrive, a positive integer below 2^31. */
  constructor(parties: number, options?: SharedBarrierOptions) {
    if (openedState(options) === undefined) {
      checkPositiveInteger('parties', parties);
      if (parties > 0x7fffffff) throw new RangeError(`parties must be below 2^31, got ${parties}`);
    }
    const state = stateFor('SharedBarrier', barrierBytes(parties), options);
    super(state);
    this.state = new BigInt64Array(this.buffer, 0, STATE64 + 1);
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
  static from(handle: SharedBarrierHandle): SharedBarrier {
    return new SharedBarrier(1, opened(openState(handle, 'SharedBarrier', LAYOUT)));
  }

  /** How many agents must arrive. */
  get parties(): number {
    return Atomics.load(this.cells, PARTIES);
  }

  /** How many agents wait now in the current round (0 when broken). */
  get waiting(): number {
    const state = Atomics.load(this.state, STATE64);
    const round = roundOf(state);
    const low = lowOf(state);
    if ((low & BROKEN_BIT) !== 0 || this.outcome(round) !== 0) return 0;
    return Math.min(low, this.parties);
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    const state = Atomics.load(this.state, STATE64);
    return (lowOf(state) & BROKEN_BIT) !== 0 || this.outcome(roundOf(state)) === BROKE;
  }

  /**
   * Waits until `parties` agents have arrived; resolves with this agent's arrival index
   * (0 .. parties-1). Rejects with `BrokenBarrierError` if the barrier is or becomes broken;
   * a timeout or abort breaks it (and rejects with `TimeoutError` / `signal.reason`).
   */
  async wait(options?: WaitOptions): Promise<number> {
    const gate = gateAsync(this, 'wait');
    if (gate) await gate;
    const wait = checkWait(options);
    // The epoch before we arrive (count ourselves in): the order cancel.ts relies on.
    const cancel = watchCancel(this.cells, EPOCH);
    const arrival = this.arrive();
    if (arrival.done) return arrival.index;
    const { registry } = this.registryRow;
    let outcome: WaitOutcome = 'ok';
    const token = registry.beginWait(this.id, 'wait', wait);
    try {
      for (;;) {
        const seen = Atomics.load(this.cells, SEQ);
        if (this.over(arrival.round)) break;
        const until = Math.min(wait.deadline, now() + DEATH_CHECK_MS);
        outcome = await waitAsync(this.cells, SEQ, seen, until, wait.signal);
        if (outcome === 'aborted') break;
        if (outcome === 'timed-out' && now() >= wait.deadline) break;
        outcome = 'ok';
      }
    } finally {
      registry.endWait(token);
    }
    return this.settle(arrival, outcome, wait, cancel);
  }

  /** Blocking form of {@link wait}; throws `BlockingCallError` on a browser's main thread. */
  waitSync(options?: WaitOptions): number {
    gateSync(this, 'wait');
    checkCanBlock(this.name, 'waitSync', 'wait');
    const wait = checkWait(options);
    const cancel = watchCancel(this.cells, EPOCH);
    const arrival = this.arrive();
    if (arrival.done) return arrival.index;
    const { registry } = this.registryRow;
    let outcome: WaitOutcome = 'ok';
    const token = registry.beginWait(this.id, 'wait', wait);
    try {
      for (;;) {
        const seen = Atomics.load(this.cells, SEQ);
        if (this.over(arrival.round)) break;
        outcome = waitSync(this.cells, SEQ, seen, Math.min(wait.deadline, now() + DEATH_CHECK_MS));
        if (outcome === 'timed-out' && now() >= wait.deadline) break;
        outcome = 'ok';
      }
    } finally {
      registry.endWait(token);
    }
    return this.settle(arrival, outcome, wait, cancel);
  }

  /**
   * Makes every party waiting now (`wait`, `waitSync`, in any agent) give up with a
   * `CancelledError` (in this agent: with `reason` when given), as the in-thread `Barrier` does:
   * the round ends as with `reset()` (not broken), and later waits start a fresh round. Returns
   * how many parties had arrived in the round it ended (0 when the barrier is broken, and then
   * it stays broken: `reset()` it). Unlike {@link abort}, later callers are not affected.
   *
   * @example
   * ```ts
   * const ready = new SharedBarrier(3, { name: 'ready' });
   * const waiting = ready.wait().catch((e: unknown) => e); // CancelledError
   * await new Promise((r) => setTimeout(r, 10));
   * ready.cancelAll(); // 1
   * ```
   */
  cancelAll(reason?: unknown): number {
    gateSync(this, 'reset');
    const round = roundOf(Atomics.load(this.state, STATE64));
    // Epoch first, then the decision (which is what a waiter reads after its wake-up).
    bumpEpoch(this.cells, EPOCH, EPOCH, reason);
    const had = this.decide(round, RESET);
    if (had !== 0) {
      // Passed or reset already (help it end, as reset() does): nobody of that round is left
      // waiting for us. Broken: it stays broken until reset(), so the round is left as it is.
      if (had !== BROKE) this.moveOn(round);
      return 0;
    }
    const count = Math.min(lowOf(Atomics.load(this.state, STATE64)) & ~BROKEN_BIT, this.parties);
    this.moveOn(round);
    return count;
  }

  /** Breaks the barrier: waiting agents and later waits get `BrokenBarrierError`. */
  abort(): void {
    gateSync(this, 'abort');
    for (;;) {
      const round = roundOf(Atomics.load(this.state, STATE64));
      const had = this.decide(round, BROKE);
      if (had === 0 || had === BROKE) {
        this.markBroken(round);
        if (tracing()) emit(this, 'broken');
        return;
      }
      // The round just passed or was reset: finish that, then break the next one.
      this.moveOn(round);
    }
  }

  /**
   * Returns the barrier to its initial state, atomically. Agents waiting now get
   * `BrokenBarrierError` (the round is broken first), as in Python; an agent that arrives while
   * the reset is under way joins the new round.
   */
  reset(): void {
    gateSync(this, 'reset');
    const round = roundOf(Atomics.load(this.state, STATE64));
    this.decide(round, RESET);
    Atomics.store(this.cells, DEAD, 0);
    this.moveOn(round);
  }

  /**
   * Joins the current round: one CAS on the 64-bit state, which also tells a round that is
   * already decided (passed, reset or broken) from one that is filling. Bounded: every retry
   * follows a change made by another agent that moved the barrier on.
   */
  private arrive(): { done: boolean; index: number; round: number } {
    const parties = this.parties;
    for (;;) {
      const state = Atomics.load(this.state, STATE64);
      const round = roundOf(state);
      const low = lowOf(state);
      if ((low & BROKEN_BIT) !== 0) throw this.brokenError(round);
      const decided = this.outcome(round);
      if (decided === BROKE) {
        this.markBroken(round); // help a breaker that has not marked it yet
        throw this.brokenError(round);
      }
      if (decided !== 0 || low >= parties) {
        // The round passed or is being reset: help it end, then join the next one.
        this.moveOn(round);
        continue;
      }
      if (Atomics.compareExchange(this.state, STATE64, state, pack(round, low + 1)) !== state) {
        continue;
      }
      const index = low;
      if (index < TRACKED) {
        const at = ARRIVALS + 2 * index;
        Atomics.store(this.cells, at + 1, this.registryRow.registry.agentId);
        Atomics.store(this.cells, at, round);
      }
      if (index + 1 === parties) {
        // The last party: decide "passed" unless a timeout, an abort or a reset decided first.
        const had = this.decide(round, PASSED);
        if (had === 0) {
          this.moveOn(round);
          if (tracing()) emit(this, 'wake');
          return { done: true, index, round };
        }
        if (had === BROKE) throw this.brokenError(round);
        continue; // reset while we arrived: we belong to the new round
      }
      const had = this.outcome(round);
      if (had === BROKE) throw this.brokenError(round);
      // The round filled and passed between our CAS and this look: we were counted in it, so we
      // passed too (joining the next round here would count us twice).
      if (had === PASSED) return { done: true, index, round };
      if (had !== 0) continue; // reset between our look and our CAS: join the new round
      if (tracing()) emit(this, 'wait', { index });
      return { done: false, index, round };
    }
  }

  /** The outcome of `round` (0 while undecided). */
  private outcome(round: number): number {
    return outcomeOf(Atomics.load(this.cells, OUTCOMES + ((round >>> 0) % HISTORY)), round);
  }

  /**
   * Decides `round` with `outcome` unless it is decided already. Returns 0 when this call
   * decided it, else the outcome decided before. Retries only after another decision landed.
   */
  private decide(round: number, outcome: number): number {
    const slot = OUTCOMES + ((round >>> 0) % HISTORY);
    const tagged = ((round & 0x3fffffff) << 2) | outcome;
    for (;;) {
      const seen = Atomics.load(this.cells, slot);
      const had = outcomeOf(seen, round);
      if (had !== 0) return had;
      if (Atomics.compareExchange(this.cells, slot, seen, tagged) === seen) return 0;
    }
  }

  /** Sets BROKEN_BIT on `round` (still current), then wakes every waiter. */
  private markBroken(round: number): void {
    for (;;) {
      const state = Atomics.load(this.state, STATE64);
      const low = lowOf(state);
      if (roundOf(state) !== round || (low & BROKEN_BIT) !== 0) break;
      const broken = pack(round, (low | BROKEN_BIT) >>> 0);
      if (Atomics.compareExchange(this.state, STATE64, state, broken) === state) break;
    }
    this.wake();
  }

  /** Opens round + 1 (nobody arrived, not broken) if `round` is still current; wakes waiters. */
  private moveOn(round: number): void {
    for (;;) {
      const state = Atomics.load(this.state, STATE64);
      if (roundOf(state) !== round) break;
      const next = pack((round + 1) >>> 0, 0);
      if (Atomics.compareExchange(this.state, STATE64, state, next) === state) break;
    }
    this.wake();
  }

  /** Change, then notify (wait.ts rule 1): waiters sleep on SEQ with the value they read. */
  private wake(): void {
    Atomics.add(this.cells, SEQ, 1);
    Atomics.notify(this.cells, SEQ);
  }

  /**
   * Whether a waiter of `round` may stop waiting: the round is decided, or so many rounds went
   * by that its record was reused (it then reads as broken), or a party of the round has exited
   * (this call then breaks the round).
   */
  private over(round: number): boolean {
    if (this.outcome(round) !== 0) return true;
    const state = Atomics.load(this.state, STATE64);
    if ((roundOf(state) - round) >>> 0 >= HISTORY) return true;
    const { registry } = this.registryRow;
    const arrived = Math.min(lowOf(state) & ~BROKEN_BIT, TRACKED);
    for (let index = 0; index < arrived; index++) {
      const at = ARRIVALS + 2 * index;
      if (Atomics.load(this.cells, at) !== round) continue;
      const agent = Atomics.load(this.cells, at + 1);
      if (!registry.hasExited(agent)) continue;
      // A party that will never come back: the round cannot pass. Record who, then break it.
      Atomics.compareExchange(this.cells, DEAD, 0, agent);
      if (this.decide(round, BROKE) === 0) {
        this.markBroken(round);
        if (tracing()) emit(this, 'broken');
      }
      return true;
    }
    return false;
  }

  private settle(
    arrival: { index: number; round: number },
    outcome: WaitOutcome,
    wait: CheckedWait,
    cancel: Cancel,
  ): number {
    if (outcome === 'aborted' || outcome === 'timed-out') {
      // We gave up first: break the round for everyone. If the last party (or a reset) beat
      // us to the decision, the round's own outcome stands.
      if (this.decide(arrival.round, BROKE) === 0) {
        this.markBroken(arrival.round);
        if (tracing()) emit(this, 'broken');
        if (outcome === 'aborted') throw wait.signal?.reason;
        throw timeoutError(this, 'wait', wait.timeout);
      }
    }
    const ended = this.outcome(arrival.round);
    if (ended === PASSED) return arrival.index;
    if (ended === RESET && isCancelled(cancel)) throw cancelledError(this, 'wait', cancel);
    throw this.brokenError(arrival.round);
  }

  private brokenError(round: number): BrokenBarrierError {
    const outcome = this.outcome(round);
    const dead = Atomics.load(this.cells, DEAD);
    let why = '';
    if (outcome === RESET) why = ': it was reset while this party waited';
    else if (dead !== 0) {
      why = `: party ${this.registryRow.registry.agentName(dead)} (agent ${dead}) exited while waiting`;
    }
    return new BrokenBarrierError(`${this.name}: the barrier is broken${why}`);
  }
}
