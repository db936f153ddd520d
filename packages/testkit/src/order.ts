/**
 * Order assertions over what was consumed: FIFO (consumed in exactly the order put), per-producer
 * order (each producer's items in that producer's order, whatever the mix), and "is a valid
 * interleaving of these sequences". Each failure names the first item out of place and where.
 *
 * Items are compared with `SameValueZero`, or by `key(item)` when given.
 *
 * @module
 */
import { AssertionError } from './assertion.js';
import { list, show } from './format.js';

type Key<T> = (item: T) => unknown;
const identity = <T>(item: T): unknown => item;

/**
 * The first reason `consumed` is not `produced` in the same order, or `undefined` if it is.
 *
 * @example
 * ```ts
 * checkInOrder([1, 2, 3], [1, 2, 3]); // undefined
 * checkInOrder([1, 2], [2, 1]); // 'expected items consumed in the order they were put; first difference at 0: ...'
 * ```
 */
export function checkInOrder<T>(
  produced: Iterable<T>,
  consumed: Iterable<T>,
  key: Key<T> = identity,
): string | undefined {
  const put = [...produced];
  const got = [...consumed];
  const putAt = firstIndex(put, key);
  const gotAt = firstIndex(got, key);
  const n = Math.min(put.length, got.length);
  for (let i = 0; i < n; i++) {
    const want = put[i] as T;
    const have = got[i] as T;
    if (Object.is(key(want), key(have)) || key(want) === key(have)) continue;
    const wantGot = gotAt.get(key(want));
    const haveFrom = putAt.get(key(have));
    const where =
      wantGot === undefined
        ? `${show(want)} was never consumed`
        : `${show(want)} came at ${wantGot}`;
    const whence =
      haveFrom === undefined
        ? `${show(have)} was never put`
        : `${show(have)} was put at ${haveFrom}`;
    return `expected items consumed in the order they were put; first difference at ${i}: got ${show(have)}, expected ${show(want)} (${whence}; ${where})`;
  }
  if (got.length < put.length) {
    return `expected items consumed in the order they were put; consumed ${got.length} of ${put.length}, first missing: ${show(put[got.length])} (put at ${got.length})`;
  }
  if (got.length > put.length) {
    return `expected items consumed in the order they were put; consumed ${got.length} but only ${put.length} were put, first extra: ${show(got[put.length])} at ${put.length}`;
  }
  return undefined;
}

/**
 * Asserts that `consumed` is exactly `produced`, in the same order (a FIFO hand-off: nothing
 * lost, doubled or overtaken).
 *
 * @example
 * ```ts
 * assertInOrder([1, 2, 3], [1, 3, 2]);
 * // AssertionError: expected items consumed in the order they were put; first difference at 1:
 * //   got 3, expected 2 (3 was put at 2; 2 came at 2)
 * ```
 */
export function assertInOrder<T>(produced: Iterable<T>, consumed: Iterable<T>, key?: Key<T>): void {
  const problem = checkInOrder(produced, consumed, key);
  if (problem !== undefined) throw new AssertionError(problem);
}

/** Each producer's items in the order that producer put them. */
export type Sequences<T> = Readonly<Record<string, readonly T[]>>;

/**
 * The first item consumed ahead of an item its own producer put earlier, or `undefined`. Items
 * from different producers may mix freely; items no producer put are ignored here (that is what
 * {@link assertExactlyOnce} is for).
 */
