/**
 * Timeouts of any length. Node and browsers keep a timer's delay in a signed 32-bit integer and
 * fire a longer one after about 1 ms, so a wait with `timeout: 2 ** 31` would give up at once.
 * A long timeout is therefore a chain of timers of at most {@link MAX_TIMER_DELAY} each.
 *
 * @module
 */
import { MAX_TIMER_DELAY } from './waiters.js';

export { MAX_TIMER_DELAY };

/** A running {@link longTimeout}; `cancel()` stops it (a second call does nothing). */
export interface LongTimeout {
  cancel(): void;
}

/**
 * Calls `fire` after `ms` milliseconds, however large (`Infinity`: never).
 *
 * @example
 * ```ts
 * const timer = longTimeout(() => console.log('a month later'), 30 * 24 * 3600 * 1000);
 * timer.cancel();
 * ```
 */
export function longTimeout(fire: () => void, ms: number): LongTimeout {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (left: number): void => {
    handle =
      left > MAX_TIMER_DELAY
        ? setTimeout(arm, MAX_TIMER_DELAY, left - MAX_TIMER_DELAY)
        : setTimeout(() => {
            handle = undefined;
            fire();
          }, left);
  };
  if (ms !== Infinity) arm(Math.max(0, ms));
  return {
    cancel(): void {
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    },
  };
}
