/**
 * `select()` when some cases are a {@link SharedQueue} or a {@link SharedEvent}, and the blocking
 * {@link selectSync} for workers.
 *
 * **Exactly once.** An item of a shared queue is only ever taken (or a value put) by `tryGet()`
 * / `tryPut()`, in this agent, for the one case that is done: another thread can never serve a
 * select's "waiter", because a select registers no waiter that can be served. It only sleeps
 * until *something may have changed*, on the same words the queue's own sleepers use, and then
 * tries every case again in order.
 *
 * **How a select sleeps (async).** For each shared case it announces itself as a sleeper (adds 1
 * to the sleeper count of the word: `NOT_EMPTY`/`GET_SLEEPERS` for a get, `NOT_FULL`/
 * `PUT_SLEEPERS` for a put, `seq`/`waiters` for an event), reads the word, tries every
 * case once more, and then sleeps with one `Atomics.waitAsync` per word, raced with the
 * in-thread cases (an in-thread `select()` with an internal signal), the deadline and the
 * caller's signal. The order gives the same argument as queue/sleep.ts: the waker publishes and
 * then loads the count; we count ourselves and then re-check, so with sequentially consistent
 * atomics either the waker sees us (moves the word and notifies: our wait returns at once or is
 * woken) or our re-check sees its item.
 *
 * **The queue's wake-one scheme.** A put wakes *one* sleeper of `NOT_EMPTY` and takes it off the
 * count. A select may be that sleeper and then not take that item (an earlier case was ready,
 * it timed out, or was aborted): the wake-up would be lost for a getter that still sleeps. So:
 *
 * - a select woken by a notify on a queue's word that does not end up taking from (or putting
 *   into) that queue *hands the wake on*: `wake(word, 1)` (one notify, only if anyone sleeps);
 * - `Atomics.waitAsync` cannot be cancelled: each wait that is still pending when the round ends
 *   is *flushed* as an aborted queue getter does (queue/sleep.ts): notify every sleeper of that
 *   word and take everyone woken off the count (ourselves included if still listed). Besides
 *   removing our stale entry, this passes on any wake-up that reached our entry after we stopped
 *   listening. The sleepers woken that way re-check and sleep again.
 *
 * So a select never swallows a wake-up another getter needed, at the price of a spurious
 * wake-up of the other sleepers of the words it did not win on.
 *
 * **Blocking (`selectSync`).** `Atomics.wait` waits on one word only: with one shared case it
 * sleeps on that word until woken; with several it sleeps on one word at a time in turn, for a
 * slice growing from 1 to 16 ms, so a change on another word is seen within that slice. The
 * same announce / re-check / hand-on rules hold for the word it sleeps on.
 *
 * @module
 */
import { ClosedError } from '../errors.js';
import { emit, tracing, type TraceSubject } from '../trace/tracer.js';
import { longTimeout, type LongTimeout } from '../sync/timer.js';
import { timeoutError } from '../sync/waiters.js';
import type { SelectCase, SelectOptions } from '../queue/select.js';
import { Queue } from '../queue/queue.js';
import { Event } from '../sync/event.js';
import { checkWait, type CheckedWait } from './base.js';
import { EVENT_WORDS, SharedEvent } from './event.js';
import { cancelledError, isCancelled, watchCancel, type Cancel } from './cancel.js';
import { SharedQueue } from './queue.js';
import {
  CANCEL_EPOCH,
  GET_SLEEPERS,
  NOT_EMPTY,
  NOT_FULL,
  PUT_SLEEPERS,
  SPAN_SLEEPERS,
} from './queue/layout.js';
import { wake } from './queue/sleep.js';
import type { WaitOp } from './registry.js';
import { checkCanBlock, keepAlive, nativeWaitAsync, remaining } from './wait.js';
import { EXIT_SLICE_MS, sleepsHere } from './exits.js';

