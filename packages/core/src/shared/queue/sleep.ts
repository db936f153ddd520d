/**
 * How a {@link SharedQueue} call waits for an item or for room, and how the other side wakes it:
 * **one sleeper per item** (no thundering herd).
 *
 * Each predicate (`not_empty`, `not_full`) has a sequence word that sleepers wait on and a count
 * of sleepers. The protocol, for a getter (putters are symmetric):
 *
 * 1. a bounded spin of attempts (see `SpinBudget`);
 * 2. *announce*: add 1 to the sleeper count, read the sequence word, and attempt once more;
 * 3. sleep in `Atomics.wait`/`Atomics.waitAsync` on the value read.
 *
 * A producer, after publishing `k` items, loads the count, and only if it is not zero moves the
 * sequence on and notifies `k` sleepers, then takes the number it really woke off the count (a
 * woken sleeper does not count itself off; one that times out or finds the word already moved
 * does). Why no wake-up is lost: the producer's publish comes before its load of the count, and
 * the sleeper's announce before its last attempt; with sequentially consistent atomics either
 * the producer sees the announce (and changes the word, so a sleeper that has not yet slept
 * returns at once), or the sleeper's attempt sees the item. A sleeper woken for an item that
 * another getter took first simply announces and sleeps again. An async sleeper that is aborted
 * leaves a waiter in the word's list that `Atomics.waitAsync` cannot cancel: it notifies every
 * sleeper of the word (they re-check and sleep again), which flushes its own entry and passes on
 * a wake-up it may have swallowed, and takes the number woken off the count.
 *
 * So a put costs one load when nobody sleeps and one notify of one sleeper otherwise, however
 * many getters sleep (the cost stays flat from 1 to 10,000 async getters).
 *
 * A sleeper woken for an item is counted woken before it runs again: if its agent dies in
 * between, the wake-up dies with it. Blocking sleeps are therefore sliced, and async sleepers
 * watch for reported exits, so that the others take it back (see shared/exits.ts).
 *
 * When a call waits on a *stalled* claim (another agent claimed the next slot and has not
 * finished with it, see ring.ts), nobody may ever wake it: it sleeps for short, growing periods
 * (1 ms up to 100 ms) and re-checks, so it can repair the slot once the registry says that
 * agent has exited, and its timeout and signal still end it on time.
 *
 * @module
 */
import { TimeoutError } from '../../errors.js';
import { emit, tracing, type TraceSubject } from '../../trace/tracer.js';
import type { CheckedWait, Waitable } from '../base.js';
import type { WaitOp } from '../registry.js';
import {
  keepAlive,
  nativeWaitAsync,
  QUICK_WAKE_MS,
  remaining,
  spin,
  type SpinBudget,
} from '../wait.js';
import { cancelledError, isCancelled, type Cancel } from '../cancel.js';
import { EXIT_SLICE_MS } from '../exits.js';

/** Gives up when `cancelAll()` ran since the call started to wait. */
function checkCancel(subject: Waitable, op: Sleep, what: string): void {
  if (op.cancel !== undefined && isCancelled(op.cancel)) {
    throw cancelledError(subject, what, op.cancel);
  }
}

/** One queue call that may have to wait. */
export interface Sleep {
  readonly cells: Int32Array;
  /** The sequence word to sleep on. */
  readonly word: number;
  /** The count of sleepers on it. */
  readonly sleepers: number;
  readonly spin: SpinBudget;
  /** Does the operation if it can; `true` when done. May throw (closed, codec). */
  attempt(): boolean;
  /**
   * A hint for the spin before the first blocking sleep: the spin attempts only when it says
   * so (see `spin` in wait.ts). The sleeps after the spin attempt regardless, and async waits
   * do not use it.
   */
  ready?(): boolean;
  /**
   * With `ready`: how many times the spin checks the hint before it attempts regardless and
   * goes on as an unhinted spin (see `spin` in wait.ts). Without it the hint holds for the
   * whole spin.
   */
  readonly patience?: number;
  /**
   * The caller has made the spin's attempts already, without a sleep record (a blocking batch
   * call: see `SharedQueue.putManySpin`): a blocking sleep then goes straight to its first
   * announce, and settles the budget by how that sleep ends, as after a spin of its own.
   * Async sleeps ignore it (no async caller spins first).
   */
  readonly spun?: boolean;
  /** Whether the last failed attempt was stopped by a stalled claim (then poll). */
  stalled(): boolean;
  /** Words for a timeout error: who holds the stalled slot, if anyone. */
  detail(): string | undefined;
  /**
   * A count this call is in while it sleeps, besides `sleepers`, when one wake-up may not be
   * enough for it (a put of a value spanning slots): see {@link wake}'s `greedy`. It counts
   * itself in before it announces and out when its sleep ends, whatever ends it. (A worker
   * killed in its sleep leaves the count up: wakers then wake every sleeper, which costs
   * wake-ups, never correctness.)
   */
  readonly greedy?: number;
  /**
   * The cancel epoch as the call read it before its first announce (see shared/cancel.ts):
   * checked after each announce and after each wake-up, before the next attempt.
   */
  readonly cancel?: Cancel;
}

