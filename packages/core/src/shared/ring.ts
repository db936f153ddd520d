/**
 * The bounded multi-producer multi-consumer ring behind {@link SharedQueue}: crossbeam-channel's
 * "array flavour" (itself after Dmitry Vyukov's bounded MPMC queue), on Int32 words of a
 * SharedArrayBuffer.
 *
 * ## Positions and stamps
 *
 * `head` and `tail` are not plain indices but *positions*: `lap | index`, where `index` is the
 * slot (0 .. capacity-1) and `lap` counts trips round the ring in units of `oneLap`, a power of
 * two above every index. Between them sits `markBit` (also a power of two above every index,
 * `oneLap = 2 * markBit`): set in `tail`, it means "closed" (crossbeam's disconnect bit), so
 * closing and claiming a slot are decided by the same compare-and-swap, and no put can slip in
 * after `close()` returned. Set in `head` too ({@link Ring.closeGets}), it means "closed, and
 * drop the rest": no get can slip in either.
 *
 * Every slot has a *stamp* saying whose turn it is:
 *
 * - `stamp == position`: the slot is empty and waits for the producer whose `tail` is
 *   `position`;
 * - `stamp == position + 1`: the slot is full and waits for the consumer whose `head` is
 *   `position`.
 *
 * Initially slot `i` has stamp `i` (empty, lap 0) and `head = tail = 0`.
 *
 * ## Put (claim, write, commit)
 *
 * A producer reads `tail` and the stamp of its slot. If `stamp == tail` the slot is free: it
 * moves `tail` on by one position with a CAS (to the next index, or to index 0 of the next lap),
 * and if the CAS wins the slot is its alone. It writes the value with plain stores and then
 * *publishes* it by storing `stamp = tail + 1` with `Atomics.store`. That store is the release:
 * a consumer that reads the new stamp with `Atomics.load` also sees the value (atomics are
 * sequentially consistent and order the plain accesses around them).
 * If instead `stamp + oneLap == tail + 1`, the slot still holds the item of the previous lap:
 * the ring is full if `head` is exactly one lap behind `tail`, otherwise a consumer is in the
 * middle of taking it ("busy"). Crossbeam spins until that consumer frees the slot; we report
 * full in both cases (see {@link Ring.claimPut}), so that a consumer stopped mid-get cannot make
 * producers spin for ever.
 *
 * ## Get (claim, read, commit)
 *
 * Symmetric: a consumer reads `head` and the stamp; if `stamp == head + 1` the slot is full and
 * a CAS on `head` claims it. It reads the value and then hands the slot to the producer of the
 * next lap with `stamp = head + oneLap`. If `stamp == head` the slot is empty: the ring is empty
 * when `tail == head`; otherwise a producer has claimed the slot but not yet published it
 * ("busy"), which the caller treats like empty (it will be woken when the producer publishes).
 *
 * ## Why claims can be checked before the CAS (batches)
 *
 * While `tail` stays at `t`, no producer can change the stamp of a position at or after `t`
 * (it would first have to move `tail` past it), and consumers only ever turn such a slot from
 * full to empty. So if the stamps of positions `t .. t+k-1` all say "empty for that position",
 * a single CAS `t -> t+k` claims all `k` slots (k never exceeds the capacity, so the positions
 * lie within one lap). The same holds for consumers and "full".
 *
 * All arithmetic wraps at 32 bits (`| 0`), and positions are only ever compared for equality,
 * so laps may overflow freely, as crossbeam's do.
 *
 * @module
 */

/** Word indices of the ring's header inside the queue's Int32Array. */
export interface RingLayout {
  readonly head: number;
  readonly tail: number;
  readonly stamps: number;
  /**
   * Words per slot: the stamp is the slot's first word. With 2 or 4, a number lane keeps each
   * value beside its stamp, so a put or get touches one cache line rather than two.
   */
  readonly stride: number;
}

/** `claimPut`/`claimGet` results that are not slot indices. */
export const FULL = -1;
export const EMPTY_RING = -1;
export const CLOSED = -2;

/** Largest capacity: indices, the mark bit and a lap unit must fit well inside 32 bits. */
export const MAX_CAPACITY = 1 << 24;