export function checkPerProducerOrder<T>(
  produced: Sequences<T>,
  consumed: Iterable<T>,
  key: Key<T> = identity,
): string | undefined {
  // Every occurrence of each key: a producer may put the same value twice (the lesson's random
  // messages), and then which occurrence a consumed item is must be worked out.
  const owners = new Map<unknown, Occurrence[]>();
  let repeated = false;
  for (const [producer, items] of Object.entries(produced)) {
    items.forEach((item, index) => {
      const k = key(item);
      const occurrences = owners.get(k);
      if (occurrences === undefined) owners.set(k, [{ producer, index }]);
      else {
        occurrences.push({ producer, index });
        repeated = true;
      }
    });
  }
  const items = [...consumed];
  const keys = items.map(key);
  // Greedy pass: each consumed item takes, among the occurrences left, one that keeps its
  // producer in order and skips the fewest of that producer's items. Exact when no value
  // repeats; items no producer put, or consumed more often than put, are ignored here.
  const left = new Map([...owners].map(([k, list]) => [k, [...list]]));
  const last = new Map<string, { index: number; at: number; item: T }>();
  let problem: string | undefined;
  for (let at = 0; at < items.length && problem === undefined; at++) {
    const item = items[at] as T;
    const candidates = left.get(keys[at]);
    if (candidates === undefined || candidates.length === 0) continue;
    let pick = -1;
    let gap = Infinity;
    candidates.forEach((c, i) => {
      const g = c.index - (last.get(c.producer)?.index ?? -1);
      if (g > 0 && g < gap) {
        gap = g;
        pick = i;
      }
    });
    if (pick === -1) {
      const mine = candidates[0] as Occurrence;
      const before = last.get(mine.producer) as { index: number; at: number; item: T };
      problem = `expected each producer's items in the order it put them; ${mine.producer}'s ${show(item)} (put ${ordinal(mine.index)}) was consumed at ${at}, after its ${show(before.item)} (put ${ordinal(before.index)}, consumed at ${before.at})`;
      break;
    }
    const [mine] = candidates.splice(pick, 1) as [Occurrence];
    last.set(mine.producer, { index: mine.index, at, item });
  }
  if (problem === undefined || !repeated) return problem;
  // With repeated values the greedy choice may have been wrong: search every assignment.
  const found = orderedAssignmentExists(produced, keys, key);
  if (found === true) return undefined;
  if (found === false) return problem;
  return `${problem} (values repeat across producers too often to rule out another pairing of the repeated values within ${SEARCH_BUDGET} steps: give items unique keys, e.g. with \`key\`)`;
}

interface Occurrence {
  readonly producer: string;
  readonly index: number;
}

/** How many branch points {@link orderedAssignmentExists} may try before it gives up. */
const SEARCH_BUDGET = 20_000;

/**
 * Whether the consumed `keys` can be matched to the producers' items so that each producer's
 * matched items are in increasing order (skipping lost items, ignoring unknown or extra ones).
 * Taking a producer's earliest matching item is always best for that producer, so the only
 * choice is which producer; failed states are remembered. `undefined` when the search gave up
 * after {@link SEARCH_BUDGET} branch points.
 */
function orderedAssignmentExists<T>(
  produced: Sequences<T>,
  keys: readonly unknown[],
  key: Key<T>,
): boolean | undefined {
  const lists = Object.values(produced).map((items) => {
    const byKey = new Map<unknown, number[]>();
    items.forEach((item, index) => {
      const k = key(item);
      const at = byKey.get(k);
      if (at === undefined) byKey.set(k, [index]);
      else at.push(index);
    });
    return byKey;
  });
  const made = new Map<unknown, number>();
  for (const byKey of lists)
    for (const [k, at] of byKey) made.set(k, (made.get(k) ?? 0) + at.length);
  const seen = new Map<unknown, number>();
  const skip = keys.map((k) => {
    const times = (seen.get(k) ?? 0) + 1;
    seen.set(k, times);
    return times > (made.get(k) ?? 0);
  });
  /** The first index >= from of key k in producer i, or -1. */
  const next = (i: number, k: unknown, from: number): number => {
    const at = (lists[i] as Map<unknown, number[]>).get(k);
    if (at === undefined) return -1;
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((at[mid] as number) < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < at.length ? (at[lo] as number) : -1;
  };
  const choicesAt = (at: number, positions: readonly number[]): [number, number][] => {
    const choices: [number, number][] = [];
    for (let i = 0; i < lists.length; i++) {
      const j = next(i, keys[at], positions[i] as number);
      if (j !== -1) choices.push([i, j]);
    }
    return choices;
  };
  // Depth-first, with an explicit stack of branch points (inputs can be long).
  const failed = new Set<string>();
  const stack: { at: number; positions: number[]; choices: [number, number][]; tried: number }[] =
    [];
  let positions = lists.map(() => 0);
  let at = 0;
  let budget = SEARCH_BUDGET;
  for (;;) {
    let choices: [number, number][];
    for (;;) {
      while (at < keys.length && skip[at] === true) at++;
      if (at === keys.length) return true;
      choices = choicesAt(at, positions);
      if (choices.length !== 1) break;
      const [i, j] = choices[0] as [number, number];
      positions[i] = j + 1; // a forced move
      at++;
    }
    if (choices.length > 1 && !failed.has(`${at}|${positions.join(',')}`)) {
      if (--budget < 0) return undefined;
      stack.push({ at, positions: [...positions], choices, tried: 0 });
    }
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return false;
      const choice = top.choices[top.tried++];
      if (choice !== undefined) {
        positions = [...top.positions];
        positions[choice[0]] = choice[1] + 1;
        at = top.at + 1;
        break;
      }
      failed.add(`${top.at}|${top.positions.join(',')}`);
      stack.pop();
    }
  }
}

