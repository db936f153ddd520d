/**
 * The hook that lets a test harness (the testkit's `explore`) choose when each in-thread waiting
 * call goes on, so that one scenario can be run under many interleavings.
 *
 * In-thread primitives decide *who* is served (FIFO) and hand the permit, item or slot over at
 * once, so no permit is ever lost or doubled whatever the harness does; the harness only decides
 * *when* the caller's code continues. That holds for a waiter woken later ({@link resumeWaiter})
 * and for a call that completes at once ({@link completed}, {@link completedWith}): both are
 * scheduling points. Without a scheduler, both resume through their promise as usual, and the
 * fast path costs one property load and one `undefined` check and allocates nothing. The
 * scheduler lives in the hooks shared by every copy of core (see `hooks.ts`).
 *
 * @module
 */
import { hooks } from './hooks.js';
import type { TraceSubject } from './tracer.js';

/** Decides when woken waiters, and calls that completed at once, go on. */
export interface Scheduler {
  /**
   * Called when `subject` has woken a waiter (handed it the permit, item or slot); the scheduler
   * must call `resume` exactly once, now or later (e.g. after a random number of other
   * resumptions).
   */
  resume(resume: () => void, subject: TraceSubject): void;
  /**
   * Called when a waiting call on `subject` (`acquire`, `put`, `get`, `wait`, ...) completed at
   * once: the caller already owns what it asked for, and `resume` settles its promise. Same
   * contract as {@link Scheduler.resume}: call it exactly once, now or later. Optional: without
   * it, such calls settle at once, as with no scheduler.
   */
  yield?(resume: () => void, subject: TraceSubject): void;
}

/** A resolved promise shared by every call that completes at once: no allocation per call. */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Installs (or with `undefined` removes) the scheduler and returns the previous one.
 *
 * @example
 * ```ts
 * // Resume woken waiters in reverse order of waking, one macrotask later.
 * const woken: (() => void)[] = [];
 * const previous = setScheduler({
 *   resume(resume) {
 *     if (woken.push(resume) === 1) setImmediate(() => woken.splice(0).reverse().forEach((r) => r()));
 *   },
 * });
 * try { await scenario(); } finally { setScheduler(previous); }
 * ```
 */
export function setScheduler(scheduler: Scheduler | undefined): Scheduler | undefined {
  const previous = hooks.scheduler;
  hooks.scheduler = scheduler;
  return previous;
}

/** Runs `wake` now, or hands it to the installed scheduler. Used by every in-thread primitive. */
export function resumeWaiter(subject: TraceSubject, wake: () => void): void {
  const scheduler = hooks.scheduler;
  if (scheduler === undefined) wake();
  else scheduler.resume(wake, subject);
}

/**
 * The promise a waiting call of `subject` returns when it completed at once (it has already
 * taken its permit, put its item, ...): one shared resolved promise, or, when a scheduler with `yield` is
 * installed, a promise that the scheduler resolves when it lets the caller go on.
 */
export function completed(subject: TraceSubject): Promise<void> {
  // The only cost without a scheduler: this check. Everything else is out of line.
  const scheduler = hooks.scheduler;
  return scheduler === undefined ? RESOLVED : yieldTo(scheduler, subject, undefined);
}

/** {@link completed} for a call that resolves with `value` (a `get`, a barrier's index). */
export function completedWith<T>(subject: TraceSubject, value: T): Promise<T> {
  const scheduler = hooks.scheduler;
  return scheduler === undefined ? Promise.resolve(value) : yieldTo(scheduler, subject, value);
}

function yieldTo<T>(scheduler: Scheduler, subject: TraceSubject, value: T): Promise<T> {
  if (scheduler.yield === undefined) return Promise.resolve(value);
  return new Promise<T>((resolve) => {
    (scheduler.yield as NonNullable<Scheduler['yield']>)(() => resolve(value), subject);
  });
}
