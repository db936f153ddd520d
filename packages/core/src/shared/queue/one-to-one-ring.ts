/**
 * The ring behind a one-to-one {@link SharedQueue} (`oneToOne: true`): one producer and one
 * consumer at a time, so each side owns one index, as in a classic single-producer
 * single-consumer ring buffer (Lamport's, and ringbuf.js's): the producer alone moves `tail`,
 * the consumer alone moves `head`, and a batch costs one copy and one atomic write per side.
 * No slot is ever claimed: a side reads the other's index, works on the slots between, and
 * moves its own index past them. So there are no marks, no claim intents to repair, and an
 * agent that dies mid-call wedges nothing (nothing is half-published: a put that dies before
 * moving `tail` published nothing; a get that dies before moving `head` took nothing).
 *
 * ## Roles
 *
 * The first agent to put takes the *producer role* (its registry id in the word
 * `producerRole`, by CAS), the first to get the *consumer role*. A put or get by another agent
 * while the holder lives throws {@link RoleError}: two producers moving one index would lose
 * items. Once the holder has exited (`registry.hasExited`: `watchWorker` saw its worker end,
 * or `agentExited` said so), the next agent takes the role over, after settling the dead
 * holder's books (below). A role is an agent's, not a queue object's: every call reads its own
 * index from the buffer, so two objects of one queue in one agent take turns safely (an agent
 * runs one call at a time).
 *
 * The takeover is safe because an exit is reported only once the agent can no longer run
 * (Node's `exit` event of a watched worker). Should one be reported early, the old holder
 * reads the role word (a plain load) right before each publishing (freeing) CAS, and stops once
 * it finds its successor there. Until then it may still write: a put of its that was already
 * writing slots while the successor wrote the same ones may leave either's values there, and,
 * as the memory model lets a plain load return an older value, a put that read its own index
 * stale (see "Own index") may write over slots the successor has published. (The many-to-many
 * ring revokes such a claim instead.) An agent whose exit the registry can never report (an id
 * past its `maxAgents`) may not take a role at all: it could never be taken over.
 *
 * A put on a closed queue, and a get on a closed and drained one, say closed before any role is
 * taken, so that any agent's loop ends as with a many-to-many queue.
 *
 * ## Put and get
 *
 * A put loads `tail` (its own word: a cache hit), finds room from `head` (the consumer's word,
 * loaded again only when the room last seen is short of the call's need), writes the values,
 * then moves `tail` with a CAS `t -> t + k`: the release that publishes them. A get mirrors it:
 * `head` from its own word, published items from `tail` (loaded again when short), copy out,
 * then a CAS `h -> h + k` that frees the slots. The CAS, not a store, because `close()` sets
 * the mark bit in `tail` (and `close({ immediate: true })` in `head`) from any agent: a store
 * could wipe it. A CAS that fails means exactly that: the queue was closed in between, the
 * put published nothing, the get took nothing (its copy is dropped), and the next claim says
 * closed. (On x86 an atomic store is a locked exchange too, so the CAS costs the same.) The
 * publish and the free also give up, before their CAS, when the role has passed on (see
 * "Roles"); the next claim then says who holds it.
 *
 * ## Own index
 *
 * A side reads its own index with a plain load, not an atomic one, once its last CAS of it
 * succeeded: while it holds the role, only this agent moves that index, and an agent sees its
 * own writes. Other agents write it to set close()'s mark bit (`tail`; `head` too for
 * `close({ immediate: true })`), and a successor moves it after a takeover (see "Roles"). A
 * plain load may miss the mark. A claim that found room or items then makes a CAS, which
 * compares the whole word and fails as a close in between does (nothing published, the copy
 * dropped), and the next claim loads the index atomically and says closed. A put that finds
 * the ring full makes no CAS, so it loads `tail` atomically before it says full; a get that
 * finds nothing ready has just loaded `tail`, where every close sets its mark, atomically.
 * In V8 an atomic load is a builtin call (about 5 ns here, a plain one under 1 ns): with the
 * role check and the gate's load made plain too, one-to-one single items ran 1.26x faster
 * between two workers (20 alternating rounds; see PERFORMANCE.md).
 *
 * Why the other side's index may be cached: `head` and `tail` only move forward, so an old
 * value of the other side's index is a lower bound: less room or fewer items than there are,
 * never more. The cache is trusted only while our own index is where we left it (else another
 * object of this agent moved it, and the cache may be laps old).
 *
 * ## Books
 *
 * The producer and consumer keep their totals in their claim-table rows (as `Ring` does), for
 * `figures()`: before the CAS, the intent (first position, positions, total after); after it,
 * the total. An agent that died between the two left its intent: whoever settles its books
 * (the next holder of its role, or `figures()`) counts the claim as made iff the index has
 * passed it, which only the dead agent could have done.
 *
 * @module
 */