/** A result as `select()` resolves it (see `SelectResult` in queue/select.ts). */
export interface AnyResult {
  readonly index: number;
  readonly closed: boolean;
  readonly value: unknown;
}

/** The in-thread `select()`, passed in by queue/select.ts (no import cycle). */
export type InThreadSelect = (
  cases: readonly SelectCase[],
  options: SelectOptions,
) => Promise<AnyResult>;

/** One shared case: the word it sleeps on and how its wake-ups are counted. */
interface Arm {
  readonly index: number;
  readonly cells: Int32Array;
  readonly word: number;
  readonly sleepers: number;
  /** A queue's word is wake-one (a wake we do not use is handed on); an event's wakes all. */
  readonly wakeOne: boolean;
  /**
   * For a put: the queue's count of "greedy" sleepers (putters of values spanning slots, see
   * queue/sleep.ts `wake`). A select's put may need several slots, so it counts itself there
   * too (before it announces): while it sleeps, a freed slot wakes every putter, and a wake-up
   * it cannot use is never one a small put needed.
   */
  readonly greedy?: number;
  readonly primitive: { readonly registryRow: SharedQueue['registryRow'] };
  /** A queue's arm: the queue, whose sleepers exits may have to wake (see shared/exits.ts). */
  readonly queue?: SharedQueue<unknown>;
  readonly op: WaitOp;
  /** This round: the value read when we announced ourselves. */
  expected: number;
  /** This round's wait: pending, woken by a notify, or over without one. */
  state: 'idle' | 'pending' | 'woken' | 'over';
  /** Woken by a notify in the last round and not yet handed on or used. */
  owed: boolean;
}

/** What `select()` needs for a shared select: the cases' arms and the events' start values. */
interface Plan {
  readonly cases: readonly SelectCase[];
  readonly arms: Arm[];
  /** For each shared event case: its generation when the select began. */
  readonly generations: Map<number, number>;
  /** For each shared case: its cancel epoch when the select began (see cancel.ts). */
  readonly cancels: Map<number, Cancel>;
}

function planOf(cases: readonly SelectCase[]): Plan {
  const arms: Arm[] = [];
  const generations = new Map<number, number>();
  const cancels = new Map<number, Cancel>();
  cases.forEach((c, index) => {
    let arm: Omit<Arm, 'expected' | 'state' | 'owed'> | undefined;
    if ('get' in c && c.get instanceof SharedQueue) {
      cancels.set(index, watchCancel(cellsOf(c.get), CANCEL_EPOCH));
      arm = {
        index,
        cells: cellsOf(c.get),
        word: NOT_EMPTY,
        sleepers: GET_SLEEPERS,
        wakeOne: true,
        primitive: c.get,
        queue: c.get,
        op: 'get',
      };
    } else if ('put' in c && c.put instanceof SharedQueue) {
      cancels.set(index, watchCancel(cellsOf(c.put), CANCEL_EPOCH));
      arm = {
        index,
        cells: cellsOf(c.put),
        word: NOT_FULL,
        sleepers: PUT_SLEEPERS,
        wakeOne: true,
        greedy: SPAN_SLEEPERS,
        primitive: c.put,
        queue: c.put,
        op: 'put',
      };
    } else if ('wait' in c && c.wait instanceof SharedEvent) {
      // Read before the first attempt: a set (even one undone by a clear) after this counts.
      const cells = cellsOf(c.wait);
      // The epoch first: it must be read before we count ourselves among the waiters.
      cancels.set(index, watchCancel(cells, EVENT_WORDS.epoch));
      generations.set(index, c.wait.generation);
      arm = {
        index,
        cells: cellsOf(c.wait),
        word: EVENT_WORDS.seq,
        sleepers: EVENT_WORDS.waiters,
        wakeOne: false,
        primitive: c.wait,
        op: 'wait',
      };
    }
    if (arm !== undefined) arms.push({ ...arm, expected: 0, state: 'idle', owed: false });
  });
  return { cases, arms, generations, cancels };
}

