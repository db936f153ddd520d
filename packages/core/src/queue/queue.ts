/**
 * {@link Queue}: a bounded or unbounded FIFO queue for async tasks in one thread, the base of
 * {@link LifoQueue} and {@link PriorityQueue}.
 *
 * @module
 */
import { ClosedError } from '../errors.js';
import { EMPTY, type CloseOptions, type QueueLike, type TryGetResult } from '../interfaces.js';
import { checkPositiveInteger, describe, type WaitOptions } from '../options.js';
import { completed, completedWith, resumeWaiter } from '../trace/scheduler.js';
import { emit, newId, tracing } from '../trace/tracer.js';
import { checkOptions, subjectName, type NameOptions } from '../sync/subject.js';
import {
  cancelWaiters,
  park,
  refuse,
  serveNext,
  waitDetail,
  WaiterList,
  type Waiter,
} from '../sync/waiters.js';
import { RingStore, type Store } from './store.js';

/** Options of `new Queue()` and `new LifoQueue()`. */
export interface QueueOptions extends NameOptions {
  /**
   * Most items the queue holds; `put` waits while it is full. A positive safe integer, or
   * `Infinity` (the default) for an unbounded queue, as Python's `maxsize=0`.
   */
  capacity?: number;
}

/**
 * A queue like Python's `queue.Queue` (3.13, with `shutdown`), for async tasks in one thread.
 *
 * - `put` waits while the queue is full, `get` while it is empty; both take `{ timeout, signal }`
 *   and leave no trace when they give up (a timed-out put never lands, a timed-out get takes
 *   nothing).
 * - **FIFO waiters**: blocked getters are served in the order they called `get`, blocked putters
 *   in the order they called `put`. An item put while getters wait goes straight to the oldest
 *   getter; a get from a full queue moves the oldest waiting putter's item in at once.
 * - `close()` (Python's `shutdown()`): later puts throw {@link ClosedError}, gets drain what is
 *   left and then throw `ClosedError`; waiting putters and getters are rejected with
 *   `ClosedError`. `close({ immediate: true })` also drops the items left (counting each as done
 *   for `join`). `for await (const item of queue)` ends once the queue is closed and drained.
 * - `taskDone()` / `join()` count unfinished items as in Python.
 *
 * Everything a producer did before `put(x)` happens-before what the consumer does after the
 * `get()` that returns `x`.
 *
 * @example
 * ```ts
 * const queue = new Queue<number>({ capacity: 10 });
 * const consumer = (async () => {
 *   for await (const n of queue) console.log(n); // ends when closed and drained
 * })();
 * for (let i = 0; i < 100; i++) await queue.put(i); // waits while 10 are queued
 * queue.close();
 * await consumer;
 * ```
 */
export class Queue<T> implements QueueLike<T> {
  /** The `kind` of this class's instances in trace events. */
  static readonly kindName: string = 'Queue';

  readonly kind: string;
  readonly id: number = newId();
  readonly name: string;
  readonly capacity: number;
  protected readonly store: Store<T>;
  private readonly getters = new WaiterList<T>();
  private readonly putters = new WaiterList<void>();
  private readonly joiners = new WaiterList<void>();

  /**
   * Rejects every call waiting now (`get`, `put` (its value is not
   * added), `join`) with `reason`, or a {@link CancelledError} by
   * default, and returns how many there were. The primitive stays usable; later calls wait as
   * usual.
   */
  cancelAll(reason?: unknown): number {
    return (
      cancelWaiters(this.getters, this, 'get', reason) +
      cancelWaiters(this.putters, this, 'put', reason) +
      cancelWaiters(this.joiners, this, 'join', reason)
    );
  }
  private unfinished = 0;
  private isClosed = false;

  /** @throws RangeError or TypeError naming `capacity`, `name` (or `compare`). */
  constructor(options?: QueueOptions) {
    const checked = checkOptions(options);
    // Read from the class, not `new.target.name`, so that minified bundles keep the name.
    this.kind = (new.target as typeof Queue).kindName;
    // `undefined` (absent) means unbounded, as in Python; `null` is refused like any bad count.
    const capacity = checked?.capacity;
    this.capacity = checkPositiveInteger(
      'capacity',
      capacity === undefined ? Infinity : capacity,
      true,
    );
    this.name = subjectName(this.kind, this.id, checked?.name);
    this.store = this.createStore(checked);
    emit(this, 'created', { capacity: this.capacity });
  }