import { RoleError } from '../../errors.js';
import {
  type AgentFigures,
  type Agents,
  E_GET_COUNT,
  E_GET_START,
  E_GOT,
  E_GOT_AFTER,
  E_PUT,
  E_PUT_AFTER,
  E_PUT_COUNT,
  E_PUT_START,
  ENTRY_WORDS,
  figuresIn,
  lossesIn,
} from '../ring.js';
import type { QueueRing } from './queue-ring.js';
import { CLOSED, EMPTY_RING, MAX_TRIES, RingBase } from './ring-base.js';

/** Word indices of a one-to-one ring's parts inside the queue's Int32Array. */
export interface OneToOneLayout {
  readonly head: number;
  readonly tail: number;
  /** Registry id of the agent holding the producer role (0: none yet). */
  readonly producerRole: number;
  /** Registry id of the agent holding the consumer role (0: none yet). */
  readonly consumerRole: number;
  /** First word of the claim table (books only here, {@link ENTRY_WORDS} per agent). */
  readonly table: number;
  readonly agents: number;
  /** A word set to 1 once any value has spanned slots (then `size` counts items). */
  readonly spansSeen: number;
}

export class OneToOneRing extends RingBase implements QueueRing {
  private readonly producerRole: number;
  private readonly consumerRole: number;
  private readonly table: number;
  private readonly rows: number;
  private readonly agents: Agents;
  /** For error messages. */
  private readonly name: string;
  /** Word index of this agent's row, or -1 when untracked (no books kept). */
  private readonly own: number;
  /** Whether this agent holds the producer / consumer role (a live agent's role is never taken). */
  private producing = false;
  private consuming = false;
  /** The producer's cache: `head` as last loaded, valid while `tail` is still `tailLeft`. */
  private headSeen = 0;
  private tailLeft = -1;
  /** The consumer's cache: `tail` as last loaded (mark bit cleared), valid while `head` is `headLeft`. */
  private tailSeen = 0;
  private headLeft = -1;
  /**
   * Whether this object's last CAS of its own index (`tail` as producer, `head` as consumer)
   * succeeded: then the next claim reads that index with a plain load (see "Own index").
   */
  private tailOwn = false;
  private headOwn = false;
  /** The last claim's positions and items (its first position: `claimed`). */
  private claimedCount = 0;
  private claimedItems = 0;
  /** No holes here: nothing is ever revoked. */
  passed = 0;

  constructor(
    cells: Int32Array,
    layout: OneToOneLayout,
    capacity: number,
    agents: Agents,
    name: string,
  ) {
    super(cells, layout.head, layout.tail, layout.spansSeen, capacity);
    this.producerRole = layout.producerRole;
    this.consumerRole = layout.consumerRole;
    this.table = layout.table;
    this.rows = layout.agents;
    this.agents = agents;
    this.name = name;
    const self = agents.self;
    this.own = self >= 1 && self <= layout.agents ? layout.table + (self - 1) * ENTRY_WORDS : -1;
  }

  /** Makes the ring empty at `start` (lap-aligned: 0 for a new queue; tests start near the wrap). */
  init(start = 0): void {
    Atomics.store(this.cells, this.head, start);
    Atomics.store(this.cells, this.tail, start);
  }

  // ---------------------------------------------------------------- roles

