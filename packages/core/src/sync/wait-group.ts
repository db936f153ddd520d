/**
 * {@link WaitGroup}: wait for a number of tasks to finish.
 *
 * @module
 */
import { describe, type WaitOptions } from '../options.js';
import { completed, resumeWaiter } from '../trace/scheduler.js';
import { emit, newId, tracing } from '../trace/tracer.js';
import { checkOptions, subjectName, type NameOptions } from './subject.js';
import { cancelWaiters, park, refuse, serveNext, waitDetail, WaiterList } from './waiters.js';

/** Options of `new WaitGroup()`. */
export type WaitGroupOptions = NameOptions;

/**
 * A counter of unfinished work that tasks can wait to reach zero, like Go's `sync.WaitGroup`
 * (or a countdown latch that can count up again): `add(n)` before starting n tasks, `done()`
 * as each finishes, `wait()` until all have.
 *
 * `wait()` resolves at once while the count is zero; every waiter present when it reaches zero
 * is woken, in the order they began waiting. A `done()` more than was added is a `RangeError`
 * (Go panics), and the count is left unchanged.
 *
 * Everything a task did before its `done()` happens-before what a waiter does after `wait()`
 * resolves.
 *
 * Trace events: `clear` when `add()` changes the count (`{ count, delta }`), `release` for each
 * `done()` (`{ count }`), `set` when the count reaches zero, `wait` / `wake` for waiters.
 *
 * @example
 * ```ts
 * const group = new WaitGroup({ name: 'downloads' });
 * for (const url of ['a', 'b', 'c']) {
 *   group.add(1);
 *   void fetchLater(url).finally(() => group.done());
 * }
 * await group.wait({ timeout: 10_000 }); // every download has finished
 * ```
 */
export class WaitGroup {
  readonly kind = 'WaitGroup';
  readonly id: number = newId();
  readonly name: string;
  private counter = 0;
  private readonly waiters = new WaiterList<void>();

  constructor(options?: WaitGroupOptions) {
    this.name = subjectName(this.kind, this.id, checkOptions(options)?.name);
    emit(this, 'created');
  }

  /** The unfinished count now. */
  get count(): number {
    return this.counter;
  }

  /**
   * Rejects every task waiting now with `reason` (default: a {@link CancelledError} naming this
   * group) and returns how many there were. The count is unchanged.
   */
  cancelAll(reason?: unknown): number {
    return cancelWaiters(this.waiters, this, 'wait', reason);
  }

  /** Number of tasks waiting for the count to reach zero. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Adds `delta` (default 1) to the count. A negative `delta` counts work as done; reaching zero
   * wakes every waiter.
   *
   * @throws RangeError when `delta` is not a safe integer or the count would go below zero (the
   *   count is then unchanged).
   */
  add(delta = 1): void {
    if (typeof delta !== 'number' || !Number.isSafeInteger(delta)) {
      throw new RangeError(
        `${this.name}: add() needs a safe integer delta, got ${describe(delta)}`,
      );
    }
    const count = this.counter + delta;
    if (count < 0) {
      throw new RangeError(
        `${this.name}: count would go below zero (${this.counter} + ${delta}): more done() than add()`,
      );
    }
    if (!Number.isSafeInteger(count)) {
      throw new RangeError(`${this.name}: count would exceed ${Number.MAX_SAFE_INTEGER}`);
    }
    this.counter = count;
    if (tracing()) {
      emit(this, delta < 0 ? 'release' : 'clear', delta < 0 ? { count } : { count, delta });
    }
    if (count === 0 && delta !== 0) this.wakeAll();
  }

  /**
   * Counts one unit of work as done (`add(-1)`).
   *
   * @throws RangeError when the count is already zero.
   */
  done(): void {
    this.add(-1);
  }

  /**
   * Resolves when the count is zero (at once if it is zero now). Rejects with `TimeoutError`
   * after `timeout` ms, or with `signal.reason` when `signal` aborts; the count is not affected.
   */
  wait(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.counter === 0) return completed(this);
    if (tracing()) emit(this, 'wait', waitDetail(options, { count: this.counter }));
    return park(this.waiters, this, 'wait', options);
  }

  private wakeAll(): void {
    emit(this, 'set');
    for (let w = serveNext(this.waiters); w !== undefined; w = serveNext(this.waiters)) {
      emit(this, 'wake', undefined, w.agent);
      resumeWaiter(this, w.resolve as () => void);
    }
  }
}