/**
 * The attempt a spin makes: `op.attempt`, but none once a `cancelAll()` moved the cancel epoch
 * since the call started to wait. A call in its spin has started to wait, so a cancel must leave
 * it having put or taken nothing, as it leaves a sleeper: the spin then runs out without
 * attempting, and the re-check after the announce gives up (see {@link recheck}).
 */
function spinAttempt(op: Sleep): () => boolean {
  const cancel = op.cancel;
  if (cancel === undefined) return op.attempt;
  return () => !isCancelled(cancel) && op.attempt();
}

/** Longest sleep between two checks of a stalled claim. */
const MAX_POLL = 100;

/**
 * Wakes up to `count` sleepers of `word` if any sleep (after publishing items or freeing slots).
 *
 * With `greedy` (a word counting sleepers that need *several* slots at once: putters of values
 * spanning slots), every sleeper is woken while that count is not zero. One freed slot may not
 * be enough for such a sleeper, and a wake-up it swallowed would be lost for a putter of a small
 * value that one slot would have done for. Those sleepers add themselves to `greedy` *before*
 * they announce themselves on `sleepers`, so a waker that sees the announce (sequentially
 * consistent atomics) sees the greedy count too, and wakes them all; the others re-check and
 * sleep again.
 */
export function wake(
  cells: Int32Array,
  word: number,
  sleepers: number,
  count: number,
  greedy?: number,
): void {
  if (Atomics.load(cells, sleepers) === 0) return;
  Atomics.add(cells, word, 1);
  const all = greedy !== undefined && Atomics.load(cells, greedy) !== 0;
  const woken = all ? Atomics.notify(cells, word) : Atomics.notify(cells, word, count);
  if (woken > 0) Atomics.sub(cells, sleepers, woken);
}

/** Wakes every sleeper of `word` (close). */
export function wakeEveryone(cells: Int32Array, word: number, sleepers: number): void {
  Atomics.add(cells, word, 1);
  const woken = Atomics.notify(cells, word);
  if (woken > 0) Atomics.sub(cells, sleepers, woken);
}

function timeoutError(
  subject: TraceSubject,
  what: string,
  wait: CheckedWait,
  op: Sleep,
): TimeoutError {
  if (tracing()) emit(subject, 'timeout', { timeout: wait.timeout });
  const error = TimeoutError.of(subject.name, what, wait.timeout);
  // Say who holds the slot this call waited on, when a claim stalled it.
  const detail = op.stalled() ? op.detail() : undefined;
  if (detail !== undefined) error.message += ` (${detail})`;
  return error;
}

/** {@link recheck}'s answer when the operation is done. */
const DONE = Symbol('done');

/**
 * The re-check right after a sleeper announced itself: reads the sleep word (the value to sleep
 * on), then gives up if cancelled, answers {@link DONE} if the attempt succeeded, and throws a
 * `TimeoutError` once the deadline has passed. The word is read first: a cancel or a put after
 * this read moves it, so the sleep that follows cannot miss them (cancel.ts).
 */
function recheck(
  subject: Waitable,
  op: Sleep,
  wait: CheckedWait,
  what: string,
): number | typeof DONE {
  const expected = Atomics.load(op.cells, op.word);
  checkCancel(subject, op, what);
  if (op.attempt()) return DONE;
  if (wait.deadline !== Infinity && performance.now() >= wait.deadline) {
    throw timeoutError(subject, what, wait, op);
  }
  return expected;
}

/** How long the next async sleep may last. */
function sleepFor(op: Sleep, wait: CheckedWait, poll: number): number {
  const left = remaining(wait.deadline);
  return op.stalled() ? Math.min(left, poll) : left;
}

/**
 * How long the next blocking sleep may last: as an async one, but never more than
 * {@link EXIT_SLICE_MS}, so that a wake-up swallowed by a dying agent is taken back within a
 * slice (see shared/exits.ts: a blocked thread cannot watch for exits otherwise).
 */