/**
 * Asserts that, for every producer, its items were consumed in the order it put them.
 *
 * @example
 * ```ts
 * assertPerProducerOrder({ p1: ['a1', 'a2'], p2: ['b1', 'b2'] }, ['a1', 'b1', 'b2', 'a2']); // ok
 * ```
 */
export function assertPerProducerOrder<T>(
  produced: Sequences<T>,
  consumed: Iterable<T>,
  key?: Key<T>,
): void {
  const problem = checkPerProducerOrder(produced, consumed, key);
  if (problem !== undefined) throw new AssertionError(problem);
}

/**
 * Why `merged` is not an interleaving of `sequences` (every item of every sequence, each
 * sequence's items in their order, nothing else), or `undefined` if it is one. Handles items
 * that occur in several sequences by trying each choice (memoised).
 */
export function checkInterleaving<T>(
  merged: Iterable<T>,
  sequences: Sequences<T> | readonly (readonly T[])[],
  key: Key<T> = identity,
): string | undefined {
  const all = [...merged];
  const named: [string, readonly T[]][] = Array.isArray(sequences)
    ? (sequences as readonly (readonly T[])[]).map((s, i) => [`#${i}`, s])
    : Object.entries(sequences as Sequences<T>);
  const total = named.reduce((n, [, s]) => n + s.length, 0);
  const failed = new Set<string>();
  let deepest = { at: -1, positions: named.map(() => 0) };
  const same = (a: T, b: T): boolean => {
    const ka = key(a);
    const kb = key(b);
    return ka === kb || Object.is(ka, kb);
  };
  // Depth-first over positions in each sequence, with an explicit stack of the points where
  // more than one sequence could supply the item (merged logs can be long): a forced move does
  // not grow the stack. Failed branch points are remembered.
  const choicesAt = (at: number, positions: readonly number[]): number[] => {
    const item = all[at] as T;
    const choices: number[] = [];
    for (let i = 0; i < named.length; i++) {
      const seq = named[i]?.[1] ?? [];
      const p = positions[i] ?? 0;
      if (p < seq.length && same(seq[p] as T, item)) choices.push(i);
    }
    return choices;
  };
  const search = (): boolean => {
    const stack: { at: number; positions: number[]; choices: number[]; tried: number }[] = [];
    let positions = named.map(() => 0);
    let at = 0;
    for (;;) {
      let choices: number[] = [];
      for (;;) {
        if (at > deepest.at) deepest = { at, positions: [...positions] };
        if (at === all.length) {
          if (positions.every((p, i) => p === named[i]?.[1].length)) return true;
          break;
        }
        choices = choicesAt(at, positions);
        if (choices.length !== 1) break;
        const only = choices[0] as number;
        positions[only] = (positions[only] as number) + 1; // a forced move
        at++;
      }
      if (choices.length > 1 && !failed.has(positions.join(','))) {
        stack.push({ at, positions: [...positions], choices, tried: 0 });
      }
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) return false;
        const choice = top.choices[top.tried++];
        if (choice !== undefined) {
          positions = [...top.positions];
          positions[choice] = (positions[choice] as number) + 1;
          at = top.at + 1;
          break;
        }
        failed.add(top.positions.join(','));
        stack.pop();
      }
    }
  };
  if (search()) return undefined;
  const next = named
    .map(([name, seq], i) => {
      const p = deepest.positions[i] ?? 0;
      return p < seq.length ? `${name}: ${show(seq[p])} (${name}[${p}])` : `${name}: done`;
    })
    .join(', ');
  const header = `expected an interleaving of ${list(named.map(([name]) => name))}`;
  if (deepest.at >= all.length || deepest.at < 0) {
    return `${header}; got ${all.length} items for ${total} in all, next expected: ${next}`;
  }
  return `${header}; item ${deepest.at} is ${show(all[deepest.at])}, but each sequence expects something else next: ${next}`;
}

/**
 * Asserts that `merged` is a valid interleaving of `sequences`: it is made of exactly their
 * items, and keeps each sequence's order.
 *
 * @example
 * ```ts
 * assertInterleaving(log, { producer: ['put 1', 'put 2'], consumer: ['get 1', 'get 2'] });
 * ```
 */
export function assertInterleaving<T>(
  merged: Iterable<T>,
  sequences: Sequences<T> | readonly (readonly T[])[],
  key?: Key<T>,
): void {
  const problem = checkInterleaving(merged, sequences, key);
  if (problem !== undefined) throw new AssertionError(problem);
}

function firstIndex<T>(items: readonly T[], key: Key<T>): Map<unknown, number> {
  const at = new Map<unknown, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (!at.has(k)) at.set(k, i);
  });
  return at;
}

function ordinal(index: number): string {
  const n = index + 1;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
