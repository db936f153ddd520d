/**
 * The waiting room every in-thread primitive uses: an intrusive doubly linked FIFO list of
 * {@link Waiter}s, and {@link park}, which puts a caller in it with its timeout and signal.
 *
 * The rules that make "a waiter that gives up leaves no trace" true:
 *
 * 1. A primitive serves a waiter by *unlinking it first* ({@link WaiterList.shift}), then
 *    disarming its timer and abort listener ({@link disarm}), then handing it the permit or item
 *    (synchronously: the waiter owns it from that moment) and finally scheduling its resumption
 *    with `resumeWaiter`. All of that happens in one synchronous step, so nothing can run between
 *    "chosen" and "owns it".
 * 2. A timeout or an abort only acts on a waiter that is still linked. A served waiter is no
 *    longer linked, so a timer or an abort that fires in the same tick as the release or put
 *    finds nothing to do: the grant wins and the promise resolves.
 * 3. A waiter that gives up is unlinked in O(1), so the next release or put goes to a waiter that
 *    still wants it; no wake-up is spent on a caller that has left.
 *
 * Every operation here is O(1): no `Array.shift`, no scan of the list.
 *
 * @module
 */
import { CancelledError, TimeoutError } from '../errors.js';
import { checkWaitOptions, type WaitOptions } from '../options.js';
import { currentAgent, emit, tracing, type TraceSubject } from '../trace/tracer.js';

/**
 * A set of waiters, in the lists of several primitives, of which at most one may be served:
 * `select()`'s. The primitive that serves one calls {@link WaiterGroup.claim} synchronously,
 * right after unlinking it and before handing it anything, so the group can unlink the others
 * before any other primitive could serve them: nothing is taken twice, nothing is lost.
 */
export interface WaiterGroup {
  /** Records `waiter` (just parked on `subject`) as a member. */
  join(waiter: Waiter<unknown>, subject: TraceSubject): void;
  /** `waiter`, a member, is being served: the group must unlink every other member now. */
  claim(waiter: Waiter<unknown>): void;
}

/**
 * The key under which a waiting call's options may carry a {@link WaiterGroup} (internal: only
 * `select()` sets it; it is not part of {@link WaitOptions}).
 */
export const WAITER_GROUP: unique symbol = Symbol('baton.waiterGroup');

/** Options that may carry a {@link WaiterGroup}. */
export interface GroupWaitOptions extends WaitOptions {
  readonly [WAITER_GROUP]?: WaiterGroup;
}

/** Called instead of rejecting when a waiter times out or is aborted (it is already unlinked). */
export type GiveUp<T> = (waiter: Waiter<T>, reason: unknown) => void;

function ignore(): void {}

/**
 * One parked caller. Kept small (the contended path allocates one per wait): what only a
 * waiter with a timeout or a signal needs lives in its {@link Watch}.
 */
export class Waiter<T> {
  prev: Waiter<T> | undefined = undefined;
  next: Waiter<T> | undefined = undefined;
  /** The list it is in, or `undefined` once served or given up. */
  list: WaiterList<T> | undefined = undefined;
  resolve: (value: T) => void = ignore;
  reject: (reason: unknown) => void = ignore;
  /** What the waiter brings: a putter's value, a barrier party's arrival index. */
  item: unknown = undefined;
  /** The agent that started waiting (only recorded while tracing). */
  agent: string | undefined = undefined;
  /** Its timeout and abort signal, if it has either. */
  watch: Watch<T> | undefined = undefined;
  /** The `select()` it belongs to, if any. */
  group: WaiterGroup | undefined = undefined;
}

/** The timeout and abort signal of a {@link Waiter}, and what to do when either fires. */
export class Watch<T> {
  timer: unknown = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  constructor(
    readonly waiter: Waiter<T>,
    /** The primitive it waits on, for the timeout message and trace events. */
    readonly subject: TraceSubject,
    /** What it waits to do (`'acquire'`, `'get'`, ...), for the timeout message. */
    readonly what: string,
    readonly timeout: number,
    readonly giveUp: GiveUp<T> | undefined,
  ) {}
}

