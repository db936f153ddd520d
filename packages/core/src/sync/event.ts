/**
 * {@link Event}: a flag that async tasks can wait for.
 *
 * @module
 */
import type { WaitOptions } from '../options.js';
import { completed, resumeWaiter } from '../trace/scheduler.js';
import { emit, newId, tracing } from '../trace/tracer.js';
import { checkOptions, subjectName, type NameOptions } from './subject.js';
import { cancelWaiters, park, refuse, serveNext, waitDetail, WaiterList } from './waiters.js';

/** Options of `new Event()`. */
export type EventOptions = NameOptions;

/**
 * A flag, initially clear, like Python's `threading.Event`. `wait()` resolves once the flag is
 * set; `set()` wakes every waiter (in the order they started waiting) and later waits resolve
 * at once until `clear()`.
 *
 * Everything a task did before `set()` happens-before what a waiter does after its `wait()`
 * resolves.
 *
 * @example
 * ```ts
 * const stop = new Event();
 * const worker = (async () => {
 *   while (!stop.isSet()) await step();
 * })();
 * setTimeout(() => stop.set(), 1000);
 * await stop.wait({ timeout: 5000 });
 * ```
 */
export class Event {
  readonly kind = 'Event';
  readonly id: number = newId();
  readonly name: string;
  private flag = false;
  private readonly waiters = new WaiterList<void>();

  /**
   * Rejects every call waiting now (`wait`) with `reason`, or a {@link CancelledError} by
   * default, and returns how many there were. The primitive stays usable; later calls wait as
   * usual.
   */
  cancelAll(reason?: unknown): number {
    return cancelWaiters(this.waiters, this, 'wait', reason);
  }

  constructor(options?: EventOptions) {
    this.name = subjectName(this.kind, this.id, checkOptions(options)?.name);
    emit(this, 'created');
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.flag;
  }

  /** Number of tasks waiting for the flag. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    this.flag = true;
    emit(this, 'set');
    for (let next = serveNext(this.waiters); next !== undefined; next = serveNext(this.waiters)) {
      emit(this, 'wake', undefined, next.agent);
      resumeWaiter(this, next.resolve as () => void);
    }
  }

  /** Clears the flag: later waits wait for the next `set()`. */
  clear(): void {
    this.flag = false;
    emit(this, 'clear');
  }

  /**
   * Resolves when the flag is set (at once if it is set now). Rejects with `TimeoutError` after
   * `timeout` ms, or with `signal.reason` when `signal` aborts.
   */
  wait(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.flag) return completed(this);
    if (tracing()) emit(this, 'wait', waitDetail(options));
    return park(this.waiters, this, 'wait', options);
  }
}
