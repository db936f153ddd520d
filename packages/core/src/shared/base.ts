/**
 * What every shared primitive has in common: its buffer and registry row, its handle, its trace
 * identity, and the loops that wait (blocking or async) until an operation succeeds.
 *
 * @module
 */
import { TimeoutError } from '../errors.js';
import { checkWaitOptions, describe, type WaitOptions } from '../options.js';
import { emit, tracing, type TraceSubject } from '../trace/tracer.js';
import {
  allocate,
  checkHandle,
  checkLayout,
  PRIMITIVE_ID,
  type Layout,
  type SharedHandle,
  type SharedKind,
} from './handle.js';
import { joinRegistry, sharedRegistry, type SharedRegistry, type WaitOp } from './registry.js';
import { EXIT_SLICE_MS } from './exits.js';
import {
  deadlineOf,
  now,
  requireSharedMemory,
  spin,
  waitAsync,
  waitSync,
  type SpinBudget,
} from './wait.js';

/** Options every shared primitive's constructor accepts. */
export interface SharedNameOptions {
  /** A name for snapshots, deadlock reports, trace events and error messages. */
  name?: string;
}

/** The state a primitive is built on, fresh or from a handle. @internal */
export interface SharedState {
  readonly buffer: SharedArrayBuffer;
  readonly registry: SharedRegistry;
  readonly id: number;
  readonly name: string;
  /** `true` when made by a constructor (to initialise), `false` when opened from a handle. */
  readonly created: boolean;
}

