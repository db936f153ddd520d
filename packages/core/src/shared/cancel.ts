/**
 * `cancelAll()` of the shared primitives: a **cancel epoch** word per primitive.
 *
 * - A call that is about to wait reads the epoch once ({@link Cancel.epoch}), before it counts
 *   itself as a waiter and before its first look at the state it waits for.
 * - It re-reads the epoch before every sleep and after every wake-up, *before* it tries its
 *   operation again: if the epoch moved, it gives up with a `CancelledError` (or the reason
 *   given to `cancelAll` in the same agent) and takes nothing.
 * - `cancelAll()` reads the waiter count, adds 1 to the epoch, then **changes the word the
 *   waiters sleep on** and notifies every sleeper of it.
 *
 * Why no waiter present at the cancel is missed (all atomics are sequentially consistent): a
 * waiter reads the sleep word (its `expected`) and then re-checks the epoch; `cancelAll` moves
 * the epoch and then the sleep word. If the waiter's re-check saw the old epoch, its read of the
 * sleep word came before `cancelAll` changed it, so its `Atomics.wait(expected)` returns at once
 * (`'not-equal'`) or is woken by the notify that follows, and the re-check after the wake-up
 * sees the new epoch. A call that read the epoch after the cancel is not affected.
 *
 * Where the sleep word carries state that cannot be moved for nothing (a lock's futex word),
 * the waiters' sleeps are sliced (the locks' dead-holder rescue wakes them every 100 ms), so a
 * waiter that was between its re-check and its sleep at the cancel leaves within one slice.
 *
 * **The count** `cancelAll()` returns is the primitive's waiter count read just before the
 * epoch moves: the calls (in any agent) that had counted themselves as waiting at that moment.
 * Each of them gives up, unless it had already taken what it waited for (its last attempt won
 * the race with the cancel). A call that was just about to count itself is cancelled too but
 * not counted, so the number is exact when the waiters are asleep and a lower bound otherwise.
 *
 * **The reason.** A JavaScript value cannot cross to another agent: waiters in the agent that
 * called `cancelAll(reason)` reject with `reason`; waiters in other agents with a
 * `CancelledError` that says so.
 *
 * @module
 */
import { CancelledError } from '../errors.js';
import { emit, tracing, type TraceSubject } from '../trace/tracer.js';

/** One waiting call's view of the epoch. */
export interface Cancel {
  readonly cells: Int32Array;
  /** Index of the epoch word. */
  readonly word: number;
  /** The epoch when the call started to wait. */
  readonly epoch: number;
}

/** The reason of the last `cancelAll(reason)` made in this agent, per primitive buffer. */
const reasons = new WeakMap<SharedArrayBuffer, { epoch: number; reason: unknown }>();

/**
 * Starts a waiting call: reads the epoch (before the call counts itself as a waiter), or takes
 * the `epoch` the call read earlier, when it started to wait before it made its sleep record
 * (a blocking batch call spins first: see `SharedQueue.putManySpin`).
 */
export function watchCancel(
  cells: Int32Array,
  word: number,
  epoch = Atomics.load(cells, word),
): Cancel {
  return { cells, word, epoch };
}

/** Whether `cancelAll()` has run since the call started to wait. */
export function isCancelled(cancel: Cancel): boolean {
  return Atomics.load(cancel.cells, cancel.word) !== cancel.epoch;
}

/**
 * The error a cancelled call rejects with (and its trace event: a cancelled wait ends as an
 * aborted one does, so the testkit and the playground see no stale wait).
 */
export function cancelledError(subject: TraceSubject, what: string, cancel: Cancel): unknown {
  if (tracing()) emit(subject, 'abort', { cancelled: true });
  const given = reasons.get(cancel.cells.buffer as SharedArrayBuffer);
  // The cancel that ended our wait is the first one after our epoch.
  if (
    given !== undefined &&
    given.epoch === ((cancel.epoch + 1) | 0) &&
    given.reason !== undefined
  ) {
    return given.reason;
  }
  return new CancelledError(`${subject.name}: ${what} was cancelled by cancelAll()`);
}

/**
 * The first half of every `cancelAll()`: reads the waiter count (the return value), moves the
 * epoch and remembers `reason` for this agent's waiters. The caller then changes the word its
 * waiters sleep on and notifies them all.
 */
export function bumpEpoch(
  cells: Int32Array,
  epochWord: number,
  waitersWord: number,
  reason: unknown,
): number {
  const count = Atomics.load(cells, waitersWord);
  const epoch = (Atomics.add(cells, epochWord, 1) + 1) | 0;
  reasons.set(cells.buffer as SharedArrayBuffer, { epoch, reason });
  return count;
}
