/**
 * {@link select}: wait for the first of several queue operations or events, like Go's `select`,
 * and do exactly that one.
 *
 * @module
 */
import { ClosedError } from '../errors.js';
import { checkWaitOptions, describe, type WaitOptions } from '../options.js';
import { emit } from '../trace/tracer.js';
import type { TraceSubject } from '../trace/tracer.js';
import { Event } from '../sync/event.js';
import { longTimeout, type LongTimeout } from '../sync/timer.js';
import {
  disarm,
  refuse,
  timeoutError,
  WAITER_GROUP,
  type GroupWaitOptions,
  type Waiter,
  type WaiterGroup,
} from '../sync/waiters.js';
import { Queue } from './queue.js';
import { SharedEvent } from '../shared/event.js';
import { SharedQueue } from '../shared/queue.js';
import { selectShared, selectSyncShared, type InThreadSelect } from '../shared/select.js';

/** Take an item from `get` (a `Queue`, `LifoQueue`, `PriorityQueue` or `SharedQueue`). */
export interface GetCase<T> {
  readonly get: Queue<T> | SharedQueue<T>;
}

/** Put `value` into `put` (a `Queue`, `LifoQueue`, `PriorityQueue` or `SharedQueue`). */
export interface PutCase<T> {
  readonly put: Queue<T> | SharedQueue<T>;
  readonly value: T;
}

/** Wait for `wait` (an `Event` or a `SharedEvent`) to be set. */
export interface WaitCase {
  readonly wait: Event | SharedEvent;
}

/** One case of {@link select}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any item type; the result keeps each case's own
export type SelectCase = GetCase<any> | PutCase<any> | WaitCase;

type Index<K> = K extends `${infer N extends number}` ? N : never;

/** What happened to case `I` (its position) when it was the one chosen. */
export type CaseResult<C, I extends number> =
  C extends GetCase<infer T>
    ? // the item taken, or the queue was closed and drained (Go's `v, ok := <-ch` with ok false)
      | { readonly index: I; readonly closed: false; readonly value: T }
      | { readonly index: I; readonly closed: true; readonly value: undefined }
    : { readonly index: I; readonly closed: false; readonly value: undefined };

/** The result of {@link select}: which case happened, by its index, with its item for a get. */
export type SelectResult<C extends readonly SelectCase[]> = {
  [K in keyof C]: CaseResult<C[K], Index<K>>;
}[number];

/** Options of {@link select}. */
export interface SelectOptions extends WaitOptions {
  /** A name for trace events and errors. Default `'select'`. */
  name?: string;
}

/**
 * Waits until one of `cases` can happen, does exactly that one, and resolves with its index:
 *
 * - `{ get: queue }`: takes the next item (`value`), or, once the queue is closed and drained,
 *   resolves with `closed: true` (as Go's receive from a closed channel);
 * - `{ put: queue, value }`: puts `value` (rejects with `ClosedError` if the queue is closed,
 *   as Go's send on a closed channel panics);
 * - `{ wait: event }`: the event is set.
 *
 * **Exactly one.** Unlike `Promise.race` over `get()`s with an abort (where two gets can both
 * take an item before the abort lands, and one item is lost), the losing cases never take or
 * put anything: the case that is served first unlinks the others' waiters synchronously, in the
 * same step, before any other code runs. Cases that can happen now are tried first, in order
 * (the earliest wins, so order them by priority); otherwise `select` waits in every queue's and
 * event's FIFO waiting list at once, so it keeps its place among other waiters.
 *
 * `timeout` and `signal` bound the whole select: it then rejects with `TimeoutError` or
 * `signal.reason` having done nothing; `timeout: 0` only does a case that can happen now.
 * Works with the in-thread `Queue`, `LifoQueue`, `PriorityQueue` and `Event`, and with
 * `SharedQueue` and `SharedEvent`, mixed as you like, on the main thread or in a worker. A
 * shared case is never served by another thread: the select only sleeps until one of the
 * shared words it watches moves, then does the first ready case with `tryGet()` / `tryPut()`,
 * so it still does exactly one case (see shared/select.ts for how it keeps the queue's
 * wake-one scheme whole). In a worker, {@link selectSync} blocks instead.
 *
 * Trace events: each queue or event reports its own `wait`; the cases that lose report
 * `abort`, as a waiter that gives up does.
 *
 * @example
 * ```ts
 * const jobs = new Queue<string>();
 * const urgent = new Queue<string>();
 * const stop = new Event();
 * setTimeout(() => void urgent.put('fire'), 10);
 * const r = await select([{ get: urgent }, { get: jobs }, { wait: stop }], { timeout: 1000 });
 * if (r.index === 0 && !r.closed) console.log(r.value); // 'fire'; nothing taken from jobs
 * ```
 */
