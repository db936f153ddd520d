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
export function checkTimeout(timeout: number | undefined): number {
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== 'number') {
    throw new TypeError(`timeout must be a number of milliseconds, got ${typeof timeout}`);
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${timeout}`);
  }
  return timeout;
}

/**
 * Checks that `value` is a positive safe integer (or `Infinity` when `allowInfinity`).
 *
 * @param field - the option's name, used in the error message.
 * @throws RangeError naming the field.
 */
export function checkPositiveInteger(field: string, value: unknown, allowInfinity = false): number {
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
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