export class Ring {
  readonly capacity: number;
  private readonly cells: Int32Array;
  private readonly head: number;
  private readonly tail: number;
  private readonly stamps: number;
  private readonly stride: number;
  private readonly markBit: number;
  private readonly oneLap: number;
  private readonly indexMask: number;
  private readonly lapMask: number;
  /** Position claimed by the last successful claim (an agent is single-threaded, see header). */
  private claimed = 0;
  /**
   * Guesses of `tail` / `head`: the positions after this agent's last claims. They are only
   * ever *guesses*: a claim that uses one still reads the slot's stamp and moves `tail`/`head`
   * with a CAS that succeeds only if the guess is the real value (see {@link claimPut}). With a
   * single producer or consumer the guess is always right, which saves an `Atomics.load` (a
   * call, not an inlined instruction, in V8) per item.
   */
  private nextPut = 0;
  private nextGet = 0;

  constructor(cells: Int32Array, layout: RingLayout, capacity: number) {
    this.cells = cells;
    this.head = layout.head;
    this.tail = layout.tail;
    this.stamps = layout.stamps;
    this.stride = layout.stride;
    this.capacity = capacity;
    let mark = 1;
    while (mark < capacity + 1) mark *= 2;
    this.markBit = mark;
    this.oneLap = mark * 2;
    this.indexMask = mark - 1;
    this.lapMask = ~(this.oneLap - 1);
  }

  /** Sets every stamp to its index (a fresh, empty ring). */
  init(): void {
    for (let i = 0; i < this.capacity; i++) this.cells[this.stamps + i * this.stride] = i;
    Atomics.store(this.cells, this.head, 0);
    Atomics.store(this.cells, this.tail, 0);
  }

  /** The position after `position`: the next index, or index 0 of the next lap. */
  private next(position: number): number {
    return (position & this.indexMask) + 1 < this.capacity
      ? (position + 1) | 0
      : ((position & this.lapMask) + this.oneLap) | 0;
  }

  /**
   * Claims one slot for a put. Returns its index, {@link FULL} or {@link CLOSED}. After writing
   * the value, the caller must call {@link commitPut} before anything else touches the ring.
   */
  claimPut(): number {
    const { cells, stamps, stride } = this;
    // Fast path, on the guess. Positions never move backwards (short of a 2^32 wrap), and a
    // stamp still equal to `guess` says that no producer has claimed position `guess` yet; the
    // guess having been a real value of `tail` once, `tail` is still `guess` when we read the
    // stamp, exactly as if we had just loaded it. The CAS below checks that it still is (and
    // fails on a closed tail, whose mark bit the guess never has). Any other case, including
    // "full", is decided after loading `tail` itself, as in crossbeam.
    let tail = this.nextPut;
    const guessed = tail & this.indexMask;
    let stamp = Atomics.load(cells, stamps + guessed * stride);
    // Whether `stamp` (read before `tail`) may stand for a read after it: see below.
    let known = false;
    if (stamp === tail) {
      const next = this.next(tail);
      const seen = Atomics.compareExchange(cells, this.tail, tail, next);
      if (seen === tail) {
        this.claimed = tail;
        this.nextPut = next;
        return guessed;
      }
      tail = seen;
    } else {
      const guess = tail;
      tail = Atomics.load(cells, this.tail);
      // If `tail` is still the guess, no producer claimed position `guess` between the two
      // reads, and consumers only ever move that slot on towards "free for `guess`": the stamp
      // we read answers the question the loop asks (free? or still last lap's item?) as of the
      // moment we read it. Saves one load per failed attempt (a full ring's spin is made of
      // them).
      known = tail === guess;
    }
    for (;;) {
      if ((tail & this.markBit) !== 0) return CLOSED;
      const index = tail & this.indexMask;
      if (!known) stamp = Atomics.load(cells, stamps + index * stride);
      known = false;
      if (stamp === tail) {
        const next = this.next(tail);
        const seen = Atomics.compareExchange(cells, this.tail, tail, next);
        if (seen === tail) {
          this.claimed = tail;
          this.nextPut = next;
          return index;
        }
        tail = seen; // another producer won this slot: try the next one
      } else if (((stamp + this.oneLap) | 0) === ((tail + 1) | 0)) {
        // The slot still holds last lap's item (so `tail` was not stale: no producer can have
        // claimed this position). Either the ring is full (head a whole lap behind), or a
        // consumer has claimed the item and not yet freed the slot ("busy"). Crossbeam spins on
        // busy; we report full, as claimGet reports a slot being written as empty: that
        // consumer wakes sleeping producers when it frees the slot, and one that never does (a
        // worker terminated mid-get) must not make tryPut, or a put with a timeout, spin for
        // ever. (So no need to read head at all.)
        return FULL;
      } else {
        tail = Atomics.load(cells, this.tail); // we read a stale tail: reload
      }
    }
  }