export function select<const C extends readonly SelectCase[]>(
  cases: C,
  options?: SelectOptions,
): Promise<SelectResult<C>> {
  try {
    checkCases(cases, 'select');
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
      if (options.name !== undefined && typeof options.name !== 'string') {
        throw new TypeError(`name must be a string, got ${describe(options.name)}`);
      }
    }
    if (cases.some(isShared)) {
      return selectShared(cases, options, select as InThreadSelect) as Promise<SelectResult<C>>;
    }
    const now = tryNow(cases);
    if (now !== undefined) return Promise.resolve(now as SelectResult<C>);
  } catch (error) {
    return Promise.reject(error);
  }
  const subject: TraceSubject = { kind: 'Select', id: 0, name: options?.name ?? 'select' };
  if (options?.timeout === 0) {
    return Promise.reject(timeoutError(subject, 'select', 0));
  }
  return new Promise<SelectResult<C>>((resolve, reject) => {
    const group = new SelectGroup(subject, options, resolve as (r: unknown) => void, reject);
    const parked: GroupWaitOptions = { [WAITER_GROUP]: group };
    cases.forEach((c, index) => {
      // Every case failed just now and nothing ran since, so each of these parks.
      const before = group.members.length;
      let pending: Promise<unknown>;
      if ('get' in c) pending = c.get.get(parked);
      else if ('put' in c) pending = c.put.put(c.value, parked);
      else pending = c.wait.wait(parked);
      // The waiter that call parked (undefined if, against expectation, it did not park).
      const member = group.members.length > before ? group.members[before] : undefined;
      pending.then(
        (value) => group.settled(member, index, c, { ok: true, value }),
        (error: unknown) => group.settled(member, index, c, { ok: false, error }),
      );
    });
  });
}

/** Returns the result of the first case that can happen now (doing it), or `undefined`. */
function tryNow(cases: readonly SelectCase[]): unknown {
  for (let index = 0; index < cases.length; index++) {
    const c = cases[index] as SelectCase;
    if ('get' in c) {
      try {
        const got = c.get.tryGet();
        if (got.ok) return { index, closed: false, value: got.value };
      } catch (error) {
        if (error instanceof ClosedError && c.get.closed) {
          return { index, closed: true, value: undefined };
        }
        throw error;
      }
    } else if ('put' in c) {
      if (c.put.tryPut(c.value)) return { index, closed: false, value: undefined };
    } else if ((c.wait as Event).isSet()) {
      // Only in-thread cases reach here (a select with a shared case goes to selectShared).
      return { index, closed: false, value: undefined };
    }
  }
  return undefined;
}

function isShared(c: SelectCase): boolean {
  const x = 'get' in c ? c.get : 'put' in c ? c.put : c.wait;
  return x instanceof SharedQueue || x instanceof SharedEvent;
}

function checkCases(
  cases: unknown,
  call: 'select' | 'selectSync',
): asserts cases is readonly SelectCase[] {
  if (!Array.isArray(cases) || cases.length === 0) {
    throw new TypeError(`${call}() needs a non-empty array of cases, got ${describe(cases)}`);
  }
  cases.forEach((c: unknown, index) => {
    const x = c as Partial<Record<'get' | 'put' | 'wait' | 'value', unknown>> | null;
    const queue = (q: unknown): boolean =>
      call === 'selectSync'
        ? q instanceof SharedQueue
        : q instanceof Queue || q instanceof SharedQueue;
    const event = (e: unknown): boolean =>
      call === 'selectSync'
        ? e instanceof SharedEvent
        : e instanceof Event || e instanceof SharedEvent;
    const ok =
      typeof x === 'object' &&
      x !== null &&
      (('get' in x && queue(x.get)) ||
        ('put' in x && queue(x.put) && 'value' in x) ||
        ('wait' in x && event(x.wait)));
    if (!ok) {
      throw new TypeError(
        call === 'selectSync'
          ? `cases[${index}] must be { get: queue }, { put: queue, value } or { wait: event } ` +
              `with a SharedQueue or SharedEvent (a blocked thread cannot wait for an in-thread ` +
              `Queue or Event: use await select() there), got ${describe(c)}`
          : `cases[${index}] must be { get: queue }, { put: queue, value } or { wait: event } ` +
              `with a Queue, LifoQueue, PriorityQueue, SharedQueue, Event or SharedEvent, ` +
              `got ${describe(c)}`,
      );
    }
  });
}