/** An intrusive doubly linked FIFO list of waiters: push at the tail, shift from the head. */
export class WaiterList<T> {
  private head: Waiter<T> | undefined = undefined;
  private tail: Waiter<T> | undefined = undefined;
  /** Number of waiters in the list. */
  length = 0;

  /** The oldest waiter, if any (the next to be served). */
  get first(): Waiter<T> | undefined {
    return this.head;
  }

  /** The newest waiter, if any. */
  get last(): Waiter<T> | undefined {
    return this.tail;
  }

  /** Appends `waiter` (not in any list) at the tail. */
  push(waiter: Waiter<T>): void {
    waiter.list = this;
    waiter.prev = this.tail;
    waiter.next = undefined;
    if (this.tail === undefined) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    this.length++;
  }

  /** Unlinks and returns the oldest waiter, or `undefined` when the list is empty. */
  shift(): Waiter<T> | undefined {
    const waiter = this.head;
    if (waiter !== undefined) this.remove(waiter);
    return waiter;
  }

  /** Unlinks `waiter`, which must be in this list. O(1). */
  remove(waiter: Waiter<T>): void {
    const { prev, next } = waiter;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    waiter.prev = waiter.next = waiter.list = undefined;
    this.length--;
  }
}

/**
 * @internal One {@link Waiter} and one {@link WaiterList} that live as long as the module, so
 * their hidden classes survive a full GC while nobody waits: V8 holds a class instance's final
 * shape only weakly, and losing it throws away the optimized code of every primitive's waiting
 * path (a pipeline run after such a GC ran about twice as slowly). Never used otherwise.
 */
export const waiterShapes: readonly [Waiter<unknown>, WaiterList<unknown>] = [
  new Waiter<unknown>(),
  new WaiterList<unknown>(),
];

/** Stops a waiter's timer and abort listener; call it once the waiter is unlinked. */
export function disarm(waiter: Waiter<unknown>): void {
  const watch = waiter.watch;
  if (watch === undefined) return;
  waiter.watch = undefined;
  if (watch.timer !== undefined) clearTimeout(watch.timer as Parameters<typeof clearTimeout>[0]);
  if (watch.onAbort !== undefined) watch.signal?.removeEventListener('abort', watch.onAbort);
}

/**
 * Checks the options of a waiting call. Returns a rejected promise when they are bad or the
 * signal has already aborted (the call must then do nothing), otherwise `undefined`.
 */
