/**
 * The wake-up hook that lets a test harness (the testkit's `explore`) choose when each woken
 * in-thread waiter resumes, so that one scenario can be run under many interleavings.
 *
 * In-thread primitives decide *who* is woken (FIFO) and hand the permit, item or slot to that
 * waiter at once, so no permit is ever lost or doubled whatever the harness does; the harness
 * only decides *when* the waiter's code continues. Without a scheduler, a waiter resumes through
 * its promise as usual, at no extra cost.
 *
 * @module
 */
import type { TraceSubject } from './tracer.js';

/** Decides when woken waiters resume. */
export interface Scheduler {
  /**
   * Called when `subject` has woken a waiter; the scheduler must call `resume` exactly once,
   * now or later (e.g. after a random number of other resumptions).
   */
  resume(resume: () => void, subject: TraceSubject): void;
}

let current: Scheduler | undefined;

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
  const previous = current;
  current = scheduler;
  return previous;
}

/** Runs `wake` now, or hands it to the installed scheduler. Used by every in-thread primitive. */
export function resumeWaiter(subject: TraceSubject, wake: () => void): void {
  if (current === undefined) wake();
  else current.resume(wake, subject);
}