  /** The store that orders the items; subclasses return a different one. */
  protected createStore(_options: QueueOptions | undefined): Store<T> {
    return new RingStore<T>(Math.min(this.capacity, 16));
  }

  /** Number of items in the queue now. */
  get size(): number {
    return this.store.length;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Items put and not yet matched by a `taskDone()` call (what `join()` waits on). */
  get unfinishedTasks(): number {
    return this.unfinished;
  }

  /** Number of tasks waiting in `get()`. */
  get waitingGetters(): number {
    return this.getters.length;
  }

  /** Number of tasks waiting in `put()`. */
  get waitingPutters(): number {
    return this.putters.length;
  }

  /**
   * Adds `value`, waiting while the queue is full (behind earlier waiting putters). Rejects
   * with `ClosedError` if the queue is or becomes closed before the value is in (it then is
   * not), `TimeoutError` after `timeout` ms, or `signal.reason` on abort.
   */
  put(value: T, options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.isClosed) return Promise.reject(this.closedError('put'));
    try {
      // In now; under a scheduler (schedule exploration) the caller still yields here.
      if (this.offer(value)) return completed(this);
    } catch (error) {
      return Promise.reject(error); // a PriorityQueue's compare threw: the value is not in
    }
    if (tracing()) emit(this, 'wait', waitDetail(options, this.detail('not_full')));
    return park(this.putters, this, 'put', options, value);
  }