function cellsOf(primitive: SharedQueue<unknown> | SharedEvent): Int32Array {
  return new Int32Array(primitive.handle.buffer);
}

/** Does the first case that can happen now (in order) and returns its result, or `undefined`. */
function tryNow(plan: Plan): AnyResult | undefined {
  const { cases, generations } = plan;
  for (let index = 0; index < cases.length; index++) {
    const c = cases[index] as SelectCase;
    if ('get' in c) {
      const queue = c.get as Queue<unknown> | SharedQueue<unknown>;
      // A cancelled shared queue case gives up before it tries: a select woken by cancelAll()
      // must take nothing, not an item that came after the cancel (as a queue's own get).
      cancelled(plan, index, queue);
      try {
        const got = queue.tryGet();
        if (got.ok) return { index, closed: false, value: got.value };
      } catch (error) {
        if (error instanceof ClosedError && queue.closed) {
          return { index, closed: true, value: undefined };
        }
        throw error;
      }
    } else if ('put' in c) {
      const queue = c.put as Queue<unknown> | SharedQueue<unknown>;
      cancelled(plan, index, queue); // before the try, as for a get
      if (queue.tryPut(c.value)) return { index, closed: false, value: undefined };
    } else if (c.wait instanceof SharedEvent) {
      if (c.wait.isSet || c.wait.generation !== generations.get(index)) {
        return { index, closed: false, value: undefined };
      }
      // A cancelAll() of the event ends the select, as it ends an in-thread select's wait.
      cancelled(plan, index, c.wait);
    } else if ((c.wait as Event).isSet()) {
      return { index, closed: false, value: undefined };
    }
  }
  return undefined;
}

/**
 * Throws when the shared case `index` was cancelled (its primitive's `cancelAll()` ran since the
 * select began): a select waiting on it is one of its waiters, as in-thread.
 */
function cancelled(plan: Plan, index: number, subject: TraceSubject): void {
  const cancel = plan.cancels.get(index);
  if (cancel !== undefined && isCancelled(cancel)) {
    throw cancelledError(subject, 'select', cancel);
  }
}

/** Counts us as a sleeper of every arm's word and reads the words (before the re-check). */
function announce(arms: Arm[]): void {
  for (const arm of arms) {
    if (arm.greedy !== undefined) Atomics.add(arm.cells, arm.greedy, 1); // before the announce
    Atomics.add(arm.cells, arm.sleepers, 1);
    arm.expected = Atomics.load(arm.cells, arm.word);
    arm.state = 'idle';
  }
}

/**
 * Ends our sleeper status on every arm after a round (see the module comment):
 * - woken by a notify: the waker took us off a wake-one count; the wake is owed to the queue
 *   until we take from it; an event's counter is ours to decrement;
 * - still pending (native wait): flush (notify all, take everyone woken off a wake-one count);
 * - otherwise (never slept, timed out, or never listed): take ourselves off the count.
 */
function retire(arms: Arm[]): void {
  for (const arm of arms) {
    const { cells, word, sleepers } = arm;
    if (arm.greedy !== undefined) Atomics.sub(cells, arm.greedy, 1);
    if (arm.state === 'pending') {
      const woken = Atomics.notify(cells, word);
      if (arm.wakeOne) {
        if (woken > 0) Atomics.sub(cells, sleepers, woken);
      } else {
        Atomics.sub(cells, sleepers, 1);
      }
    } else if (arm.state === 'woken' && arm.wakeOne) {
      arm.owed = true;
    } else {
      Atomics.sub(cells, sleepers, 1);
    }
    arm.state = 'over';
  }
}

/**
 * After an attempt at every case found nothing: any item we were woken for has been taken by
 * someone else, so no wake-up is owed. (Handing such a wake on would let two selects bounce a
 * wake-up for no item between them forever.)
 */