/** Allocates a primitive of `kind` with `bytes` of state and records it in the registry. */
export function createState(
  kind: SharedKind,
  bytes: number,
  options: SharedNameOptions | undefined,
): SharedState {
  requireSharedMemory();
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${kind} options must be an object, got ${describe(options)}`);
  }
  const given = options?.name;
  if (given !== undefined && typeof given !== 'string') {
    throw new TypeError(`${kind} name must be a string, got ${describe(given)}`);
  }
  const registry = sharedRegistry();
  void registry.agentId; // the creating agent appears in snapshots from now on
  const { buffer, cells } = allocate(kind, bytes);
  const { id, name } = registry.addPrimitive(kind, given);
  Atomics.store(cells, PRIMITIVE_ID, id);
  return { buffer, registry, id, name, created: true };
}

/**
 * Checks `handle` (and, with `layout`, its buffer: see {@link checkLayout}) and joins its
 * registry.
 */
export function openState<K extends SharedKind>(
  handle: unknown,
  kind: K,
  layout?: Layout,
): SharedState & { handle: SharedHandle<K> } {
  requireSharedMemory();
  const checked = checkHandle(handle, kind);
  if (layout !== undefined) checkLayout(kind, checked.buffer, layout);
  const registry = joinRegistry(checked.registry);
  return {
    handle: checked,
    buffer: checked.buffer,
    registry,
    id: checked.id,
    name: checked.name,
    created: false,
  };
}

/** The key under which `from(handle)` hands its opened state to the constructor. */
const OPENED: unique symbol = Symbol('baton.opened');

/**
 * The explicit internal path from `from(handle)` to the constructor: `from()` passes
 * `opened(state)` as the constructor's options, and the constructor asks {@link openedState}
 * (or {@link stateFor}) for it. A symbol key keeps it out of the public options type and out
 * of reach of callers, with no module-level state between the two calls.
 */
export function opened(state: SharedState): SharedNameOptions {
  return { [OPENED]: state } as SharedNameOptions;
}

/** The state `from(handle)` passed in `options` (see {@link opened}), if any. */
export function openedState(options: unknown): SharedState | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  return (options as { [OPENED]?: SharedState })[OPENED];
}

/** In a constructor: the state opened by `from(handle)` if `options` carries one, else a new one. */
export function stateFor(
  kind: SharedKind,
  bytes: number,
  options: SharedNameOptions | undefined,
): SharedState {
  return openedState(options) ?? createState(kind, bytes, options);
}

/** The part of a shared primitive the waiting loops need. */
export interface Waitable extends TraceSubject {
  readonly registryRow: { readonly registry: SharedRegistry; readonly id: number };
}

/**
 * One operation that may have to wait: `attempt()` does it if it can (returning `true`), and
 * otherwise the caller sleeps on `cells[word]` until a waker changes that word. When `waiters`
 * is a word index, the waiter counts itself there while it sleeps so that wakers can skip the
 * `notify` system call when nobody sleeps.
 */
export interface Attempt {
  readonly cells: Int32Array;
  readonly word: number;
  readonly waiters: number;
  /** Adaptive length of the spin before sleeping; a fixed `SPIN` (wait.ts) when absent. */
  readonly spin?: SpinBudget;
  /**
   * Blocking sleeps last at most {@link EXIT_SLICE_MS} before the next attempt: for primitives
   * whose wakers wake only as many sleepers as they have something for (a semaphore's `n`), so
   * that a wake-up swallowed by a sleeper killed before it acted is taken back (exits.ts).
   */
  readonly sliced?: boolean;
  attempt(): boolean;
}

/** Options, validated. */
export interface CheckedWait {
  readonly timeout: number;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
}

/** No timeout, no signal: shared, so that the common call allocates nothing. */
const FOREVER: CheckedWait = Object.freeze({
  timeout: Infinity,
  deadline: Infinity,
  signal: undefined,
});

/**
 * Validates `{ timeout, signal }` (with the checker both worlds share) and fixes the deadline.
 * Throws `signal.reason` if the signal has already aborted.
 */
export function checkWait(options: WaitOptions | undefined): CheckedWait {
  if (options === undefined) return FOREVER;
  const { timeout, signal } = checkWaitOptions(options);
  if (signal?.aborted === true) throw signal.reason;
  return { timeout, deadline: deadlineOf(timeout), signal };
}

function timeoutError(subject: TraceSubject, what: string, timeout: number): TimeoutError {
  if (tracing()) emit(subject, 'timeout', { timeout });
  return TimeoutError.of(subject.name, what, timeout);
}

/** {@link Attempt.waiters}: announce sleepers in the low bit of the word itself. */
export const IN_WORD = -2;

/**
 * Announces that we are about to sleep on `cells[word]`, and returns the value to sleep on.
 *
 * - With a counter (`waiters >= 0`) the waker notifies whenever the count is non-zero. Simple,
 *   but a sleeper stays counted until it has actually woken up and run, and every operation in
 *   between pays for a needless `notify` system call: fine for semaphores and events, ruinous
 *   for a queue doing millions of operations per second.
 * - With {@link IN_WORD} the word is a sequence number whose low bit says "someone announced
 *   since the last wake-up". We set the bit with `Atomics.or` and sleep on the value with the
 *   bit; the waker ({@link wakeAll}) clears it by moving the sequence on with one CAS and wakes
 *   every sleeper, so between two sleeps at most one waker makes the system call.
 */
function announce(cells: Int32Array, word: number, waiters: number): number {
  if (waiters === IN_WORD) return Atomics.or(cells, word, 1) | 1;
  if (waiters >= 0) Atomics.add(cells, waiters, 1);
  return Atomics.load(cells, word);
}

/**
 * The waker's half of {@link IN_WORD}: after changing the state, if someone announced since the
 * last wake-up, advance the sequence (clearing the bit) and wake every sleeper. Only the waker
 * whose CAS wins notifies; the others see the bit already cleared. Everyone must be woken (not
 * just one) because the cleared bit no longer records that others still sleep; those that find
 * nothing to do announce again and go back to sleep.
 */
export function wakeAll(cells: Int32Array, word: number): void {
  const seen = Atomics.load(cells, word);
  if ((seen & 1) !== 0 && Atomics.compareExchange(cells, word, seen, (seen + 1) | 0) === seen) {
    Atomics.notify(cells, word);
  }
}

/**
 * Blocks until `op.attempt()` succeeds. The shape of every blocking call:
 *
 * 1. a bounded spin of attempts (cheap when the other side is about to act; see
 *    {@link SpinBudget} for how long);
 * 2. announce ourselves (see {@link announce}), read the word, and attempt once more. The order
 *    matters: a waker changes the state and then reads the announcement; we announce and then
 *    re-check the state. With sequentially consistent atomics, either the waker sees our
 *    announcement (and will change the word and notify, so our `expected` no longer matches),
 *    or our attempt after announcing sees what the waker did. No wake-up can fall between;
 * 3. sleep in `Atomics.wait`, recorded in the registry as waiting on this primitive;
 * 4. after a wake-up, loop: attempt first, check the deadline only if it fails.
 */
export function blockSync(
  subject: Waitable,
  op: Attempt,
  kind: WaitOp,
  wait: CheckedWait,
  what: string,
): void {
  if (spin(op.attempt, op.spin)) return;
  const { cells, word, waiters } = op;
  const { registry, id } = subject.registryRow;
  // The registry's record of this wait lasts across slices (sliced waits), so that it says
  // since when the call waits; a wake-up ends it, as the call then runs. However the call
  // ends (even if Atomics.wait throws), the record ends with it: a stale record would show
  // this agent waiting forever and mislead findDeadlock().
  let token = 0;
  try {
    for (;;) {
      const expected = announce(cells, word, waiters);
      let outcome;
      try {
        if (op.attempt()) return;
        if (wait.deadline !== Infinity && performance.now() >= wait.deadline) {
          throw timeoutError(subject, what, wait.timeout);
        }
        if (token === 0) token = registry.beginWait(id, kind, wait);
        const until =
          op.sliced === true ? Math.min(wait.deadline, now() + EXIT_SLICE_MS) : wait.deadline;
        outcome = waitSync(cells, word, expected, until);
        if (outcome !== 'timed-out') {
          registry.endWait(token);
          token = 0;
        }
      } finally {
        if (waiters >= 0) Atomics.sub(cells, waiters, 1);
      }
      if (op.attempt()) return;
      // A slice ended (sliced waits), or the deadline passed: only the latter ends the call.
      if (outcome === 'timed-out' && now() >= wait.deadline) {
        throw timeoutError(subject, what, wait.timeout);
      }
    }
  } finally {
    registry.endWait(token);
  }
}

/** The async twin of {@link blockSync}: the same steps with `Atomics.waitAsync` and a signal. */
export async function blockAsync(
  subject: Waitable,
  op: Attempt,
  kind: WaitOp,
  wait: CheckedWait,
  what: string,
): Promise<void> {
  if (spin(op.attempt, op.spin)) return;
  const { cells, word, waiters } = op;
  const { registry, id } = subject.registryRow;
  for (;;) {
    const expected = announce(cells, word, waiters);
    let outcome;
    try {
      if (op.attempt()) return;
      if (wait.deadline !== Infinity && performance.now() >= wait.deadline) {
        throw timeoutError(subject, what, wait.timeout);
      }
      const token = registry.beginWait(id, kind, wait);
      try {
        outcome = await waitAsync(cells, word, expected, wait.deadline, wait.signal);
      } finally {
        registry.endWait(token);
      }
    } finally {
      if (waiters >= 0) Atomics.sub(cells, waiters, 1);
    }
    if (outcome === 'aborted') {
      if (tracing()) emit(subject, 'abort');
      throw wait.signal?.reason;
    }
    if (op.attempt()) return;
    if (outcome === 'timed-out') throw timeoutError(subject, what, wait.timeout);
  }
}

export { timeoutError };
