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
  const owner = new Map<unknown, { producer: string; index: number }>();
  for (const [producer, items] of Object.entries(produced)) {
    items.forEach((item, index) => {
      const k = key(item);
      if (!owner.has(k)) owner.set(k, { producer, index });
    });
  }
  const last = new Map<string, { index: number; at: number; item: T }>();
  let at = 0;
  for (const item of consumed) {
    const mine = owner.get(key(item));
    if (mine !== undefined) {
      const before = last.get(mine.producer);
      if (before !== undefined && before.index > mine.index) {
        return `expected each producer's items in the order it put them; ${mine.producer}'s ${show(item)} (put ${ordinal(mine.index)}) was consumed at ${at}, after its ${show(before.item)} (put ${ordinal(before.index)}, consumed at ${before.at})`;
      }
      last.set(mine.producer, { index: mine.index, at, item });
    }
    at++;
  }
  return undefined;
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
  const search = (at: number, positions: number[]): boolean => {
    if (at > deepest.at) deepest = { at, positions: [...positions] };
    if (at === all.length) return positions.every((p, i) => p === named[i]?.[1].length);
    const id = positions.join(',');
    if (failed.has(id)) return false;
    const item = all[at] as T;
    for (let i = 0; i < named.length; i++) {
      const seq = named[i]?.[1] ?? [];
      const p = positions[i] ?? 0;
      if (p < seq.length && same(seq[p] as T, item)) {
        positions[i] = p + 1;
        const ok = search(at + 1, positions);
        positions[i] = p;
        if (ok) return true;
      }
    }
    failed.add(id);
    return false;
  };
  if (
    search(
      0,
      named.map(() => 0),
    )
  )
    return undefined;
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