function forgive(arms: Arm[]): void {
  for (const arm of arms) arm.owed = false;
}

/**
 * When the select ends: passes on every wake-up we were given for a queue whose case we did not
 * do (its item may still be there, and another getter sleeps for it).
 */
function handOn(arms: Arm[], done: number | undefined): void {
  for (const arm of arms) {
    if (arm.owed && arm.index !== done) wake(arm.cells, arm.word, arm.sleepers, 1);
    arm.owed = false;
  }
}

function beginWaits(arms: Arm[], wait: CheckedWait): number[] {
  return arms.map((arm) => {
    const { registry, id } = arm.primitive.registryRow;
    return registry.beginWait(id, arm.op, wait);
  });
}

function endWaits(arms: Arm[], tokens: number[]): void {
  arms.forEach((arm, i) => arm.primitive.registryRow.registry.endWait(tokens[i] as number));
}

/** Sent to the in-thread sub-select when a shared case (or the deadline) ended the round. */
const ROUND_OVER = Symbol('round over');

/** Why a round ended. */
type RoundEnd =
  | { kind: 'shared' }
  | { kind: 'deadline' }
  | { kind: 'abort' }
  | { kind: 'inThread'; result: AnyResult }
  | { kind: 'inThreadError'; error: unknown };

/**
 * The async select when at least one case is shared. `cases` and `options` are already checked
 * by `select()`; `inThread` is the in-thread `select()` for the in-thread cases.
 */
export async function selectShared(
  cases: readonly SelectCase[],
  options: SelectOptions | undefined,
  inThread: InThreadSelect,
): Promise<AnyResult> {
  const subject: TraceSubject = { kind: 'Select', id: 0, name: options?.name ?? 'select' };
  const wait = checkWait(options);
  const plan = planOf(cases);
  const { arms } = plan;
  // In-thread cases, by their index in `cases`.
  const local: number[] = [];
  cases.forEach((c, i) => {
    const x = 'get' in c ? c.get : 'put' in c ? c.put : c.wait;
    if (x instanceof Queue || x instanceof Event) local.push(i);
  });
  let done: number | undefined = undefined;
  try {
    for (;;) {
      const now = tryNow(plan);
      if (now !== undefined) return ((done = now.index), now);
      if (wait.timeout === 0 || remaining(wait.deadline) === 0) {
        throw gaveUp(subject, wait, 'timeout');
      }
      if (wait.signal?.aborted) throw gaveUp(subject, wait, 'abort');
      // Announce, then re-check: see the module comment.
      announce(arms);
      let end: RoundEnd;
      try {
        const again = tryNow(plan);
        if (again !== undefined) return ((done = again.index), again);
        end = await sleepRound(plan, local, wait, inThread);
      } finally {
        retire(arms);
      }
      if (end.kind === 'inThread') return ((done = end.result.index), end.result);
      if (end.kind === 'inThreadError') throw end.error;
      // Retry before giving up (queue/sleep.ts rule 2): a case ready now wins over the deadline.
      const ready = tryNow(plan);
      if (ready !== undefined) return ((done = ready.index), ready);
      forgive(arms);
      if (end.kind === 'deadline') throw gaveUp(subject, wait, 'timeout');
      if (end.kind === 'abort') throw gaveUp(subject, wait, 'abort');
    }
  } finally {
    handOn(arms, done);
  }
}

function gaveUp(subject: TraceSubject, wait: CheckedWait, kind: 'timeout' | 'abort'): unknown {
  if (kind === 'timeout') return timeoutError(subject, 'select', wait.timeout);
  if (tracing()) emit(subject, 'abort');
  return wait.signal?.reason;
}