function sliceFor(op: Sleep, wait: CheckedWait, poll: number): number {
  return Math.min(sleepFor(op, wait, poll), EXIT_SLICE_MS);
}

/** Blocks until `op.attempt()` succeeds, the deadline passes, or it throws. */
export function sleepSync(
  subject: Waitable,
  op: Sleep,
  kind: WaitOp,
  wait: CheckedWait,
  what: string,
): void {
  if (op.spun !== true && spin(spinAttempt(op), op.spin, op.ready, true, op.patience)) return;
  const { cells, word, sleepers } = op;
  const { registry, id } = subject.registryRow;
  let poll = 1;
  // The spin's budget is settled by how its first sleep ends (see SpinBudget.afterSleep); a
  // hinted spin without patience does not use the budget, so it leaves it alone.
  let settled = op.ready !== undefined && op.patience === undefined;
  // The registry's record of this wait lasts across sleeps that end by timing out (a slice, or
  // a stalled claim's poll), so that it says since when the call waits, not since the last
  // slice; a wake-up by a notify ends it, as the call then runs.
  let token = 0;
  try {
    for (;;) {
      if (op.greedy !== undefined) Atomics.add(cells, op.greedy, 1); // before the announce
      Atomics.add(cells, sleepers, 1);
      let counted = true;
      let outcome: string;
      try {
        const expected = recheck(subject, op, wait, what);
        if (expected === DONE) {
          if (!settled) op.spin.afterSleep(true);
          return;
        }
        const ms = sliceFor(op, wait, poll);
        if (op.stalled()) poll = Math.min(poll * 2, MAX_POLL);
        if (token === 0) token = registry.beginWait(id, kind, wait);
        const began = settled ? 0 : performance.now();
        outcome = Atomics.wait(cells, word, expected, ms);
        if (!settled) {
          settled = true;
          op.spin.afterSleep(outcome !== 'timed-out' && performance.now() - began < QUICK_WAKE_MS);
        }
        if (outcome !== 'timed-out') {
          registry.endWait(token);
          token = 0;
        }
        // Woken by a notify: the waker has taken us off the count.
        if (outcome === 'ok') counted = false;
      } finally {
        if (counted) Atomics.sub(cells, sleepers, 1);
        if (op.greedy !== undefined) Atomics.sub(cells, op.greedy, 1);
      }
      checkCancel(subject, op, what);
      if (op.attempt()) return;
      if (wait.deadline !== Infinity && performance.now() >= wait.deadline) {
        throw timeoutError(subject, what, wait, op);
      }
    }
  } finally {
    registry.endWait(token);
  }
}

/**
 * How one async sleep ended: `'ok'` when a notify woke us (the waker took us off the count),
 * otherwise `'other'` (timed out, word already moved, or polled), or `'aborted'` (after a native
 * wait the flush settled the count; after a poll we still count ourselves).
 */
type Slept = 'ok' | 'other' | 'aborted';

/**
 * One native async sleep (`woken`: the wait's promise) that `signal` may end: `'ok'` when a
 * notify woke us (the waker took us off the count), `'other'` when it timed out, or `'aborted'`
 * (the count is settled).
 */
function abortableSleep(
  cells: Int32Array,
  word: number,
  sleepers: number,
  woken: Promise<'ok' | 'timed-out'>,
  signal: AbortSignal,
): Promise<Slept> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Slept): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => {
      // Flush our uncancellable entry (and pass on any wake-up we swallowed): wake them all,
      // and take everyone woken off the count, ourselves included if we were still listed.
      const woken = Atomics.notify(cells, word);
      if (woken > 0) Atomics.sub(cells, sleepers, woken);
      settle('aborted');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void woken.then((value) => settle(value === 'ok' ? 'ok' : 'other'));
  });
}

