/**
 * Where a queue keeps its items. A queue decides *when* to add or take (capacity, waiters,
 * close); a store decides *which* item comes out next. Every store adds and takes in O(1)
 * (amortised), except the priority heap, which is O(log n).
 *
 * @module
 */

/** The items of a queue, in the order the store gives them back. */
export interface Store<T> {
  /** Number of items held. */
  readonly length: number;
  /** Adds an item. */
  add(value: T): void;
  /** Removes and returns the next item; only called when `length > 0`. */
  take(): T;
  /** Drops every item. */
  clear(): void;
}

/**
 * First in, first out: a ring buffer whose size is a power of two, so that a position is
 * `index & mask`. It doubles when full (an unbounded queue grows; a bounded one stops growing at
 * its capacity because the queue never adds beyond it). Taking an item clears its slot so the
 * buffer does not keep it alive.
 */
export class RingStore<T> implements Store<T> {
  private slots: (T | undefined)[];
  private mask: number;
  /** Slot of the oldest item. */
  private head = 0;
  length = 0;

  constructor(initialSize = 16) {
    let size = 2;
    while (size < initialSize) size *= 2;
    this.slots = new Array<T | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  add(value: T): void {
    if (this.length === this.slots.length) this.grow();
    this.slots[(this.head + this.length) & this.mask] = value;
    this.length++;
  }

  take(): T {
    const slot = this.head;
    const value = this.slots[slot] as T;
    this.slots[slot] = undefined;
    this.head = (slot + 1) & this.mask;
    this.length--;
    return value;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.length = 0;
  }

  /** Doubles the buffer, unrolling the ring so the oldest item lands at slot 0. */
  private grow(): void {
    const old = this.slots;
    const size = old.length * 2;
    const slots = new Array<T | undefined>(size).fill(undefined);
    for (let i = 0; i < this.length; i++) slots[i] = old[(this.head + i) & this.mask];
    this.slots = slots;
    this.mask = size - 1;
    this.head = 0;
  }
}

/**
 * @internal Keeps the hidden class of a {@link RingStore} alive while no queue exists, so that a
 * full GC between two pipeline runs does not throw away the optimized code of `add` / `take`
 * (V8 holds a class instance's final shape only weakly; see pipeline/counters.ts).
 */
export const ringStoreShape: RingStore<unknown> = new RingStore<unknown>(2);

/** Last in, first out: a plain array used as a stack (push and pop are O(1)). */
export class StackStore<T> implements Store<T> {
  private readonly items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  add(value: T): void {
    this.items.push(value);
  }

  take(): T {
    return this.items.pop() as T;
  }

  clear(): void {
    this.items.length = 0;
  }
}