/**
 * The blocking form of {@link select} for workers, over `SharedQueue` and `SharedEvent` cases
 * only (a thread blocked in `Atomics.wait` cannot run the event loop an in-thread queue needs).
 * Same cases, result and `{ timeout, signal }`; does exactly one case, or throws `TimeoutError`
 * or `signal.reason` having done nothing. With several cases it sleeps on one case's shared
 * word at a time for at most 16 ms and tries every case between two such slices (a
 * `signal` is seen between slices too), so a change on another case is seen within 16 ms;
 * with one case (and no signal) it simply sleeps until woken.
 *
 * @throws BlockingCallError on a browser's main thread; TypeError naming the bad case.
 * @example
 * ```ts
 * // in a worker
 * const r = selectSync([{ get: urgent }, { get: jobs }, { wait: stop }], { timeout: 1000 });
 * if (r.index === 2) return; // stop was set
 * if (!r.closed) handle(r.value);
 * ```
 */
export function selectSync<const C extends readonly SelectCase[]>(
  cases: C,
  options?: SelectOptions,
): SelectResult<C> {
  checkCases(cases, 'selectSync');
  if (options !== undefined) {
    checkWaitOptions(options);
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new TypeError(`name must be a string, got ${describe(options.name)}`);
    }
  }
  return selectSyncShared(cases, options) as SelectResult<C>;
}

/** Sent to the losing cases' promises; never seen by a caller. */
const SUPERSEDED = Symbol('superseded');

type Settlement = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The waiters of one `select()`: the first one served wins, the others leave at once. */
class SelectGroup implements WaiterGroup {
  readonly members: Waiter<unknown>[] = [];
  private readonly subjects: TraceSubject[] = [];
  private winner: Waiter<unknown> | undefined = undefined;
  private over = false;
  private timer: LongTimeout | undefined = undefined;
  private readonly onAbort: (() => void) | undefined = undefined;

  constructor(
    private readonly subject: TraceSubject,
    private readonly options: SelectOptions | undefined,
    private readonly resolve: (result: unknown) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    const timeout = options?.timeout;
    if (timeout !== undefined && timeout !== Infinity) {
      // longTimeout: a plain setTimeout fires a delay above 2^31 - 1 ms after about 1 ms.
      this.timer = longTimeout(() => {
        this.timer = undefined;
        this.giveUp(timeoutError(subject, 'select', timeout), 'timeout');
      }, timeout);
    }
    const signal = options?.signal;
    if (signal !== undefined) {
      this.onAbort = () => this.giveUp(signal.reason, 'abort');
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  join(waiter: Waiter<unknown>, subject: TraceSubject): void {
    this.members.push(waiter);
    this.subjects.push(subject);
  }

  /** Called by the primitive serving `waiter`, synchronously: the others leave now. */
  claim(waiter: Waiter<unknown>): void {
    if (this.winner !== undefined || this.over) {
      // Cannot happen: the others were unlinked when the first was served. Fail loudly rather
      // than take a second item.
      throw new Error(`${this.subject.name}: a second case was served`);
    }
    this.winner = waiter;
    this.stopWatching();
    this.dropAllBut(waiter, 'abort');
  }

  /** A case's promise settled: only the winner's counts. */
  settled(member: Waiter<unknown> | undefined, index: number, c: SelectCase, s: Settlement): void {
    if (!s.ok && s.error === SUPERSEDED) return;
    if (member === undefined) {
      // A call that completed without parking (not expected: every case failed just before).
      // It did its operation, so it must be the result; the others leave.
      if (this.winner !== undefined || this.over) return;
      this.over = true;
      this.stopWatching();
      this.dropAllBut(undefined, 'abort');
    } else if (this.winner !== member) {
      return;
    }
    if (s.ok) {
      this.resolve({ index, closed: false, value: 'get' in c ? s.value : undefined });
    } else if ('get' in c && s.error instanceof ClosedError) {
      this.resolve({ index, closed: true, value: undefined });
    } else {
      this.reject(s.error);
    }
  }

  private giveUp(reason: unknown, kind: 'timeout' | 'abort'): void {
    if (this.winner !== undefined || this.over) return; // served in the same tick: it wins
    this.over = true;
    this.stopWatching();
    this.dropAllBut(undefined, kind);
    this.reject(reason);
  }

  /** Unlinks every member but `keep` from its list; their promises reject with SUPERSEDED. */
  private dropAllBut(keep: Waiter<unknown> | undefined, kind: 'timeout' | 'abort'): void {
    this.members.forEach((member, i) => {
      if (member === keep || member.list === undefined) return;
      member.list.remove(member);
      disarm(member);
      emit(this.subjects[i] as TraceSubject, kind, undefined, member.agent);
      member.reject(SUPERSEDED);
    });
  }

  private stopWatching(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.onAbort !== undefined)
      this.options?.signal?.removeEventListener('abort', this.onAbort);
  }
}
