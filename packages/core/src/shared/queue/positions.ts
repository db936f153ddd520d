/**
 * Positions in a queue's ring: `lap | index`, where `index` is the slot (0 .. capacity-1) and
 * `lap` counts trips round the ring in units of `oneLap`, a power of two above every index.
 * Between them sits `markBit` (also a power of two above every index, `oneLap = 2 * markBit`),
 * which the rings use as their "closed" mark on `tail` (and on `head` for
 * `close({ immediate: true })`). All arithmetic wraps at 32 bits (`| 0`), and positions are only
 * compared for equality or by distance, so laps may overflow freely. Both rings behind a
 * `SharedQueue` (`Ring`, many producers and consumers; `OneToOneRing`) count this way.
 *
 * @module
 */
export class Positions {
  readonly capacity: number;
  protected readonly markBit: number;
  protected readonly oneLap: number;
  protected readonly indexMask: number;
  protected readonly lapMask: number;
  /** log2 of `oneLap`. */
  protected readonly lapShift: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    let mark = 1;
    while (mark < capacity + 1) mark *= 2;
    this.markBit = mark;
    this.oneLap = mark * 2;
    this.indexMask = mark - 1;
    this.lapMask = ~(this.oneLap - 1);
    this.lapShift = 31 - Math.clz32(this.oneLap);
  }

  /** The position after `position`: the next index, or index 0 of the next lap. */
  protected next(position: number): number {
    return (position & this.indexMask) + 1 < this.capacity
      ? (position + 1) | 0
      : ((position & this.lapMask) + this.oneLap) | 0;
  }

  /** The position `count` places after `position` (count <= capacity). */
  protected advance(position: number, count: number): number {
    const index = (position & this.indexMask) + count;
    return index < this.capacity
      ? (position + count) | 0
      : ((position & this.lapMask) + this.oneLap + index - this.capacity) | 0;
  }

  /** How many places `position` lies after `from` (negative: before), across laps. Ignores `markBit`. */
  protected distance(from: number, position: number): number {
    // The lap difference is a multiple of `oneLap`: an arithmetic shift divides it exactly.
    const laps = (((position & this.lapMask) - (from & this.lapMask)) | 0) >> this.lapShift;
    return laps * this.capacity + (position & this.indexMask) - (from & this.indexMask);
  }
}
