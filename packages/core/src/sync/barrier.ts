/**
 * {@link Barrier}: a meeting point for a fixed number of async tasks.
 *
 * @module
 */
import { BrokenBarrierError } from '../errors.js';
import { checkPositiveInteger, describe, type WaitOptions } from '../options.js';
import { completedWith, resumeWaiter } from '../trace/scheduler.js';
import { emit, newId, tracing } from '../trace/tracer.js';
import { checkOptions, subjectName, type NameOptions } from './subject.js';
import {
  cancelWaiters,
  park,
  refuse,
  serveNext,
  timeoutError,
  waitDetail,
  WaiterList,
  type Waiter,
} from './waiters.js';

/** Options of `new Barrier()`. */
export interface BarrierOptions extends NameOptions {
  /**
   * Called (synchronously) by the last task to arrive, before the others are released. If it
   * throws, the barrier breaks: that task's `wait()` rejects with the error, the others with
   * {@link BrokenBarrierError}.
   */
  action?: () => void;
}

/**
 * A cyclic barrier, like Python's `threading.Barrier`: each of `parties` tasks calls `wait()`,
 * and all are released together when the last one arrives. Then it is ready for the next round.
 *
 * - `wait()` resolves with the task's arrival index for the round, `0` to `parties - 1` (the
 *   last to arrive gets `parties - 1`). Waiters are released in arrival order.
 * - A waiter that times out or is aborted **breaks** the barrier (as in Python: the round can
 *   no longer complete): it rejects with its `TimeoutError` or `signal.reason`, the others with
 *   {@link BrokenBarrierError}, and later waits throw until `reset()`.
 * - `abort()` breaks it on purpose; `reset()` breaks the current round (its waiters reject) and
 *   makes the barrier usable again.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(3, { action: () => console.log('all three are here') });
 * await Promise.all([1, 2, 3].map(async () => {
 *   await loadPart();
 *   const index = await barrier.wait({ timeout: 5000 });
 *   if (index === 0) console.log('first to arrive');
 * }));
 * ```
 */
export class Barrier {
  readonly kind = 'Barrier';
  readonly id: number = newId();
  readonly name: string;
  /** Number of tasks that must arrive to release a round. */
  readonly parties: number;
  private readonly action: (() => void) | undefined;
  private readonly waiters = new WaiterList<number>();

  /**
   * Rejects every call waiting now (`wait`) with `reason`, or a {@link CancelledError} by
   * default, and returns how many there were. The primitive stays usable; later calls wait as
   * usual. The
   * round starts again from no arrivals; the barrier is not broken.
   */
  cancelAll(reason?: unknown): number {
    return cancelWaiters(this.waiters, this, 'wait', reason);
  }
  private isBroken = false;

  /** @throws RangeError or TypeError naming `parties`, `action` or `name`. */
  constructor(parties: number, options?: BarrierOptions) {
    this.parties = checkPositiveInteger('parties', parties);
    const checked = checkOptions(options);
    const action = checked?.action;
    if (action !== undefined && typeof action !== 'function') {
      throw new TypeError(`action must be a function, got ${describe(action)}`);
    }
    this.action = action;
    this.name = subjectName(this.kind, this.id, checked?.name);
    emit(this, 'created', { parties });
  }

  /** Number of tasks waiting in the current round (Python's `n_waiting`). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    return this.isBroken;
  }

  /**
   * Waits until `parties` tasks have called `wait()` in this round, then resolves with this
   * task's arrival index. Rejects with {@link BrokenBarrierError} if the barrier is or becomes
   * broken, `TimeoutError` after `timeout` ms or `signal.reason` on abort (both break it).
   */
  wait(options?: WaitOptions): Promise<number> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.isBroken) return Promise.reject(this.brokenError());
    const index = this.waiters.length;
    if (index + 1 === this.parties) return this.complete(index);
    if (options?.timeout === 0) {
      emit(this, 'timeout');
      this.breakRound();
      return Promise.reject(timeoutError(this, 'wait', 0));
    }
    if (tracing()) {
      emit(this, 'wait', waitDetail(options, { arrived: index + 1, parties: this.parties }));
    }
    return park(this.waiters, this, 'wait', options, index, this.giveUp);
  }

  /** Breaks the barrier: every waiter rejects with {@link BrokenBarrierError}, so do later waits. */
  abort(): void {
    this.breakRound();
  }

  /**
   * Rejects the current round's waiters with {@link BrokenBarrierError} and makes the barrier
   * usable again (not broken, nobody waiting).
   */
  reset(): void {
    if (this.waiters.length > 0) this.breakRound();
    this.isBroken = false;
  }

  /** The last party arrived: run the action, then release the round in arrival order. */
  private complete(index: number): Promise<number> {
    if (this.action !== undefined) {
      try {
        this.action();
      } catch (error) {
        this.breakRound();
        return Promise.reject(error);
      }
    }
    for (let w = serveNext(this.waiters); w !== undefined; w = serveNext(this.waiters)) {
      this.release(w);
    }
    // The last party goes on at once, after the others are released (a scheduling point too).
    return completedWith(this, index);
  }

  private release(waiter: Waiter<number>): void {
    emit(this, 'wake', undefined, waiter.agent);
    resumeWaiter(this, () => waiter.resolve(waiter.item as number));
  }

  private breakRound(): void {
    this.isBroken = true;
    emit(this, 'broken');
    for (let w = serveNext(this.waiters); w !== undefined; w = serveNext(this.waiters)) {
      const waiter = w;
      const error = this.brokenError();
      resumeWaiter(this, () => waiter.reject(error));
    }
  }

  /** A party that gives up breaks the round for everyone. */
  private readonly giveUp = (waiter: Waiter<number>, reason: unknown): void => {
    waiter.reject(reason);
    this.breakRound();
  };

  private brokenError(): BrokenBarrierError {
    return new BrokenBarrierError(`${this.name}: the barrier is broken`);
  }
}
