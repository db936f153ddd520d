/**
 * {@link Once}: run an initialisation exactly once, however many tasks ask for it.
 *
 * @module
 */
import { describe, type WaitOptions } from '../options.js';
import { completedWith, resumeWaiter } from '../trace/scheduler.js';
import { emit, newId, tracing } from '../trace/tracer.js';
import { checkOptions, subjectName, type NameOptions } from './subject.js';
import { cancelWaiters, park, refuse, serveNext, waitDetail, WaiterList } from './waiters.js';

/** Options of `new Once()`. */
export type OnceOptions = NameOptions;

const RUNNING = Object.freeze({ running: true });

type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * Runs a function exactly once, like Go's `sync.Once` (for async functions): the first
 * `run(fn)` calls `fn`; every call, during or after that, resolves with its result, or rejects
 * with its error. As in Go, a call that throws counts as done (its error is every caller's);
 * `reset()` allows another attempt.
 *
 * `{ timeout, signal }` bound how long a caller waits for the result, not the function: a
 * caller that gives up rejects with `TimeoutError` or `signal.reason`, and the function goes on
 * (its result is kept for later callers). `fn` receives no signal: it runs for everyone.
 *
 * Everything `fn` did happens-before what any caller does after `run()` settles.
 *
 * Trace events: `acquired` when a caller starts `fn` (it holds the Once while `fn` runs),
 * `wait` when a caller waits for a running `fn`, `release` and `set` (`{ ok }`) when `fn`
 * settles, `wake` for each waiter, `clear` on `reset()`.
 *
 * @example
 * ```ts
 * const connect = new Once<string>({ name: 'connect' });
 * const open = () => connect.run(async () => 'connection'); // runs once
 * const [a, b] = await Promise.all([open(), open()]); // both 'connection', one call
 * ```
 */
export class Once<T = void> {
  readonly kind = 'Once';
  readonly id: number = newId();
  readonly name: string;
  private outcome: Outcome<T> | undefined = undefined;
  private running = false;
  private readonly waiters = new WaiterList<T>();

  constructor(options?: OnceOptions) {
    this.name = subjectName(this.kind, this.id, checkOptions(options)?.name);
    emit(this, 'created');
  }

  /** Whether the function has run to its end (returned or thrown). */
  get done(): boolean {
    return this.outcome !== undefined;
  }

  /**
   * Rejects every caller waiting now (the one that started the function too) with `reason`
   * (default: a {@link CancelledError} naming this Once) and returns how many there were. The
   * function goes on; its result is kept for later callers.
   */
  cancelAll(reason?: unknown): number {
    return cancelWaiters(this.waiters, this, 'run', reason);
  }

  /** Whether the function is running now. */
  get pending(): boolean {
    return this.running;
  }

  /**
   * Calls `fn` if no call has started yet, and resolves with the first call's result (or
   * rejects with its error). Rejects with `TimeoutError` after `timeout` ms, or `signal.reason`
   * on abort, when the result is not there by then.
   */
  run(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new TypeError(`${this.name}: run() needs a function, got ${describe(fn)}`),
      );
    }
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    const outcome = this.outcome;
    if (outcome !== undefined) {
      return outcome.ok ? completedWith(this, outcome.value) : Promise.reject(outcome.error);
    }
    if (!this.running) {
      this.running = true;
      // The caller that runs fn holds the Once while it runs; later callers wait for it (so a
      // wait-for graph shows them waiting on the runner, not on nobody).
      emit(this, 'acquired', RUNNING);
      void this.start(fn);
    } else if (tracing()) {
      emit(this, 'wait', waitDetail(options));
    }
    return park(this.waiters, this, 'run', options);
  }

  /**
   * Forgets a finished call's result, so the next `run()` calls its function again (say after a
   * failed connection). Does nothing while a call is running.
   */
  reset(): void {
    if (this.running || this.outcome === undefined) return;
    this.outcome = undefined;
    emit(this, 'clear');
  }

  private async start(fn: () => T | PromiseLike<T>): Promise<void> {
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await fn() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    this.outcome = outcome;
    this.running = false;
    emit(this, 'release');
    if (tracing()) emit(this, 'set', { ok: outcome.ok });
    for (let w = serveNext(this.waiters); w !== undefined; w = serveNext(this.waiters)) {
      emit(this, 'wake', undefined, w.agent);
      const waiter = w;
      resumeWaiter(
        this,
        outcome.ok ? () => waiter.resolve(outcome.value) : () => waiter.reject(outcome.error),
      );
    }
  }
}
