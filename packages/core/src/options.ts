/**
 * Options shared by every waiting call, and their validation.
 *
 * @module
 */

/** Options accepted by every call that may wait. */
export interface WaitOptions {
  /**
   * Give up after this many milliseconds and reject with `TimeoutError`. `0` means "only if it
   * can be done at once"; `Infinity` (the default) waits for ever.
   */
  timeout?: number;
  /** Give up when this signal aborts, rejecting with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Checks a `timeout` option and returns it as a number of milliseconds (`Infinity` when absent).
 *
 * @throws RangeError when the timeout is negative or NaN; TypeError when it is not a number.
 */
export function checkTimeout(timeout: unknown): number {
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== 'number') {
    throw new TypeError(`timeout must be a number of milliseconds, got ${describe(timeout)}`);
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${timeout}`);
  }
  return timeout;
}

/**
 * Whether `signal` can be used as an abort signal: an `AbortSignal`, or an object that behaves
 * like one (from another realm, or a polyfill): a boolean `aborted` and the two listener
 * methods. Both worlds accept the same signals.
 */
export function isAbortSignal(signal: unknown): signal is AbortSignal {
  if (typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal) return true;
  if (typeof signal !== 'object' || signal === null) return false;
  const s = signal as Partial<AbortSignal>;
  return (
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function'
  );
}

/** `{ timeout, signal }` once checked: `timeout` in ms (`Infinity`: none). */
export interface CheckedWaitOptions {
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * The one checker of `{ timeout, signal }` for every waiting call of both worlds (in-thread and
 * shared). Does not look at whether the signal has aborted: the caller decides how to refuse.
 *
 * @throws TypeError or RangeError naming the field and the value it got.
 */
export function checkWaitOptions(options: unknown): CheckedWaitOptions {
  if (options === undefined) return { timeout: Infinity, signal: undefined };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  const { timeout, signal } = options as { timeout?: unknown; signal?: unknown };
  const checked = checkTimeout(timeout);
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return { timeout: checked, signal };
}

/**
 * Checks that `value` is a positive safe integer (or `Infinity` when `allowInfinity`).
 *
 * @param field - the option's name, used in the error message.
 * @throws RangeError naming the field.
 */
export function checkPositiveInteger(field: string, value: unknown, allowInfinity = false): number {
  if (value === null) {
    // A present but empty value is a bad count, not a missing one (`?? default` would take it).
    throw new RangeError(
      `${field} must be a positive safe integer${allowInfinity ? ' or Infinity' : ''}, got null`,
    );
  }
  if (typeof value !== 'number') {
    throw new TypeError(`${field} must be a number, got ${describe(value)}`);
  }
  if (allowInfinity && value === Infinity) return value;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `${field} must be a positive safe integer${allowInfinity ? ' or Infinity' : ''}, got ${value}`,
    );
  }
  return value;
}

/**
 * Checks that `value` is a non-negative safe integer.
 *
 * @throws RangeError naming the field.
 */
export function checkNonNegativeInteger(field: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${field} must be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${field} must be a non-negative safe integer, got ${value}`);
  }
  return value;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