/** Where `Atomics.waitAsync` is missing: re-read the word on a timer backing off to 16 ms. */
async function pollOnce(
  cells: Int32Array,
  word: number,
  expected: number,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<'other' | 'aborted'> {
  const deadline = performance.now() + ms;
  let delay = 0;
  for (;;) {
    if (Atomics.load(cells, word) !== expected) return 'other';
    if (signal?.aborted) return 'aborted';
    const left = deadline - performance.now();
    if (left <= 0) return 'other';
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    delay = delay === 0 ? 1 : Math.min(delay * 2, 16);
  }
}

/**
 * An async sleeper's announce and re-check (steps 2 and 3 above): counts the call in as a
 * sleeper, then answers {@link DONE} or the value to sleep on. It leaves the call counted in
 * only when it answers a value: after {@link DONE}, or when it throws (cancelled, timed out, an
 * error of the attempt, or `signal` aborted already), the call is counted out again.
 */
function announce(
  subject: Waitable,
  op: Sleep,
  wait: CheckedWait,
  what: string,
): number | typeof DONE {
  if (op.greedy !== undefined) Atomics.add(op.cells, op.greedy, 1); // before the announce
  Atomics.add(op.cells, op.sleepers, 1);
  let expected: number | typeof DONE;
  try {
    expected = recheck(subject, op, wait, what);
    if (expected !== DONE && wait.signal?.aborted === true) {
      if (tracing()) emit(subject, 'abort');
      throw wait.signal.reason;
    }
  } catch (error) {
    countOut(op, true);
    throw error;
  }
  if (expected === DONE) countOut(op, true);
  return expected;
}

/**
 * Counts a call out of the greedy count, and out of the sleepers when `counted` (a waker that
 * woke it, or an abort's flush, took it off them already).
 */
function countOut(op: Sleep, counted: boolean): void {
  if (counted) Atomics.sub(op.cells, op.sleepers, 1);
  if (op.greedy !== undefined) Atomics.sub(op.cells, op.greedy, 1);
}

/**
 * Starts one async sleep on the value `expected`: the sleep's promise, or `'other'` when the
 * word has moved already. A native wait holds the agent's keep-alive (see `keepAlive`), which
 * the caller lets go once the promise settles.
 */
function startSleep(
  op: Sleep,
  wait: CheckedWait,
  expected: number,
  ms: number,
): Promise<'ok' | 'timed-out' | Slept> | 'other' {
  const { cells, word } = op;
  const result = nativeWaitAsync?.(cells, word, expected, ms);
  if (result === undefined) return pollOnce(cells, word, expected, ms, wait.signal);
  if (!result.async) return 'other';
  keepAlive(1);
  // Without a signal, the caller awaits the wait's own promise and holds nothing else while it
  // sleeps: with a thousand sleeping getters, each promise, closure or listener of a sleep is a
  // thousand objects that outlive young-generation collections and are touched again, cold,
  // when their getter's turn comes.
  return wait.signal === undefined
    ? result.value
    : abortableSleep(cells, word, op.sleepers, result.value, wait.signal);
}

/**
 * The async twin of {@link sleepSync}; rejects with `signal.reason` on abort.
 *
 * Its work between sleeps is done by {@link announce} and {@link startSleep}: this function's
 * own frame is what each sleeping call keeps alive (a thousand sleeping getters keep a thousand
 * of them, see PERFORMANCE.md, "Async getters"), so it holds only what the sleep needs after
 * it wakes.
 */
export async function sleepAsync(
  subject: Waitable,
  op: Sleep,
  kind: WaitOp,
  wait: CheckedWait,
  what: string,
): Promise<void> {
  // No hint here: a hinted spin may last a few tens of microseconds, which an async caller
  // would block its event loop for; async waits spin briefly and sleep (see `spin`).
  if (spin(spinAttempt(op), op.spin)) return;
  let poll = 1;
  for (;;) {
    const expected = announce(subject, op, wait, what);
    if (expected === DONE) return;
    // Counted in as a sleeper from here until countOut.
    let outcome: Slept = 'other';
    const token = subject.registryRow.registry.beginWait(subject.registryRow.id, kind, wait);
    try {
      const ms = sleepFor(op, wait, poll);
      if (op.stalled()) poll = Math.min(poll * 2, MAX_POLL);
      const sleep = startSleep(op, wait, expected, ms);
      if (sleep === 'other') {
        outcome = sleep;
      } else {
        try {
          const got = await sleep;
          outcome = got === 'timed-out' ? 'other' : got;
        } finally {
          if (nativeWaitAsync !== undefined) keepAlive(-1);
        }
      }
    } finally {
      subject.registryRow.registry.endWait(token);
      // 'ok': the waker took us off the count; 'aborted' after a real wait: the flush did.
      countOut(op, !(outcome === 'ok' || (outcome === 'aborted' && nativeWaitAsync !== undefined)));
    }
    if (outcome === 'aborted') {
      if (tracing()) emit(subject, 'abort');
      throw wait.signal?.reason;
    }
    checkCancel(subject, op, what);
    if (op.attempt()) return;
    if (wait.deadline !== Infinity && performance.now() >= wait.deadline) {
      throw timeoutError(subject, what, wait, op);
    }
  }
}
