/**
 * The bounded multi-producer multi-consumer ring behind {@link SharedQueue}: crossbeam-channel's
 * "array flavour" (itself after Dmitry Vyukov's bounded MPMC queue), on Int32 words of a
 * SharedArrayBuffer, made robust against agents that die in the middle of an operation (a
 * worker terminated between claiming a slot and committing it), like a robust mutex's
 * `EOWNERDEAD`.
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
 * Every slot has a *stamp* saying whose turn it is (for the slot's position `p` this lap):
 *
 * - `stamp == p`: empty, waiting for the producer whose `tail` is `p` (and, once `tail` has
 *   passed `p`, claimed by that producer and not yet published);
 * - `stamp == p + 1`: full, waiting for the consumer whose `head` is `p` (once `head` has
 *   passed `p`: claimed by that consumer and not yet freed);
 * - `stamp == (p + 1) | markBit`: a *hole*: a position whose producer's claim was revoked (it
 *   died, or the queue was closed under it). Consumers pass over it like an item they throw
 *   away. Positions never have `markBit` set, so no stamp of a live slot is ever mistaken for
 *   one.
 *
 * Initially slot `i` has stamp `i` (empty, lap 0) and `head = tail = 0`. All arithmetic wraps at
 * 32 bits (`| 0`), and positions are only ever compared for equality or by distance, so laps may
 * overflow freely, as crossbeam's do.
 *
 * ## Put: claim, write, commit
 *
 * A producer reads `tail` and the stamp of its slot. If `stamp == tail` the slot is free: it
 * moves `tail` on with a CAS, and if the CAS wins the slot is its alone. It writes the value
 * with plain stores and then *publishes* it with a CAS of the stamp from `tail` to `tail + 1`.
 * That CAS is the release: a consumer that reads the new stamp with `Atomics.load` also sees the
 * value (atomics are sequentially consistent and order the plain accesses around them). It is a
 * CAS rather than crossbeam's store because a claim may have been *revoked* meanwhile (see
 * below): then the CAS fails, nothing is published, and the producer retries with a new claim,
 * so its value is never lost and never doubled, and its own items keep their order.
 *
 * ## Get: claim, read, free
 *
 * Symmetric: if `stamp == head + 1` a CAS on `head` claims the item; the consumer reads it and
 * frees the slot for the producer of the next lap with `stamp = head + oneLap`. A consumer's
 * claim is never revoked while the consumer lives (a revoked read could be torn).
 *
 * ## Who claimed what: the claim table
 *
 * Each agent (registry agent id `a`, up to `agents`) has a row of its own in the queue's
 * buffer (one 64-byte line, so agents do not share cache lines). *Before* its claiming CAS an
 * agent writes its intent there: the first position, how many, and what its total of claimed
 * items will be after this claim. After the CAS wins it stores that total (the claim is
 * "applied"). The CAS orders the intent before anything a survivor can observe of the claim
 * (a survivor sees the claim by loading `head`/`tail`, which synchronises with the CAS), so a
 * survivor that finds a stuck slot reads every agent whose intent covers the slot's position.
 * An agent whose CAS failed clears its intent before it gives up, so a stale intent of a live
 * agent cannot make a dead claimant look alive for long.
 *
 * ## Repair
 *
 * A claim whose claimant is dead is found stuck by the survivors:
 *
 * - a *dead producer's* slot stops consumers at `head` (`stamp == head`, `tail` past it). When
 *   every agent whose intent covers it has exited (`registry.hasExited`, set by `watchWorker`
 *   or `agentExited`), a consumer revokes it: a CAS of the stamp from `p` to the hole stamp.
 *   Consumers then pass over the hole. The same is done for any claimant once the queue is
 *   closed, so `close()` always ends gets blocked behind a claim (that producer's put then
 *   fails with `ClosedError`, its value not added).
 * - a *dead consumer's* slot stops producers one lap later (`stamp == p + 1` with `head` past
 *   `p`). When its claimants have exited, a producer frees it (CAS of the stamp to
 *   `p + oneLap`). The item it held is gone with the consumer (at-most-once delivery): it is
 *   counted in that agent's row as lost, and {@link Ring.losses} reports it by agent.
 *
 * Nothing is repaired while a claimant may still be alive and the queue is open: an unwatched
 * dead agent leaves its slot stuck, and the calls that wait on it time out, honour their
 * signal, and end at `close()`. No loop here runs without a bound: every claim gives up after
 * {@link MAX_TRIES} lost races and reports {@link BUSY}, which callers treat like "try again
 * soon".
 *
 * ## Why claims can be checked before the CAS (batches)
 *
 * While `tail` stays at `t`, no producer can change the stamp of a position at or after `t`
 * (it would first have to move `tail` past it), and consumers only ever turn such a slot from
 * full to empty. So if the stamps of positions `t .. t+k-1` all say "empty for that position",
 * a single CAS `t -> t+k` claims all `k` slots (k never exceeds the capacity, so the positions
 * lie within one lap). The same holds for consumers and "full", and it also makes *optimistic*
 * batch reads safe: a consumer may copy the values of `h .. h+k-1` before its CAS `h -> h+k`;
 * if the CAS wins, no other consumer claimed (so freed, so let a producer overwrite) any of
 * them in between, and the copy is exact. A batch get therefore never holds items it has not
 * returned (see `getMany`).
 *
 * ## Values that span slots
 *
 * A value too large for one slot takes `k` consecutive slots (at most `capacity`), claimed by a
 * producer with *one* CAS `t -> t+k` ({@link Ring.claimPutSpan}) and taken by a consumer with
 * one CAS `h -> h+k`, so no other agent ever owns part of a span. Its first slot holds the
 * value's length (the lane turns it into `k`); the other *continuation* slots carry hole stamps:
 *
 * - the producer writes the bytes into all `k` slots, gives the continuation slots their hole
 *   stamps (plain stores), then publishes the first slot with its CAS, which releases all of it
 *   ({@link Ring.commitPutSpan});
 * - a consumer that sees the first stamp full reads `k` from the slot, *then* CASes `head` by
 *   `k`. The read is optimistic, as a batch's: if another consumer took the item first and the
 *   slot was rewritten, `k` may be garbage, but then `head` has moved and the CAS fails. If the
 *   CAS wins, `head` was `h` throughout, nobody freed the slot, and `k` is the producer's.
 *   It frees all `k` slots as a batch get does;
 * - repairs need nothing new: a dead producer's unpublished span is revoked slot by slot
 *   (holes, which consumers pass one at a time), and on close only its first slot is revoked
 *   (the continuation slots are or become holes); a dead consumer's span is freed with its
 *   claim, and counts as one lost item (only the first slot's stamp says "item").
 *
 * Intents record items beside positions (a span is `k` positions, 1 item), so the figures
 * count items. `size` counts items too once a span was seen (a walk, see {@link Ring.size}).
 *
 * @module
 */

