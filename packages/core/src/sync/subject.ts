/**
 * Naming of in-thread primitives for trace events and error messages, and validation of the
 * option bags their constructors take.
 *
 * @module
 */
import { describe } from '../options.js';

/** Options every primitive's constructor accepts. */
export interface NameOptions {
  /** A name for trace events and error messages; default `Kind#id`. */
  name?: string;
}

/**
 * Checks that a constructor's `options` is an object (or absent) and returns it, so that the
 * caller can read its fields.
 *
 * @throws TypeError naming the argument.
 */
export function checkOptions<O extends object>(
  options: O | undefined,
  field = 'options',
): O | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${field} must be an object, got ${describe(options)}`);
  }
  return options;
}

/**
 * The display name of a primitive: its `name` option, else `Kind#id`.
 *
 * @throws TypeError when `name` is given and is not a string.
 */
export function subjectName(kind: string, id: number, name: unknown): string {
  if (name === undefined) return `${kind}#${id}`;
  if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${describe(name)}`);
  return name;
}