  /**
   * Adds `value` if there is room now. Returns whether it was added.
   *
   * @throws ClosedError when the queue is closed.
   */
  tryPut(value: T): boolean {
    if (this.isClosed) throw this.closedError('put');
    return this.offer(value);
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty (behind earlier waiting
   * getters). Rejects with `ClosedError` once the queue is closed and drained, `TimeoutError`
   * after `timeout` ms, or `signal.reason` on abort; nothing is taken then.
   */
  get(options?: WaitOptions): Promise<T> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.store.length > 0) {
      try {
        return completedWith(this, this.takeNow());
      } catch (error) {
        return Promise.reject(error); // a PriorityQueue's compare threw: nothing was taken
      }
    }
    if (this.isClosed) return Promise.reject(this.closedError('get'));
    if (tracing()) emit(this, 'wait', waitDetail(options, this.detail('not_empty')));
    return park(this.getters, this, 'get', options);
  }

  /**
   * Removes the next item if there is one now: `{ ok: true, value }`, or the shared
   * {@link EMPTY} when the queue is empty.
   *
   * @throws ClosedError when the queue is closed and drained (no item will ever come).
   */
  tryGet(): TryGetResult<T> {
    if (this.store.length > 0) return { ok: true, value: this.takeNow() };
    if (this.isClosed) throw this.closedError('get');
    return EMPTY;
  }

  /**
   * Closes the queue (Python 3.13 `shutdown`). Later puts throw `ClosedError`; waiting putters
   * are rejected with `ClosedError` (their items are not added); waiting getters (the queue is
   * empty when any wait) are rejected with `ClosedError`; gets take what is left, then throw.
   * With `immediate: true` the items left are dropped and each counts as done for `join()`.
   * Calling it again does nothing, except that `immediate: true` still drops what is left.
   */
  close(options?: CloseOptions): void {
    const immediate = checkOptions(options)?.immediate ?? false;
    if (typeof immediate !== 'boolean') {
      throw new TypeError(`immediate must be a boolean, got ${describe(immediate)}`);
    }
    const first = !this.isClosed;
    this.isClosed = true;
    if (first || immediate) emit(this, 'close', { immediate, size: this.store.length });
    if (immediate && this.store.length > 0) {
      const dropped = this.store.length;
      this.store.clear();
      this.unfinished = Math.max(0, this.unfinished - dropped);
      if (this.unfinished === 0) this.wakeJoiners();
    }
    for (let w = serveNext(this.putters); w !== undefined; w = serveNext(this.putters)) {
      this.rejectClosed(w, 'put');
    }
    for (let w = serveNext(this.getters); w !== undefined; w = serveNext(this.getters)) {
      this.rejectClosed(w, 'get');
    }
  }

  /**
   * Marks one item taken with `get` as processed (Python's `task_done`). When every item put
   * has been marked, `join()` resolves.
   *
   * @throws RangeError when called more times than items were put.
   */
  taskDone(): void {
    if (this.unfinished === 0) {
      throw new RangeError(`${this.name}: taskDone() called more times than items were put`);
    }
    this.unfinished--;
    if (this.unfinished === 0) this.wakeJoiners();
  }

  /**
   * Resolves when every item put has been marked with `taskDone()` (at once if none is
   * unfinished). Rejects with `TimeoutError` after `timeout` ms, or `signal.reason` on abort.
   */
  join(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.unfinished === 0) return completed(this);
    if (tracing()) emit(this, 'wait', waitDetail(options));
    return park(this.joiners, this, 'join', options);
  }

  /** Gets items until the queue is closed and drained; other errors propagate. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let value: T;
      try {
        value = await this.get();
      } catch (error) {
        if (error instanceof ClosedError && this.isClosed) return;
        throw error;
      }
      yield value;
    }
  }

  /** Puts `value` now if a getter waits or there is room; returns whether it did. */
  private offer(value: T): boolean {
    const getter = serveNext(this.getters);
    if (getter !== undefined) {
      // A getter waits, so the store is empty: the value goes straight to the oldest getter,
      // which owns it from now on even if its continuation runs later.
      this.unfinished++;
      if (tracing()) {
        emit(this, 'put', this.detail());
        emit(this, 'get', this.detail(), getter.agent);
      }
      resumeWaiter(this, () => getter.resolve(value));
      return true;
    }
    if (this.store.length >= this.capacity) return false;
    this.store.add(value);
    this.unfinished++;
    if (tracing()) emit(this, 'put', this.detail());
    return true;
  }

  /** Takes the next item (the store is not empty) and lets the oldest waiting putter in. */
  private takeNow(): T {
    const value = this.store.take();
    if (tracing()) emit(this, 'get', this.detail());
    // Putters wait only while the store is full, so there is room for exactly one of them: the
    // oldest, or the next if a PriorityQueue's compare throws on the oldest's item (that put
    // fails with the error, and the slot must not stay free while others wait).
    for (let putter = serveNext(this.putters); putter !== undefined;) {
      try {
        this.store.add(putter.item as T);
      } catch (error) {
        const failed = putter;
        resumeWaiter(this, () => failed.reject(error));
        putter = serveNext(this.putters);
        continue;
      }
      this.unfinished++;
      if (tracing()) emit(this, 'put', this.detail(), putter.agent);
      resumeWaiter(this, putter.resolve as () => void);
      break;
    }
    return value;
  }

  private wakeJoiners(): void {
    for (let w = serveNext(this.joiners); w !== undefined; w = serveNext(this.joiners)) {
      emit(this, 'wake', undefined, w.agent);
      resumeWaiter(this, w.resolve as () => void);
    }
  }

  private rejectClosed(waiter: Waiter<T> | Waiter<void>, what: 'put' | 'get'): void {
    const error = this.closedError(what);
    emit(this, 'wake', undefined, waiter.agent);
    resumeWaiter(this, () => waiter.reject(error));
  }

  private closedError(what: 'put' | 'get'): ClosedError {
    return new ClosedError(
      what === 'put'
        ? `${this.name}: put() on a closed queue`
        : `${this.name}: get() on a closed and drained queue`,
    );
  }

  private detail(waitingFor?: 'not_full' | 'not_empty'): Record<string, unknown> {
    const detail: Record<string, unknown> = { size: this.store.length, capacity: this.capacity };
    if (waitingFor !== undefined) detail['for'] = waitingFor;
    return detail;
  }
}
