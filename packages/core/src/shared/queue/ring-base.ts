/**
 * What both rings behind a {@link SharedQueue} share (`Ring`, many producers and consumers;
 * `OneToOneRing`): `head` and `tail` in the queue's words with the closed mark, the slot indices
 * of the last claim and the last scan, values that span slots, and `size`. The protocols that
 * move `head` and `tail` are each ring's own.
 *
 * @module
 */
import { Positions } from './positions.js';

/** Races a claim may lose in a row before it reports `BUSY` (a bound, never reached in practice). */
export const MAX_TRIES = 4096;

/** `claimPut`/`claimGet` results that are not slot indices. */
export const FULL = -1;
export const EMPTY_RING = -1;
export const CLOSED = -2;
/**
 * The slot at `tail` (for a put) or `head` (for a get) is claimed by another agent that has
 * not finished with it: wait for it, or `repairPut`/`repairGet` it (many-to-many ring only).
 */
export const STALLED = -3;
/** Lost {@link MAX_TRIES} races in a row: try again soon. */
export const BUSY = -4;

export abstract class RingBase extends Positions {
  protected readonly cells: Int32Array;
  /** Word indices of `head` and `tail`. */
  protected readonly head: number;
  protected readonly tail: number;
  /** Word set once any value has spanned slots, or -1. */
  protected readonly spansSeen: number;
  /** Position of the first slot of the last claim (an agent is single-threaded). */
  protected claimed = 0;
  /** Position found by the last `scanGet`. */
  protected scanned = 0;
  /**
   * When values may span slots (see {@link allowSpans}): how many slots the item published at
   * slot `index` takes.
   */
  protected spanAt: ((index: number) => number) | undefined = undefined;
  /** With spans, after `scanGet`: `scanEnds[i]` = slots taken by items `0 .. i` found. */
  protected scanEnds: Int32Array | undefined = undefined;
  /** Why the last `scanGet` found nothing. */
  scanResult = -1;

  constructor(cells: Int32Array, head: number, tail: number, spansSeen: number, capacity: number) {
    super(capacity);
    this.cells = cells;
    this.head = head;
    this.tail = tail;
    this.spansSeen = spansSeen;
  }

  /**
   * Lets values span slots: `spanAt(index)` says how many slots the item published at slot
   * `index` takes (the bytes lane reads it from the slot's length word). Without it every item
   * takes one slot.
   */
  allowSpans(spanAt: (index: number) => number): void {
    this.spanAt = spanAt;
    this.scanEnds = new Int32Array(this.capacity);
  }

  /**
   * Slots the item at `position` takes, kept in range: a many-to-many ring reads it *before*
   * its claim, so it may be garbage if another consumer took the item meanwhile and a producer
   * rewrote the slot (then the claiming CAS fails, as `head` moved on).
   */
  protected spanOf(position: number): number {
    const span = this.spanAt!(position & this.indexMask);
    return span >= 1 && span <= this.capacity ? span : 1;
  }

  /**
   * A `scanGet`'s walk when values may span slots: item by item through the `slots` published
   * positions from `head`, each item taking the slots its first slot says, up to `max` items;
   * `scanEnds` records where each ends. Returns how many items fit. A span never straddles the
   * end of what was published (a span is published whole), so in a many-to-many ring an item
   * that does not fit was read from a slot that changed: what was found so far stands, and it
   * is only trusted once the claim's CAS wins (then `head` never moved, no slot found was freed,
   * and every span read was the producer's).
   */
  protected scanSpans(head: number, slots: number, max: number): number {
    const ends = this.scanEnds!;
    let position = head;
    let count = 0;
    let taken = 0;
    while (count < max && taken < slots) {
      const span = this.spanOf(position);
      if (taken + span > slots) break;
      taken += span;
      ends[count++] = taken;
      position = span === 1 ? this.next(position) : this.advance(position, span);
    }
    return count;
  }

  /**
   * What a claim for one item returns once it has claimed `count` slots (all it asked for, or
   * 0): the index of the first slot claimed, {@link FULL} when it claimed none, or the code
   * `count` holds ({@link CLOSED}, ...).
   */
  protected claimResult(count: number): number {
    return count > 0 ? this.claimed & this.indexMask : count === 0 ? FULL : count;
  }

  /** Index of the slot `offset` places after the first slot of the last claim. */
  indexAt(offset: number): number {
    const index = (this.claimed & this.indexMask) + offset;
    return index < this.capacity ? index : index - this.capacity;
  }

  protected scanEnd(result: number): number {
    this.scanResult = result;
    return 0;
  }

  /** Index of the `offset`-th slot found by the last `scanGet`. */
  scannedIndex(offset: number): number {
    const index = (this.scanned & this.indexMask) + offset;
    return index < this.capacity ? index : index - this.capacity;
  }

  /** Index of the first slot of the `item`-th item found by the last `scanGet`. */
  scannedItemIndex(item: number): number {
    return this.scannedIndex(
      item === 0 || this.scanEnds === undefined ? item : this.scanEnds[item - 1]!,
    );
  }

  /** Sets the closed mark on `tail`; later claims for a put return `CLOSED`. */
  close(): boolean {
    const before = Atomics.or(this.cells, this.tail, this.markBit);
    return (before & this.markBit) === 0;
  }

  /**
   * Sets the mark bit on `head` too, for `close({ immediate: true })`: every later claim for a
   * get returns `CLOSED`, even with items left, so what is left is dropped where it lies. The
   * mark is decided by the same CAS as a get's: a consumer's CAS on `head` either came first (it
   * took its items before the close) or fails on the mark.
   */
  closeGets(): void {
    Atomics.or(this.cells, this.head, this.markBit);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return (Atomics.load(this.cells, this.tail) & this.markBit) !== 0;
  }

  /**
   * Items in the ring now, as crossbeam's `len()`: the positions between `head` and `tail`, or
   * once a value has spanned slots, the items in them ({@link itemsIn}).
   */
  get size(): number {
    const cells = this.cells;
    for (let tries = 0; ; tries++) {
      const tail = Atomics.load(cells, this.tail);
      const head = Atomics.load(cells, this.head);
      // Only trust the pair if tail did not move while we read head (bounded: after many
      // tries, the last pair read is a fair answer for a value that is stale anyway).
      if (Atomics.load(cells, this.tail) !== tail && tries < MAX_TRIES) continue;
      const size = this.between(head, tail);
      if (size === 0) return 0;
      if (this.spansSeen < 0 || this.spanAt === undefined || cells[this.spansSeen] === 0)
        return size;
      return this.itemsIn(head, size);
    }
  }

  /**
   * Slots taken now: the positions between `head` and `tail` (items, or their slots once values
   * span slots), 0 once `closeGets()` dropped what was left. What `SharedQueue.waitForRoom`
   * compares with half the capacity: it only changes by one agent's claim, never by a walk.
   */
  get slotsTaken(): number {
    const tail = Atomics.load(this.cells, this.tail);
    return this.between(Atomics.load(this.cells, this.head), tail);
  }

  /**
   * Positions from `head` to `tail` as read (either may carry the closed mark), kept in range;
   * 0 once `closeGets()` marked `head`: what was left was dropped.
   */
  private between(head: number, tail: number): number {
    if ((head & this.markBit) !== 0) return 0;
    return Math.max(0, Math.min(this.capacity, this.distance(head, tail & ~this.markBit)));
  }

  /** Items in the `slots` positions from `head`, once values have spanned slots. */
  protected abstract itemsIn(head: number, slots: number): number;
}