export function refuse(options: WaitOptions): Promise<never> | undefined {
  let signal: AbortSignal | undefined;
  try {
    signal = checkWaitOptions(options).signal;
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return undefined;
}

/**
 * The detail of a trace event that starts a wait: `extra` plus the wait's finite `timeout`, so
 * that a wait-for graph can tell a bounded wait from one that may last for ever. Call it only
 * while `tracing()`: it allocates.
 */
export function waitDetail(
  options: WaitOptions | undefined,
  extra?: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const timeout = options?.timeout;
  if (timeout === undefined || timeout === Infinity) return extra;
  return { ...extra, timeout };
}

/** The error a waiter gets when its timeout expires (one wording for both worlds). */
export function timeoutError(subject: TraceSubject, what: string, timeout: number): TimeoutError {
  return TimeoutError.of(subject.name, what, timeout);
}

/**
 * The longest delay a timer takes: Node and browsers store it in a signed 32-bit integer and
 * fire a longer one after about 1 ms (Node warns with `TimeoutOverflowWarning`).
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * Starts (or continues) the timeout of `watch` with `left` ms to go: a chain of timers of at
 * most {@link MAX_TIMER_DELAY} each, so that a timeout of any size fires when it should. Only
 * the current link is in `watch.timer`, which is what {@link disarm} clears.
 */
function arm(watch: Watch<unknown>, left: number): void {
  watch.timer =
    left > MAX_TIMER_DELAY
      ? setTimeout(arm, MAX_TIMER_DELAY, watch, left - MAX_TIMER_DELAY)
      : setTimeout(expire, left, watch);
}

function expire(watch: Watch<unknown>): void {
  watch.timer = undefined;
  leave(watch, timeoutError(watch.subject, watch.what, watch.timeout), 'timeout');
}

/** Takes a still-waiting waiter out of its list and rejects it (or calls its give-up hook). */
function leave(watch: Watch<unknown>, reason: unknown, kind: 'timeout' | 'abort'): void {
  const waiter = watch.waiter;
  const list = waiter.list;
  // Already served (rule 2 above): the permit or item is the waiter's, nothing to undo.
  if (list === undefined) return;
  list.remove(waiter);
  disarm(waiter);
  emit(watch.subject, kind, undefined, waiter.agent);
  if (watch.giveUp !== undefined) watch.giveUp(waiter, reason);
  else waiter.reject(reason);
}

/**
 * Parks the caller in `list` until a primitive serves it (and resolves its promise), its
 * timeout expires (rejects with `TimeoutError`) or its signal aborts (rejects with the
 * signal's reason). `options` must have passed {@link refuse}. A `timeout` of 0 rejects at once:
 * the caller wanted the operation only if it could be done now.
 *
 * @param item - stored on the waiter, e.g. the value a putter wants to put.
 * @param giveUp - replaces the plain rejection on timeout or abort (the waiter is already out
 *   of the list), e.g. a condition re-acquires its lock first.
 */
export function park<T>(
  list: WaiterList<T>,
  subject: TraceSubject,
  what: string,
  options: WaitOptions | undefined,
  item?: unknown,
  giveUp?: GiveUp<T>,
): Promise<T> {
  const timeout = options?.timeout ?? Infinity;
  if (timeout === 0) {
    emit(subject, 'timeout');
    return Promise.reject(timeoutError(subject, what, 0));
  }
  const waiter = new Waiter<T>();
  waiter.item = item;
  const promise = new Promise<T>((resolve, reject) => {
    waiter.resolve = resolve;
    waiter.reject = reject;
  });
  if (tracing()) waiter.agent = currentAgent();
  list.push(waiter);
  const group = (options as GroupWaitOptions | undefined)?.[WAITER_GROUP];
  if (group !== undefined) {
    waiter.group = group;
    group.join(waiter as Waiter<unknown>, subject);
  }
  const signal = options?.signal;
  if (timeout !== Infinity || signal !== undefined) {
    const watch = new Watch<T>(waiter, subject, what, timeout, giveUp);
    waiter.watch = watch;
    if (timeout !== Infinity) arm(watch as Watch<unknown>, timeout);
    if (signal !== undefined) {
      watch.signal = signal;
      watch.onAbort = () => leave(watch as Watch<unknown>, signal.reason, 'abort');
      signal.addEventListener('abort', watch.onAbort, { once: true });
    }
  }
  return promise;
}

/**
 * `cancelAll()` of every in-thread primitive: takes every waiter out of `list`, oldest first,
 * and rejects it with `reason` (by default a {@link CancelledError} naming the primitive and
 * the call), or hands it to `giveUp` (a condition re-takes its lock first). Returns how many
 * waiters there were. A cancelled waiter leaves no trace, as one that timed out.
 */
export function cancelWaiters<T>(
  list: WaiterList<T>,
  subject: TraceSubject,
  what: string,
  reason: unknown,
  giveUp?: GiveUp<T>,
): number {
  let count = 0;
  for (let w = serveNext(list); w !== undefined; w = serveNext(list)) {
    count++;
    emit(subject, 'abort', undefined, w.agent);
    const error =
      reason === undefined
        ? new CancelledError(`${subject.name}: ${what} was cancelled by cancelAll()`)
        : reason;
    if (giveUp !== undefined) giveUp(w, error);
    else w.reject(error);
  }
  return count;
}

/**
 * Unlinks the oldest waiter of `list` and disarms it; the caller then hands it what it waited
 * for. Returns `undefined` when nobody waits.
 */
export function serveNext<T>(list: WaiterList<T>): Waiter<T> | undefined {
  const waiter = list.shift();
  if (waiter !== undefined) {
    disarm(waiter as Waiter<unknown>);
    // A select()'s waiter: its siblings leave their lists now, before anything else can run.
    if (waiter.group !== undefined) waiter.group.claim(waiter as Waiter<unknown>);
  }
  return waiter;
}