/** One sleep: until a shared word moves, an in-thread case is done, the deadline or abort. */
async function sleepRound(
  plan: Plan,
  local: number[],
  wait: CheckedWait,
  inThread: InThreadSelect,
): Promise<RoundEnd> {
  const { arms, cases } = plan;
  const ms = remaining(wait.deadline);
  const waits: Promise<'ok' | 'timed-out'>[] = [];
  if (nativeWaitAsync !== undefined) {
    for (const arm of arms) {
      // No timeout on the wait itself (the round's timer has it): so a wait still pending at
      // the end of the round is listed, or was notified by a waker that counted it off, and
      // retire()'s flush is right in both cases; a wait that timed out on its own would be
      // neither, and its sleeper count would leak.
      if (arm.queue !== undefined) sleepsHere(arm.queue); // its wakes are one per item
      const result = nativeWaitAsync(arm.cells, arm.word, arm.expected, Infinity);
      if (!result.async) return { kind: 'shared' }; // moved already; retire() settles the rest
      arm.state = 'pending';
      waits.push(result.value);
    }
  }
  const tokens = beginWaits(arms, wait);
  // Node does not count a pending Atomics.waitAsync as work: hold the keep-alive timer meanwhile
  // (its tick also watches for exits, see shared/exits.ts).
  keepAlive(1);
  const timers: ReturnType<typeof setTimeout>[] = [];
  let deadline: LongTimeout | undefined;
  let onAbort: (() => void) | undefined;
  const controller = local.length > 0 ? new AbortController() : undefined;
  let inThreadEnd: Promise<RoundEnd | undefined> | undefined;
  try {
    const end = await new Promise<RoundEnd>((resolve) => {
      waits.forEach((pending, i) => {
        const arm = arms[i] as Arm;
        void pending.then((outcome) => {
          if (arm.state !== 'pending') return; // the round is over; retire() flushed it
          arm.state = outcome === 'ok' ? 'woken' : 'over'; // 'timed-out' cannot happen
          resolve({ kind: 'shared' });
        });
      });
      if (nativeWaitAsync === undefined && arms.length > 0) {
        // No Atomics.waitAsync (some browsers): re-check the cases every 16 ms.
        timers.push(setTimeout(() => resolve({ kind: 'shared' }), Math.min(ms, 16)));
      }
      if (ms !== Infinity) {
        // longTimeout: a plain setTimeout fires a delay above 2^31 - 1 ms after about 1 ms.
        deadline = longTimeout(() => resolve({ kind: 'deadline' }), ms);
      }
      if (wait.signal !== undefined) {
        onAbort = () => resolve({ kind: 'abort' });
        wait.signal.addEventListener('abort', onAbort, { once: true });
      }
      if (controller !== undefined) {
        const sub = local.map((i) => cases[i] as SelectCase);
        inThreadEnd = inThread(sub, { signal: controller.signal }).then(
          (r): RoundEnd => ({
            kind: 'inThread',
            result: { ...r, index: local[r.index] as number },
          }),
          (error: unknown): RoundEnd | undefined =>
            error === ROUND_OVER ? undefined : { kind: 'inThreadError', error },
        );
        void inThreadEnd.then((e) => e !== undefined && resolve(e));
      }
    });
    if (controller === undefined || inThreadEnd === undefined) return end;
    // Stop the in-thread cases. One served before the abort lands has done its operation, so
    // it is the result; otherwise the in-thread select rejects with ROUND_OVER, having done
    // nothing (its cases leave their waiting lists synchronously in abort()).
    controller.abort(ROUND_OVER);
    return (await inThreadEnd) ?? end;
  } finally {
    keepAlive(-1);
    for (const timer of timers) clearTimeout(timer);
    deadline?.cancel();
    if (onAbort !== undefined) wait.signal?.removeEventListener('abort', onAbort);
    endWaits(arms, tokens);
  }
}

/** Longest slice a blocking select sleeps on one word when it has several to watch. */
const MAX_SLICE = 16;