  /** Publishes the value written into the slot claimed by {@link claimPut}. */
  commitPut(index: number): void {
    Atomics.store(this.cells, this.stamps + index * this.stride, (this.claimed + 1) | 0);
  }

  /**
   * Claims up to `max` (at most `capacity`) consecutive slots for a put with one CAS. Returns
   * how many (0 when full), or {@link CLOSED}; slot `i` of the batch is `indexAt(i)`. Write them
   * all, then {@link commitPutMany}.
   */
  claimPutMany(max: number): number {
    const { cells, stamps, stride } = this;
    let tail = Atomics.load(cells, this.tail);
    for (;;) {
      if ((tail & this.markBit) !== 0) return CLOSED;
      let position = tail;
      let count = 0;
      while (
        count < max &&
        Atomics.load(cells, stamps + (position & this.indexMask) * stride) === position
      ) {
        position = this.next(position);
        count++;
      }
      if (count === 0) {
        const index = tail & this.indexMask;
        const stamp = Atomics.load(cells, stamps + index * stride);
        // Full, or busy: see claimPut.
        if (((stamp + this.oneLap) | 0) === ((tail + 1) | 0)) return 0;
        tail = Atomics.load(cells, this.tail);
        continue;
      }
      const seen = Atomics.compareExchange(cells, this.tail, tail, position);
      if (seen === tail) {
        this.claimed = tail;
        this.nextPut = position;
        return count;
      }
      tail = seen;
    }
  }

  /** Index of the slot `offset` places after the first slot of the last claim. */
  indexAt(offset: number): number {
    const index = (this.claimed & this.indexMask) + offset;
    return index < this.capacity ? index : index - this.capacity;
  }

  /** Publishes the `count` slots of a batch claimed by {@link claimPutMany}, in order. */
  commitPutMany(count: number): void {
    this.commitMany(count, 1);
  }

  /** Frees the `count` slots of a batch claimed by {@link claimGetMany}, in order. */
  commitGetMany(count: number): void {
    this.commitMany(count, this.oneLap);
  }

  private commitMany(count: number, delta: number): void {
    // Walk the positions from the claimed one: the lap changes where the index wraps.
    const { cells, stamps, stride, capacity } = this;
    let index = this.claimed & this.indexMask;
    let lap = this.claimed & this.lapMask;
    for (let i = 0; i < count; i++) {
      Atomics.store(cells, stamps + index * stride, (lap + index + delta) | 0);
      if (++index === capacity) {
        index = 0;
        lap = (lap + this.oneLap) | 0;
      }
    }
  }