/** Word indices of the ring's parts inside the queue's Int32Array. */
export interface RingLayout {
  readonly head: number;
  readonly tail: number;
  /** First stamp; slot `i`'s stamp is `stamps + i`. */
  readonly stamps: number;
  /** First word of the claim table ({@link ENTRY_WORDS} per agent). */
  readonly table: number;
  /** Rows in the claim table: agents with ids `1 .. agents` are tracked. */
  readonly agents: number;
  /** A word set to 1 once any value has spanned slots (then {@link Ring.size} counts items). */
  readonly spansSeen?: number;
}

/** What the ring needs to know about agents: the registry's view. */
export interface Agents {
  /** This agent's id (0: unknown). */
  readonly self: number;
  hasExited(id: number): boolean;
  agentName(id: number): string;
  /** Reports items an exited agent took with it (the registry shows them in snapshots). */
  recordLoss?(id: number, items: number): void;
  /**
   * How many agents have exited so far (a count that only grows), read before a repair scans the
   * claim table: while it is 0 no claimant can be dead, and a stalled claim is only ever the
   * other side at work (the common case of a full or empty ring in a streaming pair).
   */
  exits?(): number;
}

/** `claimPut`/`claimGet` results that are not slot indices. */
export const FULL = -1;
export const EMPTY_RING = -1;
export const CLOSED = -2;
/**
 * The slot at `tail` (for a put) or `head` (for a get) is claimed by another agent that has
 * not finished with it: wait for it, or {@link Ring.repairPut}/{@link Ring.repairGet} it.
 */
export const STALLED = -3;
/** Lost {@link MAX_TRIES} races in a row: try again soon. */
export const BUSY = -4;

/** Races a claim may lose in a row before it reports {@link BUSY} (a bound, never reached in practice). */
export const MAX_TRIES = 4096;

/** Largest capacity: indices, the mark bit and a lap unit must fit well inside 32 bits. */
export const MAX_CAPACITY = 1 << 24;

/** Words per agent row of the claim table: one 64-byte cache line. */
export const ENTRY_WORDS = 16;
const E_PUT_START = 0;
const E_PUT_COUNT = 1;
const E_PUT_AFTER = 2;
/** Positions this agent claimed for puts, in all (each claim applied after its CAS won). */
const E_PUT = 3;
const E_GET_START = 4;
const E_GET_COUNT = 5;
const E_GOT_AFTER = 6;
/** Items this agent claimed for gets, in all (holes it passed over are not items). */
const E_GOT = 7;
/** Of its put claims, how many were revoked (never published). */
const E_HOLES = 8;
/** Of its get claims, how many items survivors found still claimed after it exited. */
const E_LOST = 9;
/**
 * Items of the last put / get intent: equal to its count, except for a value spanning
 * `count` slots (1 item). Written with the intent, read by the repairers to count holes.
 */
const E_PUT_ITEMS = 10;
const E_GET_ITEMS = 11;

/** Per-agent figures of one queue, for accounting (see {@link Ring.agentFigures}). */
export interface AgentFigures {
  readonly id: number;
  /** Slots claimed for puts (published or revoked). */
  readonly claimedPuts: number;
  /** Of those, revoked (never published): `claimedPuts - holes` items went in. */
  readonly holes: number;
  /** Items claimed by its gets (returned, or lost with it). */
  readonly got: number;
  /** Of those, items still claimed when it exited: lost with it. */
  readonly lost: number;
}

export class Ring {
  readonly capacity: number;
  private readonly cells: Int32Array;
  private readonly head: number;
  private readonly tail: number;
  private readonly stamps: number;
  private readonly table: number;
  private readonly agents: Agents;
  private readonly rows: number;
  /** Word index of this agent's claim-table row, or -1 when untracked. */
  private readonly own: number;
  private readonly markBit: number;
  private readonly oneLap: number;
  private readonly indexMask: number;
  private readonly lapMask: number;
  /** Position claimed by the last successful claim (an agent is single-threaded). */
  private claimed = 0;
  /** How many slots the last successful claim took. */
  private claimedCount = 0;
  /** `tail`/`head` as seen by the last failed CAS. */
  private seen = 0;
  /**
   * Guesses of `tail` / `head`: the positions after this agent's last claims. Only ever
   * guesses: a claim on one still reads the slot's stamp and moves `tail`/`head` with a CAS that
   * succeeds only if the guess is the real value. With one producer or consumer the guess is
   * always right, which saves an `Atomics.load` per item.
   */
  private nextPut = 0;
  private nextGet = 0;
  /** Position found by the last {@link scanGet}, and what it found there. */
  private scanned = 0;
  /**
   * When values may span slots (see {@link allowSpans}): how many slots the item published at
   * slot `index` takes, read from the slot before the claim (see "Values that span slots").
   */
  private spanAt: ((index: number) => number) | undefined = undefined;
  /** With spans, after {@link scanGet}: `scanEnds[i]` = slots taken by items `0 .. i` found. */
  private scanEnds: Int32Array | undefined = undefined;
  /** Set when {@link claimPutSpan} was stopped by a consumer's claim inside its span: that position. */
  private putStalledAt: number | undefined = undefined;
  /**
   * Slots this agent freed by passing holes (in {@link claimGet}, {@link scanGet}) since its
   * caller last took them: the caller wakes putters for them, as for the slots of an item. A
   * putter may sleep on a slot that only ever held a hole (a revoked claim, a dead producer's
   * whole span), and a getter that passes the holes and finds nothing after them would
   * otherwise wake nobody.
   */
  passed = 0;
  /** Word set once any value has spanned slots, or -1. */
  private readonly spansSeen: number;

  constructor(cells: Int32Array, layout: RingLayout, capacity: number, agents: Agents) {
    this.cells = cells;
    this.head = layout.head;
    this.tail = layout.tail;
    this.stamps = layout.stamps;
    this.table = layout.table;
    this.rows = layout.agents;
    this.agents = agents;
    const self = agents.self;
    this.own = self >= 1 && self <= layout.agents ? layout.table + (self - 1) * ENTRY_WORDS : -1;
    this.capacity = capacity;
    this.spansSeen = layout.spansSeen ?? -1;
    let mark = 1;
    while (mark < capacity + 1) mark *= 2;
    this.markBit = mark;
    this.oneLap = mark * 2;
    this.indexMask = mark - 1;
    this.lapMask = ~(this.oneLap - 1);
  }

