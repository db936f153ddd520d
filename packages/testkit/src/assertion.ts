/**
 * The error every plain testkit assertion throws, so runners show its message as a failed
 * expectation and callers can tell it from a bug in the code under test.
 *
 * @module
 */

/**
 * A testkit assertion failed; the message says what and where.
 *
 * @example
 * ```ts
 * expect(() => assertInOrder([1, 2], [2, 1])).toThrow(AssertionError);
 * ```
 */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}