/**
 * The blocking form of `select()` for workers, over `SharedQueue` and `SharedEvent` cases only
 * (an in-thread queue lives on one thread's event loop, which a blocked thread cannot run).
 * Same cases, result, ordering and `{ timeout, signal }` as `select()`; a `signal` can only be
 * seen between two slices of sleep (at most 16 ms apart), since nothing can interrupt
 * `Atomics.wait`.
 *
 * `Atomics.wait` sleeps on one word: with one case it sleeps until woken (looking again every
 * 100 ms, for a wake-up a dying agent may have swallowed: see shared/exits.ts); with several it
 * sleeps on each case's word in turn, for a slice growing from 1 to 16 ms, and tries every case
 * between two slices, so a change on a word it is not sleeping on is seen within 16 ms.
 *
 * @throws BlockingCallError on a browser's main thread; TypeError for an in-thread case.
 * @example
 * ```ts
 * // in a worker: take from whichever queue has an item first, for up to 1 s
 * const r = selectSync([{ get: urgent }, { get: jobs }, { wait: stop }], { timeout: 1000 });
 * if (r.index === 2) return; // stop was set
 * if (!r.closed) handle(r.value);
 * ```
 */
export function selectSyncShared(
  cases: readonly SelectCase[],
  options: SelectOptions | undefined,
): AnyResult {
  const name = options?.name ?? 'select';
  checkCanBlock(name, 'selectSync', 'select');
  const subject: TraceSubject = { kind: 'Select', id: 0, name };
  const wait = checkWait(options);
  const plan = planOf(cases);
  const { arms } = plan;
  let done: number | undefined = undefined;
  let turn = 0;
  let slice = 1;
  /** With one case: the registry record kept from the last slice (0: none). */
  let held = 0;
  try {
    for (;;) {
      const now = tryNow(plan);
      if (now !== undefined) return ((done = now.index), now);
      const left = remaining(wait.deadline);
      if (wait.timeout === 0 || left === 0) throw gaveUp(subject, wait, 'timeout');
      if (wait.signal?.aborted) throw gaveUp(subject, wait, 'abort');
      const arm = arms[turn++ % arms.length] as Arm;
      forgive(arms); // every case was just tried and found nothing
      if (arm.greedy !== undefined) Atomics.add(arm.cells, arm.greedy, 1); // before the announce
      Atomics.add(arm.cells, arm.sleepers, 1);
      let counted = true;
      try {
        arm.expected = Atomics.load(arm.cells, arm.word);
        const again = tryNow(plan);
        if (again !== undefined) return ((done = again.index), again);
        // One case: sleep until woken, but in slices of EXIT_SLICE_MS at most, so that a
        // wake-up swallowed by a dying agent is taken back (see shared/exits.ts).
        const ms =
          arms.length === 1 && wait.signal === undefined
            ? Math.min(left, EXIT_SLICE_MS)
            : Math.min(left, slice);
        slice = Math.min(slice * 2, MAX_SLICE);
        if (arm.queue !== undefined) sleepsHere(arm.queue); // its wakes are one per item
        const { registry, id } = arm.primitive.registryRow;
        const token = held !== 0 ? held : registry.beginWait(id, arm.op, wait);
        held = 0;
        let outcome = 'not-equal';
        try {
          outcome = Atomics.wait(arm.cells, arm.word, arm.expected, ms);
        } finally {
          // One case: the record lasts across slices, so it says since when the select waits.
          if (arms.length === 1 && outcome === 'timed-out') held = token;
          else registry.endWait(token);
        }
        if (outcome === 'ok' && arm.wakeOne) {
          counted = false; // the waker took us off the count; the wake is owed to this queue
          arm.owed = true;
        }
      } finally {
        if (counted) Atomics.sub(arm.cells, arm.sleepers, 1);
        if (arm.greedy !== undefined) Atomics.sub(arm.cells, arm.greedy, 1);
      }
    }
  } finally {
    if (held !== 0) arms[0]?.primitive.registryRow.registry.endWait(held);
    handOn(arms, done);
  }
}