  /** Sets every stamp to its index (a fresh, empty ring). */
  init(): void {
    for (let i = 0; i < this.capacity; i++) this.cells[this.stamps + i] = i;
    Atomics.store(this.cells, this.head, 0);
    Atomics.store(this.cells, this.tail, 0);
  }

  /** The position after `position`: the next index, or index 0 of the next lap. */
  private next(position: number): number {
    return (position & this.indexMask) + 1 < this.capacity
      ? (position + 1) | 0
      : ((position & this.lapMask) + this.oneLap) | 0;
  }

  /** The position `count` places after `position` (count <= capacity). */
  private advance(position: number, count: number): number {
    const index = (position & this.indexMask) + count;
    return index < this.capacity
      ? (position + count) | 0
      : ((position & this.lapMask) + this.oneLap + index - this.capacity) | 0;
  }

  /** How many places `position` lies after `from` (negative: before), across laps. */
  private distance(from: number, position: number): number {
    const laps = (((position & this.lapMask) - (from & this.lapMask)) | 0) / this.oneLap;
    return laps * this.capacity + (position & this.indexMask) - (from & this.indexMask);
  }

  /** The stamp of a revoked position: "full for `position`, but nothing in it". */
  private hole(position: number): number {
    return (position + 1) | 0 | this.markBit;
  }

  /**
   * Whether `stamp` says that the slot holds `position`'s item or hole: published (or revoked),
   * and not freed yet for the next lap.
   */
  private holdsItemOrHole(stamp: number, position: number): boolean {
    return stamp === ((position + 1) | 0) || stamp === this.hole(position);
  }

  /**
   * How many consecutive positions from `position` (at most `max`, at most a lap) have the stamp
   * `position + state`: 0, free for that position (a put's claim), or 1, full (a get's scan). It
   * walks the stamps by index and lap rather than by position (`next`): this loop runs once per
   * slot of a batch, so it makes no call but the atomic load. `position` carries no mark bit, so
   * it is exactly `lap + index`.
   */
  private runOf(position: number, max: number, state: 0 | 1): number {
    const { cells, stamps, capacity, oneLap } = this;
    let index = position & this.indexMask;
    let lap = position & this.lapMask;
    let count = 0;
    while (count < max && Atomics.load(cells, stamps + index) === ((lap + index + state) | 0)) {
      count++;
      if (++index === capacity) {
        index = 0;
        lap = (lap + oneLap) | 0;
      }
    }
    return count;
  }

  private stampOf(position: number): number {
    return Atomics.load(this.cells, this.stamps + (position & this.indexMask));
  }

  /**
   * Lets values span slots: `spanAt(index)` says how many slots the item published at slot
   * `index` takes (the bytes lane reads it from the slot's length word). Without it every item
   * takes one slot and the get paths are exactly crossbeam's.
   */
  allowSpans(spanAt: (index: number) => number): void {
    this.spanAt = spanAt;
    this.scanEnds = new Int32Array(this.capacity);
  }

  /**
   * Slots the item at `position` takes: read *before* the claim, so it may be garbage if
   * another consumer took the item meanwhile and a producer rewrote the slot; then the claiming
   * CAS fails (`head` moved on), so the value only has to stay in range here.
   */
  private spanOf(position: number): number {
    const span = this.spanAt!(position & this.indexMask);
    return span >= 1 && span <= this.capacity ? span : 1;
  }

  // ---------------------------------------------------------------- claim table

  /**
   * Records, before the claiming CAS, that this agent is about to claim `count` positions from
   * `position` (`start` = {@link E_PUT_START} or {@link E_GET_START}), adding `items` to its
   * total. Plain stores: the CAS that follows orders them before anything a survivor can see.
   */
  private intend(start: number, position: number, count: number, items: number): void {
    const own = this.own;
    if (own < 0) return;
    const cells = this.cells;
    cells[own + start + 1] = count;
    cells[own + start] = position;
    cells[own + start + 2] = cells[own + start + 3]! + items;
    cells[own + (start === E_PUT_START ? E_PUT_ITEMS : E_GET_ITEMS)] = items;
  }

  /** After a winning CAS: the claim counts (see {@link intend}). */
  private apply(start: number): void {
    const own = this.own;
    if (own >= 0) this.cells[own + start + 3] = this.cells[own + start + 2]!;
  }

  /** After a lost CAS that ends the call: no stale intent may make a dead claimant look alive. */
  private forget(start: number): void {
    if (this.own >= 0) this.cells[this.own + start + 1] = 0;
  }

  /**
   * The agents whose intent (`start`: puts or gets) covers `position`: whether any is alive,
   * and the ids of those that have exited.
   */
  private claimants(start: number, position: number): { alive: boolean; dead: number[] } {
    const cells = this.cells;
    const dead: number[] = [];
    let alive = false;
    for (let row = 0; row < this.rows; row++) {
      const at = this.table + row * ENTRY_WORDS;
      const count = cells[at + start + 1]!;
      if (count <= 0) continue;
      const offset = this.distance(cells[at + start]!, position);
      if (offset < 0 || offset >= count) continue;
      if (this.agents.hasExited(row + 1)) dead.push(row + 1);
      else alive = true;
    }
    return { alive, dead };
  }

  // ---------------------------------------------------------------- put

