/**
 * The store of a {@link PriorityQueue}: a binary min-heap ordered by a comparator, ties broken
 * by arrival so that equal items come out first in, first out.
 *
 * @module
 */
import type { Store } from './store.js';

/** Orders two items: negative when `a` comes out first, positive when `b` does, 0 when equal. */
export type Compare<T> = (a: T, b: T) => number;

/** The default order: JavaScript's `<` and `>`, as Python's heap uses `<`. */
export function naturalOrder<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A binary heap kept in two parallel arrays (items and arrival stamps), so that adding an item
 * allocates no wrapper object. Node `i` has children `2i + 1` and `2i + 2`.
 *
 * A comparator that throws is a bug in the caller's code, but it must not cost an item: sifting
 * swaps entries pairwise (every item stays in the arrays), a failed `add` takes its item out
 * again, and a failed `take` puts its item back, then the error propagates. The heap order may
 * be wrong afterwards; membership never is.
 */
export class HeapStore<T> implements Store<T> {
  private readonly items: T[] = [];
  private readonly stamps: number[] = [];
  private nextStamp = 0;

  constructor(private readonly compare: Compare<T>) {}

  get length(): number {
    return this.items.length;
  }

  add(value: T): void {
    this.items.push(value);
    this.stamps.push(this.nextStamp++);
    let child = this.items.length - 1;
    try {
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!this.before(child, parent)) break;
        this.swap(child, parent);
        child = parent;
      }
    } catch (error) {
      this.removeAt(child); // the new item is at `child`: the add did not happen
      throw error;
    }
  }

  take(): T {
    const items = this.items;
    const top = items[0] as T;
    const topStamp = this.stamps[0] as number;
    this.removeAt(0);
    const last = items.length;
    let parent = 0;
    try {
      for (;;) {
        const left = 2 * parent + 1;
        if (left >= last) break;
        const right = left + 1;
        const child = right < last && this.before(right, left) ? right : left;
        if (!this.before(child, parent)) break;
        this.swap(child, parent);
        parent = child;
      }
    } catch (error) {
      items.push(top); // the take did not happen
      this.stamps.push(topStamp);
      throw error;
    }
    if (items.length === 0) this.nextStamp = 0;
    return top;
  }

  /** Removes entry `i` by moving the last entry into its place (no comparison). */
  private removeAt(i: number): void {
    this.swap(i, this.items.length - 1);
    this.items.pop();
    this.stamps.pop();
  }

  clear(): void {
    this.items.length = 0;
    this.stamps.length = 0;
    this.nextStamp = 0;
  }

  /** Whether entry `i` comes out before entry `j`. */
  private before(i: number, j: number): boolean {
    const order = this.compare(this.items[i] as T, this.items[j] as T);
    if (order !== 0) return order < 0;
    return (this.stamps[i] as number) < (this.stamps[j] as number);
  }

  private swap(i: number, j: number): void {
    const items = this.items;
    const stamps = this.stamps;
    const item = items[i] as T;
    items[i] = items[j] as T;
    items[j] = item;
    const stamp = stamps[i] as number;
    stamps[i] = stamps[j] as number;
    stamps[j] = stamp;
  }
}