  /**
   * Takes the producer (`put`) or consumer role for this agent, or throws {@link RoleError}
   * while a live agent holds it. Taking it over from an exited agent settles that agent's books
   * first, while the index is still where it left it.
   */
  private takeRole(op: 'put' | 'get'): void {
    const word = op === 'put' ? this.producerRole : this.consumerRole;
    const self = this.agents.self;
    const cells = this.cells;
    if (this.agents.canReportExit?.(self) === false) throw this.untrackedError(op);
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const holder = Atomics.load(cells, word);
      if (holder !== self) {
        if (holder !== 0 && !this.agents.hasExited(holder)) throw this.roleError(op, holder);
        if (Atomics.compareExchange(cells, word, holder, self) !== holder) continue;
        if (holder !== 0) this.settle(holder, op, true);
      }
      if (op === 'put') this.producing = true;
      else this.consuming = true;
      return;
    }
    throw this.roleError(op, Atomics.load(cells, word));
  }

  /**
   * A role held by an agent whose exit the registry cannot record (its id past the registry's
   * `maxAgents`) could never pass to another agent: refused up front rather than left to wedge
   * the queue once that agent is gone.
   */
  private untrackedError(op: 'put' | 'get'): RoleError {
    const role = op === 'put' ? 'producer' : 'consumer';
    return new RoleError(
      `${this.name}: ${op} by '${this.agents.agentName(this.agents.self)}' on a one-to-one SharedQueue: ` +
        `this agent (id ${this.agents.self}) has no row in the registry, which could never report its exit, ` +
        `so it cannot be the queue's ${role} (create the registry with more maxAgents)`,
    );
  }

  private roleError(op: 'put' | 'get', holder: number): RoleError {
    const role = op === 'put' ? 'producer' : 'consumer';
    const other = op === 'put' ? 'puts into' : 'gets from';
    return new RoleError(
      `${this.name}: ${op} by '${this.agents.agentName(this.agents.self)}' on a one-to-one SharedQueue, ` +
        `whose ${role} is '${this.agents.agentName(holder)}' (it ${other} the queue while it lives; ` +
        `use a queue without oneToOne for several ${role}s)`,
    );
  }

  /**
   * Counts the last claim of exited agent `id` (`op`: its puts or gets) if its index moved past
   * it, which only that agent could have done while it held the role (see "Books").
   */
  private settle(id: number, op: 'put' | 'get', holding = false): boolean {
    if (id < 1 || id > this.rows) return false;
    const cells = this.cells;
    const role = op === 'put' ? this.producerRole : this.consumerRole;
    const row = this.table + (id - 1) * ENTRY_WORDS;
    const [start, count, after, total, index] =
      op === 'put'
        ? [E_PUT_START, E_PUT_COUNT, E_PUT_AFTER, E_PUT, this.tail]
        : [E_GET_START, E_GET_COUNT, E_GOT_AFTER, E_GOT, this.head];
    const positions = cells[row + count]!;
    if (positions <= 0 || cells[row + after] === cells[row + total]) return false;
    const moved = Atomics.load(cells, index) & ~this.markBit;
    // Unless the caller holds the role now (a takeover), the index is `id`'s last only if `id`
    // still holds the role after the load: a successor takes the role (CAS) before it moves the
    // index, so a role word still naming `id` proves the load came before any such move.
    if (!holding && Atomics.load(cells, role) !== id) return false;
    if (this.distance(cells[row + start]!, moved) >= positions) {
      cells[row + total] = cells[row + after]!;
    }
    cells[row + count] = 0;
    return true;
  }

  /** Records the claim about to be made in this agent's row (plain stores: the CAS orders them). */
  private intend(
    start: number,
    position: number,
    count: number,
    after: number,
    items: number,
  ): void {
    const own = this.own;
    if (own < 0) return;
    const cells = this.cells;
    cells[own + start] = position;
    cells[own + after] = cells[own + after + 1]! + items;
    cells[own + start + 1] = count;
  }

  /** After the CAS: the claim counts. */
  private apply(after: number): void {
    if (this.own >= 0) this.cells[this.own + after + 1] = this.cells[this.own + after]!;
  }

  /**
   * Before a get by an agent without the consumer role: whether the queue is closed and drained
   * at `head` (then the get ends with ClosedError, whoever makes it: an iteration in any agent
   * ends); else takes the role.
   */
  private takeGets(head: number): boolean {
    const tail = Atomics.load(this.cells, this.tail);
    if ((tail & this.markBit) !== 0 && (tail & ~this.markBit) === head) return true;
    this.takeRole('get');
    return false;
  }

  /**
   * Whether this agent still holds the role in `word`, checked right before each publishing or
   * freeing CAS. A role only passes once its holder was reported exited; should that be reported
   * of an agent still running (a browser's `agentExited` right after `terminate()`, before the
   * worker stopped), it stops once it sees its successor here instead of producing (or
   * consuming) beside it. A plain load of a word on its own index's line: the word changes only
   * when a successor takes the role, and this check only guards against a report made too early
   * (the takeover's safety rests on reports made after the agent stopped, see "Roles"); an
   * atomic load is a builtin call in V8 (about 5 ns against under 1 ns) on every put and get.
   */
  private stillHolds(word: number): boolean {
    return this.cells[word] === this.agents.self;
  }

  // ---------------------------------------------------------------- put

  /**
   * Finds up to `max` free slots from `tail` (`whole`: exactly `max`, or none). Returns how many
   * (0: full), or {@link CLOSED}. Nothing is claimed: the slots are the producer's anyway.
   */
  private room(max: number, whole: boolean): number {
    const cells = this.cells;
    const tail = this.tailOwn ? cells[this.tail]! : Atomics.load(cells, this.tail);
    // Closed first: a put on a closed queue is a ClosedError whoever makes it.
    if ((tail & this.markBit) !== 0) return CLOSED;
    if (!this.producing) this.takeRole('put');
    let room = tail === this.tailLeft ? this.capacity - this.distance(this.headSeen, tail) : -1;
    if (room < max) {
      const head = Atomics.load(cells, this.head) & ~this.markBit;
      this.headSeen = head;
      this.tailLeft = tail;
      room = this.capacity - this.distance(head, tail);
    }
    const count = room < max ? (whole ? 0 : room) : max;
    // A full ring makes no CAS that would catch a close the plain load missed: look atomically,
    // so that a put retried on a full ring (a `tryPut` loop) sees the close (see "Own index").
    if (count === 0 && this.tailOwn && (Atomics.load(cells, this.tail) & this.markBit) !== 0) {
      this.tailOwn = false;
      return CLOSED;
    }
    this.claimed = tail;
    this.claimedCount = count;
    this.claimedItems = whole ? 1 : count;
    if (count > 0) this.intend(E_PUT_START, tail, count, E_PUT_AFTER, this.claimedItems);
    return count;
  }

  claimPut(): number {
    return this.claimResult(this.room(1, true));
  }

  claimPutSpan(span: number): number {
    const count = this.room(span, true);
    // Before the span is published (so before any reader can see it): `size` counts items.
    const seen = this.spansSeen;
    if (count > 0 && this.cells[seen] === 0) Atomics.store(this.cells, seen, 1);
    return this.claimResult(count);
  }

  claimPutMany(max: number): number {
    return this.room(max, false);
  }

  /**
   * Moves `tail` past the values written: the release that publishes them. Fails when `close()`
   * set the mark meanwhile, or when the producer role has passed on: then nothing was published.
   */
  private publish(): boolean {
    if (!this.stillHolds(this.producerRole)) {
      this.producing = false; // the next claim takes the role again, or says who holds it
      this.tailOwn = false;
      return false;
    }
    const end = this.advance(this.claimed, this.claimedCount);
    if (Atomics.compareExchange(this.cells, this.tail, this.claimed, end) !== this.claimed) {
      this.tailOwn = false; // closed meanwhile: the next claim loads the mark
      return false;
    }
    this.tailOwn = true;
    this.tailLeft = end;
    this.apply(E_PUT_AFTER);
    return true;
  }

  commitPut(_index: number): boolean {
    return this.publish();
  }

  commitPutMany(): number {
    const count = this.claimedCount;
    return count > 0 && this.publish() ? count : 0;
  }

  /** Nothing is ever claimed and left: there is nothing to repair. */
  repairPut(): boolean {
    return false;
  }

  roomAhead(count: number): boolean {
    const tail = Atomics.load(this.cells, this.tail);
    if ((tail & this.markBit) !== 0) return true;
    const head = Atomics.load(this.cells, this.head) & ~this.markBit;
    return this.capacity - this.distance(head, tail) >= count;
  }

  // ---------------------------------------------------------------- get

  /**
   * Published positions from `head` (at least `want` if there are), reloading `tail` when the
   * cached one is short; `-1` when there are none and the queue is closed.
   */
  private ready(head: number, want: number): number {
    let ready = head === this.headLeft ? this.distance(head, this.tailSeen) : -1;
    if (ready < want) {
      const tail = Atomics.load(this.cells, this.tail);
      this.tailSeen = tail & ~this.markBit;
      this.headLeft = head;
      ready = this.distance(head, this.tailSeen);
      if (ready === 0 && (tail & this.markBit) !== 0) return -1;
    }
    return ready;
  }

  /** `head`, as the consumer reads it before a claim (see "Own index"). */
  private ownHead(): number {
    return this.headOwn ? this.cells[this.head]! : Atomics.load(this.cells, this.head);
  }

  claimGet(): number {
    const head = this.ownHead();
    if ((head & this.markBit) !== 0) return CLOSED;
    if (!this.consuming && this.takeGets(head)) return CLOSED;
    const ready = this.ready(head, 1);
    if (ready < 0) return CLOSED;
    if (ready === 0) return EMPTY_RING;
    const span = this.spanAt === undefined ? 1 : this.spanOf(head);
    if (span > ready) return EMPTY_RING; // cannot be: a span is published whole
    this.claimed = head;
    this.claimedCount = span;
    this.claimedItems = 1;
    return head & this.indexMask;
  }

  /**
   * Moves `head` past the item read from {@link claimGet}'s slot (all of a span): frees it.
   * Returns the slots freed, or 0 when `close({ immediate: true })` came first: then the item
   * was dropped with the rest, and the caller must not return it.
   */
  commitGet(_index: number): number {
    return this.free() ? this.claimedCount : 0;
  }

  /**
   * The CAS that moves `head` past the last claim; false when gets were closed meanwhile, or
   * when the consumer role has passed on (then nothing was taken).
   */
  private free(): boolean {
    if (!this.stillHolds(this.consumerRole)) {
      this.consuming = false;
      this.headOwn = false;
      return false;
    }
    this.intend(E_GET_START, this.claimed, this.claimedCount, E_GOT_AFTER, this.claimedItems);
    const end = this.advance(this.claimed, this.claimedCount);
    if (Atomics.compareExchange(this.cells, this.head, this.claimed, end) !== this.claimed) {
      this.headOwn = false; // closed meanwhile: the next claim loads the mark
      return false;
    }
    this.headOwn = true;
    this.headLeft = end;
    this.apply(E_GOT_AFTER);
    return true;
  }

  scanGet(max: number): number {
    const head = this.ownHead();
    if ((head & this.markBit) !== 0) return this.scanEnd(CLOSED);
    if (!this.consuming && this.takeGets(head)) return this.scanEnd(CLOSED);
    const ready = this.ready(head, max);
    if (ready <= 0) return this.scanEnd(ready < 0 ? CLOSED : EMPTY_RING);
    this.scanned = head;
    if (this.spanAt === undefined) return ready < max ? ready : max;
    const count = this.scanSpans(head, ready, max);
    return count > 0 ? count : this.scanEnd(EMPTY_RING);
  }

  /** Frees the first `count` items the last {@link scanGet} found (the copy is done). */
  claimScanned(count: number): boolean {
    this.claimed = this.scanned;
    this.claimedCount = this.scanEnds === undefined ? count : this.scanEnds[count - 1]!;
    this.claimedItems = count;
    if (this.free()) return true;
    this.claimedCount = 0;
    return false;
  }

  /** The slots {@link claimScanned} freed (its CAS did it). */
  commitGetMany(): number {
    const count = this.claimedCount;
    this.claimedCount = 0;
    return count;
  }

  repairGet(_closed: boolean): boolean {
    return false;
  }

  readyAhead(count: number): boolean {
    const head = Atomics.load(this.cells, this.head);
    if ((head & this.markBit) !== 0) return true;
    const tail = Atomics.load(this.cells, this.tail);
    return (tail & this.markBit) !== 0 || this.distance(head, tail) >= count;
  }

  // ---------------------------------------------------------------- close, books, size

  /** Settles the books of exited role holders (see "Books"); returns how many changed. */
  sweep(): number {
    let changed = 0;
    for (const op of ['put', 'get'] as const) {
      const holder = Atomics.load(this.cells, op === 'put' ? this.producerRole : this.consumerRole);
      if (holder !== 0 && this.agents.hasExited(holder) && this.settle(holder, op)) changed++;
    }
    return changed;
  }

  /** Nothing is ever left claimed by a dead consumer here: its items are in its hands or in the queue. */
  losses(): { id: number; items: number }[] {
    return lossesIn(this.cells, this.table, this.rows);
  }

  agentFigures(): AgentFigures[] {
    return figuresIn(this.cells, this.table, this.rows);
  }

  /** No call ever waits on a claim here: only on room or items. */
  describeStall(_op: 'put' | 'get'): string | undefined {
    return undefined;
  }

  /** Items in the `slots` positions from `head`: only published whole values lie there. */
  protected itemsIn(head: number, slots: number): number {
    let items = 0;
    let position = head;
    for (let i = 0; i < slots; items++) {
      const span = Math.min(this.spanOf(position), slots - i);
      i += span;
      position = this.advance(position, span);
    }
    return items;
  }
}