  /**
   * Claims one slot for a put. Returns its index, {@link FULL}, {@link CLOSED},
   * {@link STALLED} (the slot still holds last lap's item, claimed by a consumer that has not
   * freed it) or {@link BUSY}. After writing the value, call {@link commitPut}.
   */
  claimPut(): number {
    const cells = this.cells;
    // Fast path, on the guess. Positions never move backwards, and a stamp still equal to
    // `guess` says that no producer has claimed position `guess` yet; the guess having been a
    // real value of `tail` once, `tail` is still `guess` when we read the stamp, exactly as if
    // we had just loaded it. The CAS checks that it still is (and fails on a closed tail,
    // whose mark bit the guess never has).
    let tail = this.nextPut;
    let stamp = this.stampOf(tail);
    let known = false;
    let raced = false;
    if (stamp === tail) {
      if (this.casPut(tail, 1, 1)) return tail & this.indexMask;
      tail = this.seen;
      raced = true;
    } else {
      // If `tail` is still the guess, the stamp read before it answers the question the loop
      // asks, as of the moment we read it (consumers only ever move that slot on towards "free
      // for `guess`"). Saves one load per failed attempt (a full ring's spin is made of them).
      const guess = tail;
      tail = Atomics.load(cells, this.tail);
      known = tail === guess;
    }
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if ((tail & this.markBit) !== 0) return this.giveUp(E_PUT_START, raced, CLOSED);
      if (!known) stamp = this.stampOf(tail);
      known = false;
      if (stamp === tail) {
        if (this.casPut(tail, 1, 1)) return tail & this.indexMask;
        tail = this.seen; // another producer won this slot: try the next one
        raced = true;
        continue;
      }
      const last = (tail - this.oneLap) | 0; // the same slot, one lap earlier
      if (this.holdsItemOrHole(stamp, last)) {
        // The slot still holds last lap's item (or hole), so `tail` was not stale. Full if no
        // consumer has claimed it yet; otherwise a consumer is between claim and free.
        const head = Atomics.load(cells, this.head) & ~this.markBit;
        return this.giveUp(E_PUT_START, raced, head === last ? FULL : STALLED);
      }
      if (stamp === last) {
        // Last lap's producer claimed this slot and has not published it: consumers cannot
        // pass it, so the ring is full as far as we are concerned (they will repair it).
        return this.giveUp(E_PUT_START, raced, FULL);
      }
      tail = Atomics.load(cells, this.tail); // we read a stale tail: reload
    }
    return this.giveUp(E_PUT_START, raced, BUSY);
  }

  private giveUp(start: number, raced: boolean, result: number): number {
    if (raced) this.forget(start);
    return result;
  }

  /** Records the intent, then tries the CAS `tail: position -> position + count`. */
  private casPut(position: number, count: number, items: number): boolean {
    if (!this.claim(this.tail, E_PUT_START, position, count, items)) return false;
    this.nextPut = this.claimEnd;
    return true;
  }

  /** Where the last successful {@link claim} moved `head` / `tail` to. */
  private claimEnd = 0;

  /**
   * One claim of `count` positions from `position` holding `items` items (fewer than `count`
   * for a value spanning slots): records the intent in this agent's row (`start`), then tries
   * the CAS of `word` (`head` or `tail`) from `position` to `position + count`.
   */
  private claim(
    word: number,
    start: number,
    position: number,
    count: number,
    items: number,
  ): boolean {
    this.intend(start, position, count, items);
    const next = count === 1 ? this.next(position) : this.advance(position, count);
    const seen = Atomics.compareExchange(this.cells, word, position, next);
    if (seen !== position) {
      this.seen = seen;
      return false;
    }
    // Applied before any slot is written or freed: an agent that dies after has counted it.
    this.apply(start);
    this.claimed = position;
    this.claimedCount = count;
    this.claimEnd = next;
    return true;
  }

  /**
   * A hint for a putter waiting for room: whether the slot `count - 1` places past `tail` is
   * free for its position now (or the queue is closed, which the putter must attempt to see).
   * Consumers free slots in order (nearly so when several consume), so it usually means that
   * `count` slots in a row are free. Two loads, neither on a line the consumers are working on
   * while the ring is full: it claims nothing, and only ever delays an attempt.
   */
  roomAhead(count: number): boolean {
    const tail = Atomics.load(this.cells, this.tail);
    if ((tail & this.markBit) !== 0) return true;
    const position = this.advance(tail, count - 1);
    return this.stampOf(position) === position;
  }

  /**
   * Publishes the value written into the slot claimed by {@link claimPut}. Returns `false`
   * when the claim was revoked meanwhile (the queue was closed, or this agent was taken for
   * dead): nothing was published, and the caller tries again with a new claim.
   */
  commitPut(index: number): boolean {
    const position = this.claimed;
    const stamps = this.stamps;
    if (
      Atomics.compareExchange(this.cells, stamps + index, position, (position + 1) | 0) === position
    )
      return true;
    this.countHoles(1);
    return false;
  }

  private countHoles(count: number): void {
    if (this.own >= 0) this.cells[this.own + E_HOLES] = this.cells[this.own + E_HOLES]! + count;
  }

  /**
   * Claims up to `max` (at most `capacity`) consecutive slots for a put with one CAS. Returns
   * how many (0 when full), {@link CLOSED}, {@link STALLED} (see {@link claimPut}) or
   * {@link BUSY}; slot `i` of the batch is
   * `indexAt(i)`. Write them all, then {@link commitPutMany}.
   */
  claimPutMany(max: number): number {
    return this.claimRun(max, false);
  }

  /**
   * The claim behind {@link claimPutMany} and {@link claimPutSpan}: up to `max` consecutive free
   * slots from `tail` with one CAS (`whole`: exactly `max`, for one spanning value, or none).
   * Returns how many, 0 when full (for a span: fewer than `max` free), {@link CLOSED},
   * {@link STALLED} or {@link BUSY}.
   */
  private claimRun(max: number, whole: boolean): number {
    const cells = this.cells;
    this.claimedCount = 0; // a failed claim commits nothing
    this.putStalledAt = undefined;
    let tail = Atomics.load(cells, this.tail);
    let raced = false;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if ((tail & this.markBit) !== 0) return this.giveUp(E_PUT_START, raced, CLOSED);
      const count = this.runOf(tail, max, 0);
      const position = this.advance(tail, count);
      if (count === max || (count > 0 && !whole)) {
        if (this.casPut(tail, count, whole ? 1 : count)) return count;
        tail = this.seen;
        raced = true;
        continue;
      }
      // The slot at `position` is not free for this lap.
      const stamp = this.stampOf(position);
      const last = (position - this.oneLap) | 0; // the same slot, one lap earlier
      if (this.holdsItemOrHole(stamp, last)) {
        // It still holds last lap's item (or hole): full if no consumer has claimed it yet
        // (`head` not past it), else claimed by a consumer between claim and free (see claimPut).
        const head = Atomics.load(cells, this.head) & ~this.markBit;
        if (this.distance(last, head) <= 0) return this.giveUp(E_PUT_START, raced, 0);
        this.putStalledAt = position;
        return this.giveUp(E_PUT_START, raced, STALLED);
      }
      if (stamp === last) return this.giveUp(E_PUT_START, raced, 0);
      tail = Atomics.load(cells, this.tail); // stale, or the slot moved on meanwhile: look again
    }
    return this.giveUp(E_PUT_START, raced, BUSY);
  }

  /** Index of the slot `offset` places after the first slot of the last claim. */
  indexAt(offset: number): number {
    const index = (this.claimed & this.indexMask) + offset;
    return index < this.capacity ? index : index - this.capacity;
  }

  /**
   * Publishes the slots of a batch claimed by {@link claimPutMany}, in order. Returns how many
   * were published: fewer than claimed when a claim was revoked, in which case this agent
   * revokes the rest of its batch itself (so that its items stay in order) and the caller puts
   * the values from that one on again.
   */
  commitPutMany(): number {
    const { cells, stamps, capacity } = this;
    const count = this.claimedCount;
    let index = this.claimed & this.indexMask;
    let position = this.claimed;
    if (count === 0) return 0;
    // The first slot is published with a CAS (the release, and the one point where a revoked
    // claim is noticed); the others with plain stores after it. No consumer can reach them
    // before it has passed the first one, and it passes the first one only after reading its
    // new stamp (synchronising with this CAS) or after a consumer that did so moved `head`
    // (synchronising through `head`): either way our value writes are visible to it. A claim
    // is only revoked from under a live producer at its first slot (see repairGet), so the
    // plain stores never overwrite a hole. One atomic per batch instead of one per slot.
    if (Atomics.compareExchange(cells, stamps + index, position, (position + 1) | 0) !== position) {
      // Revoked: revoke our remaining slots too (CAS: a revoker may have done some), so no
      // later value of ours is published before this one.
      for (let k = 1; k < count; k++) {
        position = this.next(position);
        index = index + 1 === capacity ? 0 : index + 1;
        Atomics.compareExchange(cells, stamps + index, position, this.hole(position));
      }
      this.countHoles(count);
      return 0;
    }
    let lap = position & this.lapMask;
    for (let k = 1; k < count; k++) {
      if (++index === capacity) {
        index = 0;
        lap = (lap + this.oneLap) | 0;
      }
      cells[stamps + index] = (lap + index + 1) | 0;
    }
    return count;
  }

  /**
   * Claims `span` consecutive slots (2 .. capacity) for one value that spans them, with one
   * CAS, all or none. Returns the first slot's index, {@link FULL} (fewer than `span` slots are
   * free now), {@link CLOSED}, {@link STALLED} (a slot inside the span still holds last lap's
   * item, claimed by a consumer that has not freed it: {@link repairPut} looks there) or
   * {@link BUSY}. Write the value across the slots, then {@link commitPutSpan}.
   */
  claimPutSpan(span: number): number {
    // Before any span is claimed (so before any can be seen): from now on `size` counts items.
    const seen = this.spansSeen;
    if (seen >= 0 && this.cells[seen] === 0) Atomics.store(this.cells, seen, 1);
    // While `tail` stays `tail`, free stamps at and after it stay free (see the batch note).
    const count = this.claimRun(span, true);
    return count > 0 ? this.claimed & this.indexMask : count === 0 ? FULL : count;
  }

  /**
   * Publishes the value written across the slots claimed by {@link claimPutSpan}. Returns
   * `false` when the claim was revoked meanwhile (closed, or this agent taken for dead): then
   * nothing was published and every slot of the span is a hole.
   *
   * Order: the continuation slots (all but the first) get *hole* stamps first, with plain
   * stores, and then the first slot is published with a CAS, the release of everything: the
   * value's bytes in every slot, its length, and the continuation stamps. No consumer reaches a
   * continuation slot before it has passed the first (positions are claimed in order), and it
   * passes the first only by claiming the whole span (it reads the span from the first slot
   * after seeing its stamp full, which synchronises with our CAS) or, when the first was
   * revoked into a hole, by passing holes one at a time: the continuation slots are holes too
   * by then, or become holes within a moment (our plain stores, or a repairer's CAS if we die).
   * Nobody else writes these stamps meanwhile: a live producer's claim is only ever revoked at
   * its first slot (see {@link repairGet}).
   */
  commitPutSpan(): boolean {
    const { cells, stamps, capacity } = this;
    const first = this.claimed;
    let position = first;
    let index = first & this.indexMask;
    for (let k = 1; k < this.claimedCount; k++) {
      position = this.next(position);
      index = index + 1 === capacity ? 0 : index + 1;
      cells[stamps + index] = this.hole(position);
    }
    index = first & this.indexMask;
    if (Atomics.compareExchange(cells, stamps + index, first, (first + 1) | 0) === first)
      return true;
    this.countHoles(1);
    return false;
  }

  // ---------------------------------------------------------------- get

  /**
   * Claims one item for a get. Returns its slot's index, {@link EMPTY_RING}, {@link CLOSED}
   * (closed and drained), {@link STALLED} (the next item's producer has claimed its slot and
   * not published it) or {@link BUSY}. The caller reads the value, then calls
   * {@link commitGet}. Holes are passed over on the way.
   */
  claimGet(): number {
    const cells = this.cells;
    // Fast path on the guess, as in claimPut.
    let head = this.nextGet;
    let stamp = this.stampOf(head);
    let known = false;
    let raced = false;
    if (stamp === ((head + 1) | 0)) {
      if (this.casGet(head, this.spanAt === undefined ? 1 : this.spanOf(head), 1))
        return head & this.indexMask;
      head = this.seen;
      raced = true;
    } else {
      // As in claimPut: if `head` is still the guess, the stamp read before it serves.
      const guess = head;
      head = Atomics.load(cells, this.head);
      known = head === guess;
    }
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if ((head & this.markBit) !== 0) return this.giveUp(E_GET_START, raced, CLOSED);
      if (!known) stamp = this.stampOf(head);
      known = false;
      if (stamp === ((head + 1) | 0)) {
        if (this.casGet(head, this.spanAt === undefined ? 1 : this.spanOf(head), 1))
          return head & this.indexMask;
        head = this.seen;
        raced = true;
        continue;
      }
      if (stamp === this.hole(head)) {
        // A revoked position: claim it like an item (so that one consumer passes it), free it
        // for the next lap, and go on to the next position.
        if (this.casGet(head, 1, 0)) {
          Atomics.store(cells, this.stamps + (head & this.indexMask), (head + this.oneLap) | 0);
          this.passed++;
          head = this.nextGet;
          this.claimedCount = 0; // nothing to commit for a hole
        } else {
          head = this.seen;
        }
        raced = true;
        continue;
      }
      if (stamp === head) {
        // Not published: empty if no producer has claimed it, else its producer is between
        // claim and commit.
        const tail = Atomics.load(cells, this.tail);
        if ((tail & ~this.markBit) === head)
          return this.giveUp(E_GET_START, raced, (tail & this.markBit) !== 0 ? CLOSED : EMPTY_RING);
        return this.giveUp(E_GET_START, raced, STALLED);
      }
      const last = (head - this.oneLap) | 0;
      if (this.holdsItemOrHole(stamp, last)) {
        // Last lap's item is still claimed by its consumer, so no producer has passed this
        // slot: `tail` is `head`, the ring is empty (closed and drained if tail is marked).
        const tail = Atomics.load(cells, this.tail);
        return this.giveUp(E_GET_START, raced, (tail & this.markBit) !== 0 ? CLOSED : EMPTY_RING);
      }
      head = Atomics.load(cells, this.head); // stale head: reload
    }
    return this.giveUp(E_GET_START, raced, BUSY);
  }

  /** Records the intent, then tries the CAS `head: position -> position + count`. */
  private casGet(position: number, count: number, items: number): boolean {
    if (!this.claim(this.head, E_GET_START, position, count, items)) return false;
    this.nextGet = this.claimEnd;
    return true;
  }

  /**
   * Hands the slot claimed by {@link claimGet} (all the slots of a spanning value) to the
   * producers of the next lap. Returns how many slots were freed.
   */
  commitGet(index: number): number {
    if (this.claimedCount !== 1) return this.commitGetMany();
    Atomics.store(this.cells, this.stamps + index, (this.claimed + this.oneLap) | 0);
    return 1;
  }

  /**
   * First half of an optimistic batch get: finds up to `max` consecutive full slots from
   * `head` without claiming them. Returns how many (their indices: `scannedIndex(i)`), 0 when
   * there is nothing to take now (then `scanResult` says why: {@link EMPTY_RING},
   * {@link CLOSED}, {@link STALLED}, {@link BUSY}). The caller copies (or decodes) the values,
   * then claims them with {@link claimScanned}, which fails if anything changed meanwhile.
   */
  scanGet(max: number): number {
    const cells = this.cells;
    let head = Atomics.load(cells, this.head);
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if ((head & this.markBit) !== 0) return this.scanEnd(CLOSED);
      const count =
        this.spanAt === undefined ? this.runOf(head, max, 1) : this.scanSpans(head, max);
      if (count > 0) {
        this.scanned = head;
        return count;
      }
      const stamp = this.stampOf(head);
      if (stamp === this.hole(head)) {
        // Pass the hole (claim and free it), then look again.
        if (this.casGet(head, 1, 0)) {
          Atomics.store(cells, this.stamps + (head & this.indexMask), (head + this.oneLap) | 0);
          this.passed++;
          head = this.nextGet;
          this.claimedCount = 0; // nothing to commit for a hole
        } else {
          head = this.seen;
          this.forget(E_GET_START);
        }
        continue;
      }
      if (stamp === head) {
        const tail = Atomics.load(cells, this.tail);
        if ((tail & ~this.markBit) === head)
          return this.scanEnd((tail & this.markBit) !== 0 ? CLOSED : EMPTY_RING);
        return this.scanEnd(STALLED);
      }
      const last = (head - this.oneLap) | 0;
      if (this.holdsItemOrHole(stamp, last)) {
        const tail = Atomics.load(cells, this.tail);
        return this.scanEnd((tail & this.markBit) !== 0 ? CLOSED : EMPTY_RING);
      }
      head = Atomics.load(cells, this.head);
    }
    return this.scanEnd(BUSY);
  }

  /**
   * {@link scanGet}'s walk when values may span slots: item by item, each taking the slots its
   * first slot says (continuation slots carry hole stamps, see "Values that span slots"), never
   * more than a lap in all. What it reads is only trusted once {@link claimScanned}'s CAS wins:
   * then `head` never moved, no slot found was freed, and every span read was the producer's.
   */
  private scanSpans(head: number, max: number): number {
    const ends = this.scanEnds!;
    let position = head;
    let count = 0;
    let slots = 0;
    while (count < max && this.stampOf(position) === ((position + 1) | 0)) {
      const span = this.spanOf(position);
      if (slots + span > this.capacity) break;
      slots += span;
      ends[count++] = slots;
      position = span === 1 ? this.next(position) : this.advance(position, span);
    }
    return count;
  }

  /** Why the last {@link scanGet} found nothing. */
  scanResult = EMPTY_RING;

  private scanEnd(result: number): number {
    this.scanResult = result;
    return 0;
  }

  /** Index of the `offset`-th slot found by the last {@link scanGet}. */
  scannedIndex(offset: number): number {
    const index = (this.scanned & this.indexMask) + offset;
    return index < this.capacity ? index : index - this.capacity;
  }

  /** Index of the first slot of the `item`-th item found by the last {@link scanGet}. */
  scannedItemIndex(item: number): number {
    return this.scannedIndex(
      item === 0 || this.scanEnds === undefined ? item : this.scanEnds[item - 1]!,
    );
  }

  /**
   * Claims the first `count` items the last {@link scanGet} found, with one CAS. Returns
   * `false` if another consumer took any of them first (the values copied are then void: scan
   * again). Then {@link commitGetMany}.
   */
  claimScanned(count: number): boolean {
    const slots = this.scanEnds === undefined ? count : this.scanEnds[count - 1]!;
    if (this.casGet(this.scanned, slots, count)) return true;
    this.forget(E_GET_START);
    return false;
  }

  /** Claims up to `max` items with one CAS (scan, then claim); see {@link scanGet}. */
  claimGetMany(max: number): number {
    this.claimedCount = 0; // a failed claim frees nothing
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const count = this.scanGet(Math.min(max, this.capacity));
      if (count === 0) return this.scanResult === CLOSED ? CLOSED : 0;
      if (this.claimScanned(count)) return count;
    }
    return 0;
  }

  /**
   * Frees the slots of the batch claimed by {@link claimScanned}/{@link claimGetMany} (or of a
   * spanning value), in order. Returns how many slots were freed.
   */
  commitGetMany(): number {
    const { cells, stamps, capacity, oneLap } = this;
    const count = this.claimedCount;
    let index = this.claimed & this.indexMask;
    let lap = this.claimed & this.lapMask;
    if (count === 0) return 0;
    // As in commitPutMany: the first slot is freed with an atomic store (the release: our reads
    // of every value of the batch come before it), the others with plain stores after it; a
    // producer reaches them only through the first. A live consumer's claim is never revoked,
    // so nothing else writes these stamps meanwhile.
    Atomics.store(cells, stamps + index, (lap + index + oneLap) | 0);
    for (let i = 1; i < count; i++) {
      if (++index === capacity) {
        index = 0;
        lap = (lap + oneLap) | 0;
      }
      cells[stamps + index] = (lap + index + oneLap) | 0;
    }
    return count;
  }

  // ---------------------------------------------------------------- repair

  /**
   * After {@link claimGet} returned {@link STALLED}: revokes the claim on the slot at `head` if
   * every agent that may hold it has exited, or if `closed` (any claimant: its commit then
   * fails and its put sees the queue closed). A dead claimant's whole batch is revoked with it.
   * Returns whether anything changed (then claim again).
   */
  repairGet(closed: boolean): boolean {
    const head = Atomics.load(this.cells, this.head);
    if ((head & this.markBit) !== 0) return true; // closed with immediate: claims now say so
    if (this.stampOf(head) !== head) return true;
    const tail = Atomics.load(this.cells, this.tail);
    if ((tail & ~this.markBit) === head) return true; // empty, not stalled
    // No agent has exited and the queue is open: the claimant is alive, nothing to repair.
    // (An agent is marked exited before the count moves: a repair that misses the mark by
    // that moment is made by the next attempt; stalled calls poll.)
    if (!closed && this.agents.exits?.() === 0) return false;
    const { alive, dead } = this.claimants(E_PUT_START, head);
    if (!alive && dead.length > 0) {
      let revoked = 0;
      for (const id of dead) revoked += this.revokeClaim(id);
      return revoked > 0 || this.stampOf(head) !== head;
    }
    if (!closed || !this.firstOfLiveClaims(head)) return false;
    Atomics.compareExchange(
      this.cells,
      this.stamps + (head & this.indexMask),
      head,
      this.hole(head),
    );
    return true;
  }

  /**
   * Whether `position` is the first slot of every live claim covering it (and there is one):
   * only there may a live producer's claim be revoked (on close). Its later slots are published
   * with plain stores once the first is (see commitPutMany): revoking one of them could be
   * overwritten. They are published (or revoked by the producer itself) within a moment.
   */
  private firstOfLiveClaims(position: number): boolean {
    const cells = this.cells;
    let found = false;
    for (let row = 0; row < this.rows; row++) {
      const at = this.table + row * ENTRY_WORDS;
      const count = cells[at + E_PUT_COUNT]!;
      if (count <= 0) continue;
      const offset = this.distance(cells[at + E_PUT_START]!, position);
      if (offset < 0 || offset >= count || this.agents.hasExited(row + 1)) continue;
      if (offset !== 0) return false;
      found = true;
    }
    return found;
  }

  /**
   * Revokes whatever is still unpublished of dead agent `id`'s last put claim: each position
   * `tail` has passed whose stamp still says "claimed" and that no live agent may hold (the
   * intent may be a stale one, from a CAS the agent lost).
   */
  private revokeClaim(id: number): number {
    const cells = this.cells;
    const at = this.table + (id - 1) * ENTRY_WORDS;
    const start = cells[at + E_PUT_START]!;
    const count = cells[at + E_PUT_COUNT]!;
    // A value spanning `count` slots is one item: it is lost if its first slot is revoked.
    const spanning = cells[at + E_PUT_ITEMS]! < count;
    let revoked = 0;
    let holes = 0;
    let position = start;
    for (let i = 0; i < count; i++, position = this.next(position)) {
      const slot = this.stamps + (position & this.indexMask);
      if (Atomics.load(cells, slot) !== position) continue;
      const tail = Atomics.load(cells, this.tail) & ~this.markBit;
      if (this.distance(position, tail) <= 0) continue;
      if (this.claimants(E_PUT_START, position).alive) continue;
      if (Atomics.compareExchange(cells, slot, position, this.hole(position)) === position) {
        revoked++;
        if (!spanning || i === 0) holes++;
      }
    }
    if (revoked > 0) {
      // The claim was real (we found its slots still claimed): make sure it counts, then count
      // what was revoked. Idempotent, so two survivors repairing at once agree.
      cells[at + E_PUT] = cells[at + E_PUT_AFTER]!;
      if (holes > 0) Atomics.add(cells, at + E_HOLES, holes);
    }
    return revoked;
  }

  /**
   * After {@link claimPut} returned {@link STALLED}: frees the slot at `tail` (last lap's item,
   * claimed by a consumer that has not freed it) if every agent that may hold it has exited,
   * with the rest of that agent's batch. The items are lost with it and counted as such.
   * Returns whether anything changed (then claim again).
   */
  repairPut(): boolean {
    const tail = Atomics.load(this.cells, this.tail);
    if ((tail & this.markBit) !== 0) return true;
    // A span's claim stopped inside the span (claimPutSpan): that slot, else the one at `tail`.
    const at = this.putStalledAt ?? tail;
    this.putStalledAt = undefined;
    const last = (at - this.oneLap) | 0;
    const stamp = this.stampOf(last);
    if (!this.holdsItemOrHole(stamp, last)) return true;
    if (this.agents.exits?.() === 0) return false; // no claimant can be dead (see repairGet)
    const { alive, dead } = this.claimants(E_GET_START, last);
    if (alive || dead.length === 0) return false;
    let freed = 0;
    for (const id of dead) freed += this.freeClaim(id);
    return freed > 0 || this.stampOf(last) !== stamp;
  }

  /** Frees whatever is still claimed of dead agent `id`'s last get claim; counts it lost. */
  private freeClaim(id: number): number {
    const cells = this.cells;
    const at = this.table + (id - 1) * ENTRY_WORDS;
    const start = cells[at + E_GET_START]!;
    const count = cells[at + E_GET_COUNT]!;
    let freed = 0;
    let lost = 0;
    let position = start;
    for (let i = 0; i < count; i++, position = this.next(position)) {
      const slot = this.stamps + (position & this.indexMask);
      const stamp = Atomics.load(cells, slot);
      const item = stamp === ((position + 1) | 0);
      if (!item && stamp !== this.hole(position)) continue;
      // Only if the position was claimed (head past it) and nobody alive may hold it.
      const head = Atomics.load(cells, this.head) & ~this.markBit;
      if (this.distance(position, head) <= 0) continue;
      const { alive } = this.claimants(E_GET_START, position);
      if (alive) continue;
      if (Atomics.compareExchange(cells, slot, stamp, (position + this.oneLap) | 0) === stamp) {
        freed++;
        if (item) lost++;
      }
    }
    if (freed > 0) {
      cells[at + E_GOT] = cells[at + E_GOT_AFTER]!;
      if (lost > 0) {
        Atomics.add(cells, at + E_LOST, lost);
        this.agents.recordLoss?.(id, lost);
      }
    }
    return freed;
  }

  /**
   * Repairs every claim of an exited agent that is still open (revokes unpublished put slots,
   * frees unfreed get slots), wherever it lies. Returns how many slots changed.
   */
  sweep(): number {
    let changed = 0;
    const cells = this.cells;
    for (let row = 0; row < this.rows; row++) {
      const at = this.table + row * ENTRY_WORDS;
      const puts = cells[at + E_PUT_COUNT]! > 0;
      const gets = cells[at + E_GET_COUNT]! > 0;
      if ((!puts && !gets) || !this.agents.hasExited(row + 1)) continue;
      if (puts) changed += this.revokeClaim(row + 1);
      if (gets) changed += this.freeClaim(row + 1);
    }
    return changed;
  }

  /** Items each exited agent took with it (claimed by a get, never freed), by agent id. */
  losses(): { id: number; items: number }[] {
    const out: { id: number; items: number }[] = [];
    for (let row = 0; row < this.rows; row++) {
      const lost = Atomics.load(this.cells, this.table + row * ENTRY_WORDS + E_LOST);
      if (lost > 0) out.push({ id: row + 1, items: lost });
    }
    return out;
  }

  /** Figures of every agent that used this queue (for accounting in tests and diagnostics). */
  agentFigures(): AgentFigures[] {
    const out: AgentFigures[] = [];
    const cells = this.cells;
    for (let row = 0; row < this.rows; row++) {
      const at = this.table + row * ENTRY_WORDS;
      const claimedPuts = cells[at + E_PUT]!;
      const got = cells[at + E_GOT]!;
      if (
        claimedPuts === 0 &&
        got === 0 &&
        cells[at + E_PUT_COUNT] === 0 &&
        cells[at + E_GET_COUNT] === 0
      )
        continue;
      out.push({
        id: row + 1,
        claimedPuts,
        holes: cells[at + E_HOLES]!,
        got,
        lost: cells[at + E_LOST]!,
      });
    }
    return out;
  }

  /**
   * Who holds the slot a stalled call waits on, in words (for error messages): the claimants of
   * the slot at `head` (`get`) or last lap's slot at `tail` (`put`).
   */
  describeStall(op: 'put' | 'get'): string | undefined {
    const position =
      op === 'get'
        ? Atomics.load(this.cells, this.head) & ~this.markBit
        : ((Atomics.load(this.cells, this.tail) & ~this.markBit) - this.oneLap) | 0;
    // Only while the slot is still held: claimed and unpublished (get), or last lap's item or
    // hole not yet freed (put). A slot freed since the call stalled is nobody's, and the
    // intents that cover it may be stale: naming them would blame an agent that finished.
    const stamp = this.stampOf(position);
    const held = op === 'get' ? stamp === position : this.holdsItemOrHole(stamp, position);
    if (!held) return undefined;
    const { alive, dead } = this.claimants(op === 'get' ? E_PUT_START : E_GET_START, position);
    const names: string[] = [];
    for (let row = 0; row < this.rows; row++) {
      const at = this.table + row * ENTRY_WORDS + (op === 'get' ? E_PUT_START : E_GET_START);
      const count = this.cells[at + 1]!;
      if (count <= 0) continue;
      const offset = this.distance(this.cells[at]!, position);
      if (offset >= 0 && offset < count) names.push(`'${this.agents.agentName(row + 1)}'`);
    }
    if (names.length === 0 && !alive && dead.length === 0) return undefined;
    const who = names.join(' or ');
    return op === 'get'
      ? `the next item's slot is claimed by ${who}, which has not published it`
      : `the next free slot is still claimed by ${who}, which has not freed it${alive ? '' : ' (exited)'}`;
  }

  // ---------------------------------------------------------------- close and size

  /** Sets the closed mark on `tail`; later claims for a put return {@link CLOSED}. */
  close(): boolean {
    const before = Atomics.or(this.cells, this.tail, this.markBit);
    return (before & this.markBit) === 0;
  }

  /**
   * Sets the mark bit on `head` too, for `close({ immediate: true })`: every later claim for a
   * get returns {@link CLOSED}, even with items left, so what is left is dropped where it lies.
   * The mark is decided by the same CAS as a claim: a consumer's CAS on `head` either came first
   * (it took its item before the close) or fails on the mark.
   */
  closeGets(): void {
    Atomics.or(this.cells, this.head, this.markBit);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return (Atomics.load(this.cells, this.tail) & this.markBit) !== 0;
  }

  /** Items in the ring now (claimed-but-unpublished ones and holes included), as crossbeam's `len()`. */
  get size(): number {
    const cells = this.cells;
    for (let tries = 0; ; tries++) {
      const tail = Atomics.load(cells, this.tail);
      const head = Atomics.load(cells, this.head);
      // Only trust the pair if tail did not move while we read head (bounded: after many
      // tries, the last pair read is a fair answer for a value that is stale anyway).
      if (Atomics.load(cells, this.tail) !== tail && tries < MAX_TRIES) continue;
      if ((head & this.markBit) !== 0) return 0; // closeGets(): what is left was dropped
      const size = Math.max(0, Math.min(this.capacity, this.distance(head, tail & ~this.markBit)));
      if (this.spansSeen < 0 || this.spanAt === undefined || cells[this.spansSeen] === 0)
        return size;
      return this.itemsIn(head, size);
    }
  }

  /**
   * Items in the `slots` positions from `head`, once values have spanned slots: a spanning
   * value counts once (its continuation slots are holes), a hole not at all, a claimed slot not
   * yet published once. A walk over the ring, as stale as any size (slots may change under it).
   */
  private itemsIn(head: number, slots: number): number {
    let items = 0;
    let position = head;
    for (let i = 0; i < slots;) {
      const stamp = this.stampOf(position);
      let step = 1;
      if (stamp === ((position + 1) | 0)) {
        step = Math.min(this.spanOf(position), slots - i);
        items++;
      } else if (stamp !== this.hole(position)) items++;
      i += step;
      position = step === 1 ? this.next(position) : this.advance(position, step);
    }
    return items;
  }
}