  /**
   * Claims one slot for a get. Returns its index, {@link EMPTY_RING} (also while the next item
   * is being written), or {@link CLOSED} (closed and drained). The caller reads the value, then
   * calls {@link commitGet}.
   */
  claimGet(): number {
    const { cells, stamps, stride } = this;
    // Fast path on the guess, as in claimPut: a stamp saying "full for position `guess`" means
    // no consumer has claimed `guess` yet, so `head` is still `guess`; the CAS checks it is.
    let head = this.nextGet;
    const guessed = head & this.indexMask;
    let stamp = Atomics.load(cells, stamps + guessed * stride);
    let known = false;
    if (stamp === ((head + 1) | 0)) {
      const next = this.next(head);
      const seen = Atomics.compareExchange(cells, this.head, head, next);
      if (seen === head) {
        this.claimed = head;
        this.nextGet = next;
        return guessed;
      }
      head = seen;
    } else {
      // As in claimPut: if `head` is still the guess, the stamp read before it serves. It said
      // "not published" then; the tail we load after it tells empty (no producer has claimed
      // the position) from busy (claimed, not yet published), either of which was true while
      // this call ran. Saves one load per failed attempt (an empty ring's spin).
      const guess = head;
      head = Atomics.load(cells, this.head);
      known = head === guess;
    }
    for (;;) {
      if ((head & this.markBit) !== 0) return CLOSED; // closeGets(): the rest is dropped
      const index = head & this.indexMask;
      if (!known) stamp = Atomics.load(cells, stamps + index * stride);
      known = false;
      if (stamp === ((head + 1) | 0)) {
        const next = this.next(head);
        const seen = Atomics.compareExchange(cells, this.head, head, next);
        if (seen === head) {
          this.claimed = head;
          this.nextGet = next;
          return index;
        }
        head = seen;
      } else if (stamp === head) {
        const tail = Atomics.load(cells, this.tail);
        if ((tail & ~this.markBit) === head)
          return (tail & this.markBit) !== 0 ? CLOSED : EMPTY_RING;
        // A producer claimed this slot and has not published it yet: "busy". Report empty; the
        // producer wakes sleeping consumers when it publishes.
        return EMPTY_RING;
      } else {
        head = Atomics.load(cells, this.head);
      }
    }
  }

  /** Hands the slot claimed by {@link claimGet} to the producer of the next lap. */
  commitGet(index: number): void {
    Atomics.store(this.cells, this.stamps + index * this.stride, (this.claimed + this.oneLap) | 0);
  }

  /** Claims up to `max` consecutive full slots with one CAS; see {@link claimPutMany}. */
  claimGetMany(max: number): number {
    const { cells, stamps, stride } = this;
    let head = Atomics.load(cells, this.head);
    for (;;) {
      if ((head & this.markBit) !== 0) return CLOSED; // closeGets(): the rest is dropped
      let position = head;
      let count = 0;
      while (
        count < max &&
        Atomics.load(cells, stamps + (position & this.indexMask) * stride) === ((position + 1) | 0)
      ) {
        position = this.next(position);
        count++;
      }
      if (count === 0) {
        const stamp = Atomics.load(cells, stamps + (head & this.indexMask) * stride);
        if (stamp === head) {
          const tail = Atomics.load(cells, this.tail);
          if ((tail & ~this.markBit) === head && (tail & this.markBit) !== 0) return CLOSED;
          return 0;
        }
        head = Atomics.load(cells, this.head);
        continue;
      }
      const seen = Atomics.compareExchange(cells, this.head, head, position);
      if (seen === head) {
        this.claimed = head;
        this.nextGet = position;
        return count;
      }
      head = seen;
    }
  }

  /** Sets the closed mark on `tail`; later claims for a put return {@link CLOSED}. */
  close(): boolean {
    const before = Atomics.or(this.cells, this.tail, this.markBit);
    return (before & this.markBit) === 0;
  }

  /**
   * Sets the mark bit on `head` too, for `close({ immediate: true })`: every later claim for a
   * get returns {@link CLOSED}, even with items left (and items whose producers are still
   * writing them), so what is left is dropped where it lies. The mark is decided by the same
   * CAS as a claim: a consumer's CAS on `head` either came first (it took its item before the
   * close) or fails on the mark. Call after {@link close}: with both marks set no claim of
   * either kind can succeed again. Gets need no extra load for this on their fast path (a
   * guess never has the mark, so the CAS fails and the loop sees it).
   */
  closeGets(): void {
    Atomics.or(this.cells, this.head, this.markBit);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return (Atomics.load(this.cells, this.tail) & this.markBit) !== 0;
  }

  /** Items in the ring now (claimed-but-unpublished ones included), as crossbeam's `len()`. */
  get size(): number {
    const { cells } = this;
    for (;;) {
      const tail = Atomics.load(cells, this.tail);
      const head = Atomics.load(cells, this.head);
      // Only trust the pair if tail did not move while we read head.
      if (Atomics.load(cells, this.tail) !== tail) continue;
      if ((head & this.markBit) !== 0) return 0; // closeGets(): what is left was dropped
      const hix = head & this.indexMask;
      const tix = tail & this.indexMask;
      if (hix < tix) return tix - hix;
      if (hix > tix) return this.capacity - hix + tix;
      return (tail & ~this.markBit) === head ? 0 : this.capacity;
    }
  }
}
