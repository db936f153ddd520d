/**
 * Exactly-once checking in the terms of Jepsen's queue checkers: what was expected but never
 * consumed is *lost*, what was consumed more than once is *duplicated*, and what was consumed
 * but never expected is *unexpected*.
 *
 * For histories recorded in several processes (a queue shared through Redis), `checkHistory` in
 * `history.ts` merges the per-process files and also tells *redelivered* items (delivered again
 * because an earlier delivery was never acknowledged: at-least-once) from true duplicates.
 *
 * @module
 */
import { AssertionError } from './assertion.js';
import { show } from './format.js';

/** Where one consumed item went wrong. */
export interface ExactlyOnceReport<T> {
  /** Expected items never consumed, in expected order, each with its index in `expected`. */
  readonly lost: readonly T[];
  /** Index in `expected` of each lost item. */
  readonly lostAt: readonly number[];
  /**
   * Items consumed more times than expected (more than once, for an item expected once), each
   * with every index at which it was consumed.
   */
  readonly duplicated: readonly { readonly item: T; readonly at: readonly number[] }[];
  /** Consumed items that were never expected, with the index at which each was consumed. */
  readonly unexpected: readonly { readonly item: T; readonly at: number }[];
  /** Whether every expected item was consumed exactly once and nothing else was. */
  readonly ok: boolean;
}

/**
 * Compares what was consumed with what was expected, ignoring order. Items are compared with
 * `SameValueZero` (like `Map` keys), or by `key(item)` when given. `expected` is a multiset: an
 * item expected twice must be consumed twice (a third time is a duplicate, a single time loses
 * one).
 *
 * @example
 * ```ts
 * const report = checkExactlyOnce([1, 2, 3], [1, 3, 3]);
 * // report.lost = [2], report.duplicated = [{ item: 3, at: [1, 2] }]
 * checkExactlyOnce([4, 4, 5], [4, 5, 4]).ok; // true: 4 was expected twice
 * ```
 */
export function checkExactlyOnce<T>(
  expected: Iterable<T>,
  consumed: Iterable<T>,
  key: (item: T) => unknown = (item) => item,
): ExactlyOnceReport<T> {
  // Every expected occurrence of each key, with its index in `expected`.
  const wanted = new Map<unknown, { item: T; at: number }[]>();
  let e = 0;
  for (const item of expected) {
    const k = key(item);
    const occurrences = wanted.get(k);
    if (occurrences === undefined) wanted.set(k, [{ item, at: e }]);
    else occurrences.push({ item, at: e });
    e++;
  }
  const seen = new Map<unknown, { item: T; at: number[] }>();
  const unexpected: { item: T; at: number }[] = [];
  let index = 0;
  for (const item of consumed) {
    const k = key(item);
    if (!wanted.has(k)) unexpected.push({ item, at: index });
    const entry = seen.get(k);
    if (entry === undefined) seen.set(k, { item, at: [index] });
    else entry.at.push(index);
    index++;
  }
  // An expected occurrence is lost when its key was consumed fewer times than expected: the
  // consumptions match the first occurrences, so the later ones are the lost ones.
  const missing: { item: T; at: number }[] = [];
  for (const [k, occurrences] of wanted) {
    const times = seen.get(k)?.at.length ?? 0;
    missing.push(...occurrences.slice(times));
  }
  missing.sort((a, b) => a.at - b.at);
  const duplicated = [...seen].flatMap(([k, entry]) =>
    entry.at.length > Math.max(wanted.get(k)?.length ?? 0, 1) ? [entry] : [],
  );
  return {
    lost: missing.map((m) => m.item),
    lostAt: missing.map((m) => m.at),
    duplicated,
    unexpected,
    ok: missing.length === 0 && duplicated.length === 0 && unexpected.length === 0,
  };
}

/** The explanation of a failed report: each kind of fault, counted, with its first instance. */
export function describeExactlyOnce<T>(report: ExactlyOnceReport<T>): string {
  const parts: string[] = [];
  if (report.lost.length > 0) {
    parts.push(
      `lost ${report.lost.length} (first: ${show(report.lost[0])}, expected at ${report.lostAt[0]}, never consumed)`,
    );
  }
  const dup = report.duplicated[0];
  if (dup !== undefined) {
    parts.push(
      `duplicated ${report.duplicated.length} (first: ${show(dup.item)}, consumed at ${dup.at.join(' and ')})`,
    );
  }
  const odd = report.unexpected[0];
  if (odd !== undefined) {
    parts.push(
      `unexpected ${report.unexpected.length} (first: ${show(odd.item)}, consumed at ${odd.at}, never expected)`,
    );
  }
  return `expected every item exactly once: ${parts.join('; ')}`;
}

/**
 * Throws an {@link AssertionError} naming the first lost, duplicated and unexpected item and
 * where it was, unless every expected item was consumed exactly once and nothing else was.
 *
 * @example
 * ```ts
 * assertExactlyOnce([1, 2, 3], consumed);
 * // AssertionError: expected every item exactly once: lost 1 (first: 2, expected at 1, never consumed)
 * ```
 */
export function assertExactlyOnce<T>(
  expected: Iterable<T>,
  consumed: Iterable<T>,
  key?: (item: T) => unknown,
): void {
  const report = checkExactlyOnce(expected, consumed, key);
  if (!report.ok) throw new AssertionError(describeExactlyOnce(report));
}
