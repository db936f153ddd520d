/**
 * The bounded multi-producer multi-consumer ring behind {@link SharedQueue}, on Int32 words of a
 * SharedArrayBuffer: claims by compare-and-swap on `head` and `tail` as in crossbeam-channel's
 * "array flavour" (after Dmitry Vyukov's bounded MPMC queue), but with *end marks* instead of
 * per-slot stamps, so that a batch of `k` items costs one claim, one copy and a handful of
 * atomics, and each side writes only lines that the other side reads once per batch. It is made
 * robust against agents that die in the middle of an operation (a worker terminated between
 * claiming slots and committing them), like a robust mutex's `EOWNERDEAD`.
 *
 * ## Positions
 *
 * `head` and `tail` are not plain indices but *positions*: `lap | index`, where `index` is the
 * slot (0 .. capacity-1) and `lap` counts trips round the ring in units of `oneLap`, a power of
 * two above every index. Between them sits `markBit` (also a power of two above every index,
 * `oneLap = 2 * markBit`): set in `tail`, it means "closed" (crossbeam's disconnect bit), so
 * closing and claiming are decided by the same compare-and-swap, and no put can slip in after
 * `close()` returned. Set in `head` too ({@link Ring.closeGets}), it means "closed, and drop the
 * rest": no get can slip in either. All arithmetic wraps at 32 bits (`| 0`), and positions are
 * only compared for equality or by distance, so laps may overflow freely (the arithmetic is in
 * queue/positions.ts, shared with the one-to-one ring).
 *
 * ## End marks
 *
 * Two words per slot, in two arrays on lines of their own:
 *
 * - the *published mark*, written by producers: a producer that claimed the positions
 *   `p .. e-1` (one CAS of `tail` from `p` to `e`) writes the values and then *releases* the
 *   claim by setting the first slot's mark to `e` with a CAS. A consumer at `head = h` loads the
 *   mark of `h`'s slot only: if it lies ahead of `h`, every position from `h` up to the mark is
 *   published.
 * - the *freed mark*, written by consumers, the mirror image: a consumer that claimed
 *   `h .. e-1` (one CAS of `head`) stores `e + oneLap` into the first slot's freed mark (the
 *   release of its reads). A producer at `tail = t` loads the mark of `t`'s slot: ahead of `t`
 *   means free up to the mark.
 *
 * So a side reads one word of the other side's array per *run* (a claim of the other side), not
 * per item, and writes one per claim: with stamps every stamp line crossed the cores twice a
 * lap, which held a streaming pair of batches to a quarter of a plain ring's rate.
 *
 * A reader that takes a whole run never needs the marks of the slots inside it (its
 * *continuation marks*), and may *chain*: the end of a run is the first slot of the other
 * side's next claim, whose release is atomic, so a claim may extend over several runs by
 * loading one more mark per run.
 *
 * ## Continuation marks, lazily
 *
 * A claim that stops *inside* a run of the other side (a get of 3 items from a put of 8, a
 * single put into a batch's freed slots) leaves the next claimant at a position whose mark says
 * nothing of this lap. So before its claiming CAS moves `head` (or `tail`) there, it *splits*
 * the run: it writes the run's end (or the end of the runs it read on from there, all of them
 * published or freed this lap) into that position's mark ({@link Ring.markSplit}), with a
 * CAS, only while `head` (or `tail`) is still where its claim starts, and only over an older
 * lap's mark. Whoever claims from that position later reaches it through `head`/`tail`, which
 * synchronises with that write. The check of `head`/`tail` matters because what a claimant
 * knows of the run may come from its guess and run cache, left by its last call any number of
 * laps ago: past half the 32-bit positions' wrap, the next lap's marks would read as older
 * ones. A claimant whose CAS then fails has written a true mark, if it was in time. If it was
 * held up between the check and its CAS for a lap (less than half the wrap), either the mark it
 * would replace is already the next lap's (ahead: it writes nothing), or it writes an older
 * lap's mark, which says "nothing here" to the next lap's readers; should it land on the first
 * slot of a next-lap claim not yet released, that release goes over it (see `release`). (Held
 * up between the check and its CAS for half the wrap, some 2^29 items of the others' traffic,
 * it could still write a mark misread, as a repairer held up that long inside `freeFor` could:
 * the positions' 32 bits bound both.)
 *
 * Before layout version 5 every claim wrote all its continuation marks (a `fill()` of 255 words
 * per side per batch of 256), a quarter of a batch pair's time, mostly for marks nobody read:
 * batches that line up never split a run. Two things those marks did still need doing:
 *
 * - *No mark grows too old.* The 32-bit positions wrap, so a mark left unwritten for half the
 *   laps that positions can count (64 at the largest capacity) would one day read as ahead. So
 *   a claim in one lap in {@link REFRESH_LAPS} writes its continuation marks (a producer's
 *   release, only while its claim is still its own: see `stillOurs`), and a repair that revokes
 *   a dead producer's whole claim in such a lap writes them for it, before its revoking CAS (a
 *   repairer killed in between leaves both to the next; one that finds the claim's first mark
 *   moved stops, as whoever moved it wrote them): every mark is at most that many laps and one
 *   old.
 * - *Runs split item by item* (single gets from batches) would cost a CAS per item. So a side
 *   that had to write a split mark says so in a hint word ({@link RingLayout.splitHints}), and
 *   the other side writes its continuation marks again for {@link SPLIT_LAPS} laps after; the
 *   splitters then find them written (a load, no CAS).
 *
 * Why a mark is never misread: a run is at most a lap long, and a mark at most
 * {@link REFRESH_LAPS} laps and one old, so no older lap's mark is ever ahead of this lap's
 * position (distance <= 0). A mark more than a lap ahead belongs to a later lap: the reader's
 * position is stale, and the CAS that would claim from it fails anyway. Initially the published
 * mark of slot `i` is `i` (nothing published) and its freed mark `oneLap` (lap 0 all free).
 *
 * Continuation marks a claim writes come before its release, not after: a producer held up
 * between its release and its marks could write them a lap late, over the next lap's, with
 * plain stores that nothing guards.
 *
 * ## Put: claim, write, release
 *
 * A producer reads `tail` (or trusts its guess: the end of its own last claim, checked by the
 * CAS) and the freed marks from there; if `k` positions are free, one CAS `t -> t+k` makes them
 * its own (while `tail` stays `t` no producer can touch positions at or after it, and consumers
 * only ever free them further, so the marks read before the CAS still hold). Before the CAS it
 * also loads the published mark of its first slot (last lap's, which nobody changes until the
 * claim is made): its release is a CAS *from that value*, because a claim may be *revoked*
 * meanwhile (below), and then exactly one of the revoker's CAS and the release wins: a revoked
 * producer publishes nothing, and its put tries again with a new claim, so its values are never
 * lost and never doubled, and its own items keep their order.
 *
 * ## Get: read, claim, free
 *
 * A batch get copies the values of the published positions first and then claims exactly those
 * with one CAS `h -> h+k` (*optimistic* reads: if the CAS wins, no other consumer claimed, and so
 * freed, any of them in between, and the copy is exact), so a batch get never holds items it has
 * not returned. A single get claims first and reads after. Either way the consumer then frees
 * its claim for the next lap. A consumer's claim is never revoked while the consumer lives.
 *
 * ## Holes
 *
 * A revoked claim `p .. e-1` becomes a *hole*: its first slot's published mark is set to
 * `e | markBit` (positions never have `markBit` set, so no mark of a published run is ever taken
 * for one). A consumer that finds a hole at `head` passes the whole claim with one CAS `p -> e`
 * (no items), and frees it like a batch. A consumer that stalls at `head` stalls at the first
 * position of a claim that is not released (or, after a repair one position at a time, inside
 * one: see "Repair").
 *
 * ## Who claimed what: the claim table
 *
 * Each agent (registry agent id `a`, up to `agents`) has a row of its own in the queue's buffer
 * (see {@link ENTRY_WORDS}: agents do not share cache lines). *Before* its claiming CAS an agent
 * writes its intent there: the first position, how many, and what its total of claimed items
 * will be. After the CAS wins it stores that total (the claim is "applied") and the claim's
 * first position (the claim is "won"): only a won intent surely describes a claim. The CAS
 * orders the intent before anything a survivor can observe of the claim. An agent whose CAS failed clears its intent before it gives
 * up, so a stale intent of a live agent cannot make a dead claimant look alive for long.
 *
 * ## Repair
 *
 * A claim whose claimant is dead is found stuck by the survivors:
 *
 * - a *dead producer's* claim stops consumers at `head` (its mark not ahead, `tail` past it).
 *   When every agent whose intent covers `head` has exited (`registry.hasExited`, set by
 *   `watchWorker` or `agentExited`), a consumer revokes the claim from `head` on: a CAS of the
 *   mark at `head` to a hole mark. A hole must never reach past the claim (it would swallow the
 *   next claim's items): a won intent says exactly where the claim ends, and the hole goes
 *   there. An intent that is not marked won may be the claim (its agent died between its CAS and
 *   the next store) or a CAS that lost (its agent died before clearing it), and the real
 *   claimant may be an agent with no row at all: then the hole covers `head` alone, and the
 *   consumers stop at the next position and repair it in its turn. One position at a time is
 *   safe when the claimant is one of those dead agents: it died before it marked its claim won,
 *   so before it wrote any continuation mark. It would not be for a live agent with no row (its
 *   marks may be written, its release still to come), so while any agent without a row has
 *   used the queue (ids past the table), such intents are not repaired at all (see
 *   {@link Ring.claimAt}).
 *   The same is done for a *live* claimant once the queue is closed, so `close()` always ends
 *   gets blocked behind a claim (that producer's release then fails, and its put sees the queue
 *   closed). Only then, and only for a won claim that starts at `head`: a revoked live producer
 *   may still be writing its continuation marks and values, which is harmless only because no
 *   claim can follow a close.
 * - a *dead consumer's* claim stops producers one lap later (the freed mark not ahead, `head`
 *   past the position a lap back). When its claimants have exited, a producer frees it (the
 *   continuation marks, then a CAS of the first; as far as a won intent says, else one position
 *   at a time, as above). The items it held are gone with the consumer
 *   (at-most-once delivery): counted in that agent's row as lost, and {@link Ring.losses}
 *   reports them by agent.
 *
 * Nothing is repaired while a claimant may still be alive and the queue is open: an unwatched
 * dead agent leaves its claim stuck, and the calls that wait on it time out, honour their
 * signal, and end at `close()`. No loop here runs without a bound: every claim gives up after
 * {@link MAX_TRIES} lost races and reports {@link BUSY}, which callers treat like "try again
 * soon".
 *
 * ## Values that span slots
 *
 * A value too large for one slot takes `k` consecutive slots (at most `capacity`), claimed by a
 * producer with *one* CAS ({@link Ring.claimPutSpan}) and taken by a consumer with one CAS, so no
 * other agent ever owns part of a span; its first slot holds the value's length (the lane turns
 * it into `k`). A span is one claim, so one run: it never straddles a run's end. The marks count
 * positions, not items, so a consumer walks the items of a published run by their lengths
 * ({@link Ring.allowSpans}) and claims up to an item boundary. Intents record items beside
 * positions (a span is `k` positions, 1 item), so the figures count items; `size` counts items
 * once a span was seen (a walk, see {@link Ring.size}).
 *
 * @module
 */
import { BUSY, CLOSED, EMPTY_RING, FULL, MAX_TRIES, RingBase, STALLED } from './queue/ring-base.js';
import type { QueueRing } from './queue/queue-ring.js';

/** Word indices of the ring's parts inside the queue's Int32Array. */
export interface RingLayout {
  readonly head: number;
  readonly tail: number;
  /** First published mark: slot `i`'s is `published + i` (written by producers). */
  readonly published: number;
  /** First freed mark: slot `i`'s is `freed + i` (written by consumers; keep it off `published`'s lines). */
  readonly freed: number;
  /** First word of the claim table ({@link ENTRY_WORDS} per agent). */
  readonly table: number;
  /** Rows in the claim table: agents with ids `1 .. agents` are tracked. */
  readonly agents: number;
  /** A word set to 1 once any value has spanned slots (then {@link Ring.size} counts items). */
  readonly spansSeen?: number;
  /**
   * A word set to 1 once an agent without a row in the claim table (its id past `agents`, or
   * none) has used the ring: from then on a claim is only repaired on a won intent.
   */
  readonly untracked?: number;
  /**
   * Two words, on a line of their own: where a consumer last had to write a split mark into a
   * producer's run (`splitHints`), and where a producer last had to into a consumer's freed run
   * (`splitHints + 1`, as the consumer's position). While one is recent, the other side writes
   * its continuation marks (see "Continuation marks, lazily"). Without them, claims write them
   * only in refresh laps.
   */
  readonly splitHints?: number;
}

/** What the ring needs to know about agents: the registry's view. */
export interface Agents {
  /** This agent's id (0: unknown). */
  readonly self: number;
  hasExited(id: number): boolean;
  /** Whether `hasExited(id)` can ever become true (the registry has a row for `id`). Default: yes. */
  canReportExit?(id: number): boolean;
  agentName(id: number): string;
  /** Reports items an exited agent took with it (the registry shows them in snapshots). */
  recordLoss?(id: number, items: number): void;
  /**
   * How many agents have exited so far (a count that only grows), read before a repair scans the
   * claim table: while it is 0 no claimant can be dead, and a stalled claim is only ever the
   * other side at work (the common case of a full or empty ring in a streaming pair).
   */
  exits?(): number;
  /**
   * How many agent ids have been handed out so far (ids `1 ..` this one): the rows past it hold
   * no intent, so a scan of the table stops there. Default: every row.
   */
  known?(): number;
}

export { BUSY, CLOSED, EMPTY_RING, FULL, MAX_TRIES, STALLED };

/** Largest capacity: indices, the mark bit and a lap unit must fit well inside 32 bits. */
export const MAX_CAPACITY = 1 << 24;

/**
 * Words per agent row of the claim table: 32 (128 bytes), of which the first 14 are used, so
 * that the last used word of a row lies 19 words before the next row's first. Rows of 16 words
 * shared a cache line with the next row's whenever the buffer was not 64-byte aligned (see
 * queue/layout.ts), and then two agents' claims invalidated each other's row on every claim.
 */
export const ENTRY_WORDS = 32;
export const E_PUT_START = 0;
export const E_PUT_COUNT = 1;
export const E_PUT_AFTER = 2;
/** Items this agent claimed for puts, in all (each claim applied after its CAS won). */
export const E_PUT = 3;
export const E_GET_START = 4;
export const E_GET_COUNT = 5;
export const E_GOT_AFTER = 6;
/** Items this agent claimed for gets, in all (holes it passed over are not items). */
export const E_GOT = 7;
/** Of its put claims, how many were revoked (never published). */
export const E_HOLES = 8;
/** Of its get claims, how many items survivors found still claimed after it exited. */
export const E_LOST = 9;
/**
 * Items of the last put / get intent: equal to its count, except for a value spanning
 * `count` slots (1 item). Written with the intent, read by the repairers to count holes.
 */
const E_PUT_ITEMS = 10;
const E_GET_ITEMS = 11;
/**
 * The first position of the last put / get claim whose CAS won, stored right after it: an
 * intent whose start is not this word is one whose CAS lost, or one whose agent died before it
 * could tell (see "Repair").
 */
const E_PUT_WON = 12;
const E_GET_WON = 13;
/**
 * Words of a claim-table row in use: up to the last `E_` word above (a new word must move this).
 * The rest of {@link ENTRY_WORDS} keeps rows apart.
 */
export const ENTRY_USED_WORDS = E_GET_WON + 1;

/** Per-agent figures of one queue, for accounting (see {@link Ring.agentFigures}). */
export interface AgentFigures {
  readonly id: number;
  /** Items claimed for puts (published or revoked; a value spanning slots is one). */
  readonly claimedPuts: number;
  /** Of those, revoked (never published): `claimedPuts - holes` items went in. */
  readonly holes: number;
  /** Items claimed by its gets (returned, or lost with it). */
  readonly got: number;
  /** Of those, items still claimed when it exited: lost with it. */
  readonly lost: number;
}

/** A claim found in the claim table by a repair: whose, where it starts and ends, what it holds. */
interface FoundClaim {
  /** Word index of the agent's row. */
  readonly row: number;
  readonly id: number;
  readonly start: number;
  readonly count: number;
  readonly items: number;
  readonly dead: boolean;
  /** Marked won: surely the claim, of exactly this length (else perhaps a CAS that lost). */
  readonly won: boolean;
}

/** Chained runs a single put reads ahead at most when it must load marks (see the run caches). */
const RUNS_AHEAD = 16;

/**
 * Claims write their continuation marks only in one lap of this many (see "Continuation marks,
 * lazily"): every slot's mark is then rewritten at least once every `REFRESH_LAPS` laps, so
 * none is ever old enough for the 32-bit positions to wrap round to it. (At the largest
 * capacity a lap is 2^26 position units, so positions wrap after 64 laps: a mark 32 laps old
 * would read as ahead.)
 */
export const REFRESH_LAPS = 16;

/**
 * Runs {@link Ring.roomAhead} and {@link Ring.readyAhead} chain at most when the mark they look
 * at first says nothing: a hint may say no, never yes, wrongly, and each run costs a load.
 */
const HINT_RUNS = 4;

/**
 * Laps after a split mark had to be written during which the other side writes its
 * continuation marks again (see {@link RingLayout.splitHints}).
 */
const SPLIT_LAPS = 16;

export class Ring extends RingBase implements QueueRing {
  private readonly pub: number;
  private readonly free: number;
  private readonly table: number;
  private readonly agents: Agents;
  private readonly rows: number;
  /** Word index of this agent's claim-table row, or -1 when untracked. */
  private readonly own: number;
  /** How many slots the last successful claim took. */
  private claimedCount = 0;
  /** Where the last successful claim moved `head` / `tail` to. */
  private claimEnd = 0;
  /** The published mark of the first slot of the last put claim, before it: the release's CAS expects it. */
  private claimedMark = 0;
  /** `tail`/`head` as seen by the last failed CAS. */
  private seen = 0;
  /**
   * Guesses of `tail` / `head`: the positions after this agent's last claims. Only ever
   * guesses: a claim on one still moves `tail`/`head` with a CAS that succeeds only if the guess
   * is the real value. With one producer or consumer the guess is always right, which saves an
   * `Atomics.load` per item.
   */
  private nextPut = 0;
  private nextGet = 0;
  /**
   * Run caches of the single-item paths: `roomLeft` positions from the guess `nextPut` were seen
   * free, `readyLeft` positions from `nextGet` published. Such a fact only ends by a claim, and a
   * claim moves `tail` / `head` past the position: so while the guess is right (its CAS checks
   * that) the cache is too, and the mark need not be loaded again (one load per run of the other
   * side rather than per item). Counts from the guess rather than positions, so that no cache
   * outlives a claim that does not go through it (a batch, a span, a hole passed, a lost race):
   * every claim empties it, and only a single claim through the cache refills it.
   */
  private roomLeft = 0;
  private readyLeft = 0;
  /**
   * Positions the last {@link freeRun} / {@link publishedRun} counted before it capped the count
   * at `max`: the end of the last run it read lies that far from where it started.
   */
  private runTotal = 0;
  /**
   * The lengths of the runs a single put's {@link freeRun} chained, which of them holds the
   * guess `nextPut` now, and how many positions of it are left from there: {@link roomLeft}
   * crosses from run to run without loading a mark, and a put that leaves some of its run
   * marks where it stopped (see "Continuation marks, lazily"). `readyLeft` needs no such
   * books: a single get never chains, so it counts what is left of one run.
   */
  private readonly putRuns = new Int32Array(RUNS_AHEAD);
  private putRun = 0;
  private putRunLeft = 0;
  /** Positions from `scanned` to the end of the last run the last {@link scanGet} read. */
  private scannedRuns = 0;
  /** Set when {@link claimPutSpan} was stopped by a consumer's claim inside its span: that position. */
  private putStalledAt: number | undefined = undefined;
  /**
   * Slots this agent freed by passing holes (in {@link claimGet}, {@link scanGet}) since its
   * caller last took them: the caller wakes putters for them, as for the slots of an item. A
   * putter may sleep on slots that only ever held a hole (a revoked claim), and a getter that
   * passes the hole and finds nothing after it would otherwise wake nobody.
   */
  passed = 0;
  /** Word set once an agent without a row used the ring, or -1 (see {@link RingLayout}). */
  private readonly untracked: number;
  /** The split hints (see {@link RingLayout.splitHints}), or -1. */
  private readonly hints: number;

  constructor(cells: Int32Array, layout: RingLayout, capacity: number, agents: Agents) {
    super(cells, layout.head, layout.tail, layout.spansSeen ?? -1, capacity);
    this.pub = layout.published;
    this.free = layout.freed;
    this.table = layout.table;
    this.rows = layout.agents;
    this.agents = agents;
    const self = agents.self;
    this.own = self >= 1 && self <= layout.agents ? layout.table + (self - 1) * ENTRY_WORDS : -1;
    this.untracked = layout.untracked ?? -1;
    this.hints = layout.splitHints ?? -1;
    // Said before this agent can claim anything, so before any claim of it can stall others;
    // stored only once (the word shares head's cache line).
    if (this.own < 0 && this.untracked >= 0 && Atomics.load(cells, this.untracked) === 0) {
      Atomics.store(cells, this.untracked, 1);
    }
  }

  /**
   * Makes the ring empty with `head = tail = start` (a lap-aligned position: 0 for a new queue;
   * tests start near the 32-bit wrap): nothing published, the whole lap free.
   */
  init(start = 0): void {
    const { cells, capacity } = this;
    for (let i = 0; i < capacity; i++) {
      cells[this.pub + i] = (start + i) | 0;
      cells[this.free + i] = (start + this.oneLap) | 0;
    }
    // No claim won yet: -1 has the mark bit set, so it is no position (a row's zero would be).
    for (let row = 0; row < this.rows; row++) {
      const at = this.table + row * ENTRY_WORDS;
      cells[at + E_PUT_WON] = -1;
      cells[at + E_GET_WON] = -1;
    }
    // No split yet (a hint with the mark bit set is no position: see writesMarks).
    if (this.hints >= 0) cells[this.hints] = cells[this.hints + 1] = this.markBit;
    this.nextPut = this.nextGet = start;
    this.roomLeft = this.readyLeft = 0;
    Atomics.store(cells, this.head, start);
    Atomics.store(cells, this.tail, start);
  }

  /** The published mark of `position`'s slot. */
  private publishedMark(position: number): number {
    return Atomics.load(this.cells, this.pub + (position & this.indexMask));
  }

  /**
   * The published mark of free position `position`'s slot, before a claim of it: an older
   * lap's, which the release will expect. A plain read: every write of it in time happened
   * before the consumers freed the position (they read it, or the first mark of its run,
   * first), and their free happened before our load of the freed mark that said so; a revoker
   * waits for `tail` to pass it. Only a consumer held up for a lap may still write it (an older
   * lap's split mark, see {@link markSplit}); then the release finds a mark it did not expect,
   * not a hole, and goes over it.
   */
  private markBefore(position: number): number {
    return this.cells[this.pub + (position & this.indexMask)]!;
  }

  /** The freed mark of `position`'s slot. */
  private freedMark(position: number): number {
    return Atomics.load(this.cells, this.free + (position & this.indexMask));
  }

  /**
   * What the published mark of `position`'s slot says from `position` on: `n > 0` positions
   * published, `-n` a hole of `n` positions, 0 nothing (not published yet, or a mark of a later
   * lap: then `position` is stale, see "End marks").
   */
  private publishedAt(position: number): number {
    const mark = this.publishedMark(position);
    const n = this.distance(position, mark);
    if (n <= 0 || n > this.capacity) return 0;
    return (mark & this.markBit) !== 0 ? -n : n;
  }

  /** Free positions from `position` by its slot's freed mark (0: none, or a stale position). */
  private freeAt(position: number): number {
    const n = this.distance(position, this.freedMark(position));
    return n > 0 && n <= this.capacity ? n : 0;
  }

  /**
   * Free positions in a row from `position`, at most `max` (<= capacity), chaining the runs
   * (at most `runs` of them): each run's end is the first slot of a consumer's next claim,
   * whose freed mark is stored atomically.
   */
  private freeRun(position: number, max: number, runs = max, lengths?: Int32Array): number {
    let count = this.freeAt(position);
    if (lengths !== undefined) lengths[0] = count;
    for (let run = 1; count > 0 && count < max && run < runs; run++) {
      const n = this.freeAt(this.advance(position, count));
      if (n === 0) break;
      count += n;
      if (lengths !== undefined) lengths[run] = n;
    }
    this.runTotal = count;
    return count < max ? count : max;
  }

  /**
   * Published positions in a row from `position`, given `first` (> 0) from its own mark, at
   * most `max` (<= capacity), chaining runs as {@link freeRun} does; stops at a hole.
   */
  private publishedRun(position: number, first: number, max: number, runs = max): number {
    let count = first;
    for (let run = 1; count < max && run < runs; run++) {
      const n = this.publishedAt(this.advance(position, count));
      if (n <= 0) break;
      count += n;
    }
    this.runTotal = count;
    return count < max ? count : max;
  }

  /**
   * Whether a claim from `first` to `end` (its position after) lies in a lap that writes its
   * continuation marks (one in {@link REFRESH_LAPS}: see "Continuation marks, lazily"). A claim
   * spans at most two laps, those of `first` and of `end`.
   */
  private refreshes(first: number, end: number): boolean {
    return (
      ((first >> this.lapShift) & (REFRESH_LAPS - 1)) === 0 ||
      ((end >> this.lapShift) & (REFRESH_LAPS - 1)) === 0
    );
  }

  /**
   * Whether a claim from `first` to `end` writes its continuation marks: in a refresh lap, or
   * while the other side has lately had to split a run of this side's (`hint`: the word that
   * says where, see {@link RingLayout.splitHints}), so that its next splits find them written
   * rather than write each with a CAS (single gets from batches, say).
   */
  private writesMarks(first: number, end: number, hint: number): boolean {
    if (this.refreshes(first, end)) return true;
    if (this.hints < 0) return false;
    const at = Atomics.load(this.cells, hint);
    if ((at & this.markBit) !== 0) return false; // no split lately
    const since = this.distance(at, first);
    if (since > -this.capacity && since < SPLIT_LAPS * this.capacity) return true;
    // Too old: say "none" (unless a split moved it meanwhile), or the 32-bit positions would
    // wrap round to it one day and make it look recent.
    Atomics.compareExchange(this.cells, hint, at, this.markBit);
    return false;
  }

  /**
   * After a split mark was written at `position` (`side`: 0 published, 1 freed, where the
   * freed side's position is the consumer's, a lap back): says so in the hint word, unless it
   * already says a split this recent (one store per half lap at most).
   */
  private noteSplit(side: number, position: number): void {
    if (this.hints < 0) return;
    const word = this.hints + side;
    const at = side === 0 ? position : (position - this.oneLap) | 0;
    const last = Atomics.load(this.cells, word);
    if ((last & this.markBit) === 0) {
      const since = this.distance(last, at);
      if (since >= 0 && since < this.capacity >> 1) return;
    }
    Atomics.store(this.cells, word, at);
  }

  /**
   * Before a claim that stops at `position` inside a run of the other side (which ends at
   * `end`) moves `head` or `tail` there: makes the mark (`base`: published or freed) of
   * `position`'s slot say `end`, so whoever claims from `position` next finds the rest of the
   * run (see "Continuation marks, lazily"). Written with a CAS, and only over a mark that is
   * not ahead for `position` (an older lap's): a claimant held up for a lap between reading the
   * run and this write must not put an old mark over the next lap's (its claim's CAS fails
   * then anyway). Ends at once when the mark already says so (another claimant split the run
   * here, or a claim filled it). Returns `false` only when `word` no longer says `expected`
   * (the claim moved on: a revoke's fill stops there).
   */
  private markSplit(
    base: number,
    position: number,
    end: number,
    word: number,
    expected: number,
  ): boolean {
    const cells = this.cells;
    const slot = base + (position & this.indexMask);
    let old = Atomics.load(cells, slot);
    if (old === end) return true;
    // What the claimant knows of the run may come from its guess and run cache, any number of
    // laps old: past half the 32-bit positions' wrap, `distance` would take the next lap's marks
    // for older ones. So only while `word` (head, tail, or the first mark of a claim being
    // revoked) still says the claim has not moved on: then the run is this lap's.
    if (Atomics.load(cells, word) !== expected) return false;
    // A CAS fails only when the mark changed: to `end` (another splitter), or to an older lap's
    // mark (a splitter held up between the check above and here): a handful at most.
    for (let tries = 0; tries < MAX_TRIES && old !== end; tries++) {
      if (this.distance(position, old) > 0) return true;
      const seen = Atomics.compareExchange(cells, slot, old, end);
      if (seen === old) {
        this.noteSplit(base === this.pub ? 0 : 1, position);
        return true;
      }
      old = seen;
    }
    return true;
  }

  /**
   * Writes `value` into the marks (`base`: published or freed) of the slots of positions
   * `first + 1 .. first + count - 1`: a claim's continuation marks, plain stores (see "End
   * marks"), in at most two runs of the array.
   */
  private fillMarks(base: number, first: number, count: number, value: number): void {
    if (count <= 1) return;
    const from = (first & this.indexMask) + 1;
    const to = from + count - 1;
    if (to <= this.capacity) {
      this.cells.fill(value, base + from, base + to);
    } else {
      if (from < this.capacity) this.cells.fill(value, base + from, base + this.capacity);
      this.cells.fill(value, base, base + to - this.capacity);
    }
  }

  // ---------------------------------------------------------------- claim table

  /**
   * Records, before the claiming CAS, that this agent is about to claim `count` positions from
   * `position` (`start` = {@link E_PUT_START} or {@link E_GET_START}), adding `items` to its
   * total. Plain stores: the CAS that follows orders them before anything a survivor can see.
   * A row caught half-written (its agent died inside this call) may pair the new position with
   * the old count: it is not marked won (the won word holds an older position), so a repair
   * takes it for what it may be, a CAS that lost (see {@link claimAt}).
   */
  private intend(start: number, position: number, count: number, items: number): void {
    const own = this.own;
    if (own < 0) return;
    const cells = this.cells;
    cells[own + start] = position;
    cells[own + start + 2] = cells[own + start + 3]! + items;
    cells[own + (start === E_PUT_START ? E_PUT_ITEMS : E_GET_ITEMS)] = items;
    cells[own + start + 1] = count;
  }

  /** After a winning CAS: the claim counts, and it is marked won (see {@link intend}). */
  private apply(start: number, position: number): void {
    const own = this.own;
    if (own < 0) return;
    this.cells[own + start + 3] = this.cells[own + start + 2]!;
    this.cells[own + (start === E_PUT_START ? E_PUT_WON : E_GET_WON)] = position;
  }

  /** After a lost CAS that ends the call: no stale intent may make a dead claimant look alive. */
  private forget(start: number): void {
    if (this.own >= 0) this.cells[this.own + start + 1] = 0;
  }

  /**
   * The agents whose intent (`start`: puts or gets) covers `position`, by id (row `id - 1`).
   * Only repairs and stall reports read the table, so the array costs nothing on a claim.
   */
  private covering(start: number, position: number): number[] {
    const cells = this.cells;
    const ids: number[] = [];
    // A table as large as a big registry (up to 65,536 rows) is scanned only as far as the ids
    // handed out so far. The agent whose CAS claimed `position` took its id (an atomic add on
    // the registry's counter) when it opened the queue, before that CAS; and we saw the claim
    // (head or tail past `position`) before this load of the counter. All of these are seq-cst,
    // so the claimant's row is scanned. A row past the bound belongs to an agent that took its
    // id after we saw the claim: its intent (one may start from a cached position, even 0 in a
    // queue just opened) is for a CAS made after the claim, which cannot win `position`, so
    // leaving it out cannot hide the claimant, and only drops an intent that is no claim.
    const rows = Math.min(this.rows, this.agents.known?.() ?? this.rows);
    for (let row = 0; row < rows; row++) {
      const at = this.table + row * ENTRY_WORDS;
      const count = cells[at + start + 1]!;
      if (count <= 0) continue;
      const offset = this.distance(cells[at + start]!, position);
      if (offset >= 0 && offset < count) ids.push(row + 1);
    }
    return ids;
  }

  /**
   * The claim a repair may end at `position` (the first position a side is stuck on), from the
   * intents (`start`: puts or gets) that cover it, or `undefined` to leave it alone for now:
   *
   * - while any live agent's intent covers it, nothing, unless `closed` and that is exactly one
   *   won claim starting at `position` (a live claim is only ever revoked on close, and then
   *   whole: see "Repair");
   * - otherwise the dead agent's won claim that covers it: the one claim that really does, so
   *   the repair may take all of it that is left;
   * - otherwise, if dead intents not marked won cover it, one of them, marked not won: the
   *   repair then takes this one position only (see {@link repairEnd}). Such an intent is the
   *   claim, or a CAS that lost, and the real claimant may even be an agent without a row (ids
   *   past the table), so its length cannot be trusted: a hole that long could swallow items
   *   published after the claim. One position is safe if the claimant is dead (see "Repair"),
   *   so this is only done while no agent without a row has used the queue. The intent is
   *   charged for the position only when it is the only candidate (with two, who held it is not
   *   known).
   */
  private claimAt(start: number, position: number, closed: boolean): FoundClaim | undefined {
    const cells = this.cells;
    const won = start === E_PUT_START ? E_PUT_WON : E_GET_WON;
    const itemsWord = start === E_PUT_START ? E_PUT_ITEMS : E_GET_ITEMS;
    let live: FoundClaim | undefined;
    let liveCovering = 0;
    let exact: FoundClaim | undefined;
    let unsure: FoundClaim | undefined;
    let unsureCount = 0;
    for (const id of this.covering(start, position)) {
      const at = this.table + (id - 1) * ENTRY_WORDS;
      const first = cells[at + start]!;
      const dead = this.agents.hasExited(id);
      const claim: FoundClaim = {
        row: at,
        id,
        start: first,
        count: cells[at + start + 1]!,
        items: cells[at + itemsWord]!,
        dead,
        won: cells[at + won] === first,
      };
      if (!dead) {
        liveCovering++;
        if (first === position && claim.won) live = claim;
      } else if (claim.won) {
        exact ??= claim;
      } else {
        unsure = claim;
        unsureCount++;
      }
    }
    if (liveCovering > 0) return closed && liveCovering === 1 ? live : undefined;
    if (exact !== undefined || unsure === undefined) return exact;
    if (this.untracked >= 0 && Atomics.load(cells, this.untracked) !== 0) return undefined;
    return unsureCount === 1 ? unsure : { ...unsure, row: -1, id: 0 };
  }

  /** Where a repair of `claim` from `position` ends: its end if won, else the next position. */
  private repairEnd(claim: FoundClaim, position: number): number {
    return claim.won ? this.advance(claim.start, claim.count) : this.next(position);
  }

  /**
   * Items of `claim` a repair from `position` to {@link repairEnd} takes (a spanning value is
   * one item, at its first slot).
   */
  private itemsFrom(claim: FoundClaim, position: number): number {
    const offset = this.distance(claim.start, position);
    if (claim.items < claim.count) return offset === 0 ? claim.items : 0;
    return claim.won ? claim.count - offset : 1;
  }

  // ---------------------------------------------------------------- put

  /**
   * Claims one slot for a put. Returns its index, {@link FULL}, {@link CLOSED},
   * {@link STALLED} (the slot still holds last lap's item, claimed by a consumer that has not
   * freed it) or {@link BUSY}. After writing the value, call {@link commitPut}.
   */
  claimPut(): number {
    const cells = this.cells;
    let tail = this.nextPut;
    let raced = false;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if ((tail & this.markBit) !== 0) return this.giveUp(E_PUT_START, raced, CLOSED);
      // Free by the run cache (only at the guess), or by the marks (read a few runs ahead, for
      // the next puts).
      let room = tail === this.nextPut ? this.roomLeft : 0;
      if (room === 0) {
        room = this.freeRun(tail, this.capacity, RUNS_AHEAD, this.putRuns);
        this.putRun = 0;
        this.putRunLeft = this.putRuns[0]!;
      } else if (this.putRunLeft === 0) {
        this.putRunLeft = this.putRuns[++this.putRun]!; // on into the next run it chained
      }
      if (room > 0) {
        const left = this.putRunLeft;
        if (left > 1) {
          this.markSplit(this.free, this.next(tail), this.advance(tail, left), this.tail, tail);
        }
        const mark = this.markBefore(tail);
        if (this.casPut(tail, 1, 1)) {
          this.roomLeft = room - 1;
          this.putRunLeft = left - 1;
          this.claimedMark = mark;
          return tail & this.indexMask;
        }
        // Another producer won this slot: try from where it left tail.
        tail = this.seen;
        raced = true;
        continue;
      }
      const real = Atomics.load(cells, this.tail);
      if (real !== tail) {
        tail = real; // we read a stale tail: look again
        continue;
      }
      // Not free for this lap: full if no consumer has claimed last lap's item here yet (or
      // its producer has not published it), else a consumer is between its claim and its free.
      return this.giveUp(E_PUT_START, raced, this.lastLapClaimed(tail) ? STALLED : FULL);
    }
    return this.giveUp(E_PUT_START, raced, BUSY);
  }

  /**
   * Whether a consumer has claimed the item last lap left in `position`'s slot (`head` is past
   * it): then a slot not free for `position` is one that consumer has not freed yet, else the
   * ring is simply full there.
   */
  private lastLapClaimed(position: number): boolean {
    const head = Atomics.load(this.cells, this.head) & ~this.markBit;
    return this.distance((position - this.oneLap) | 0, head) > 0;
  }

  private giveUp(start: number, raced: boolean, result: number): number {
    if (raced) this.forget(start);
    return result;
  }

  /** Records the intent, then tries the CAS `tail: position -> position + count`. */
  private casPut(position: number, count: number, items: number): boolean {
    this.roomLeft = 0; // any claim empties the cache (claimPut refills it)
    if (!this.claim(this.tail, E_PUT_START, position, count, items)) return false;
    this.nextPut = this.claimEnd;
    return true;
  }

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
    this.apply(start, position);
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
   * while the ring is full: it claims nothing, and only ever delays an attempt. That slot's
   * mark is a claim's first (single gets free one slot each): inside a batch's claim it may be
   * an older lap's (continuation marks are written lazily), and then the marks from `tail` on
   * say whether its first {@link HINT_RUNS} free runs hold `count` slots.
   */
  roomAhead(count: number): boolean {
    const tail = Atomics.load(this.cells, this.tail);
    if ((tail & this.markBit) !== 0) return true;
    if (this.freeAt(this.advance(tail, count - 1)) > 0) return true;
    return this.freeRun(tail, count, HINT_RUNS) >= count;
  }

  /**
   * The getter's twin of {@link roomAhead}: whether the item `count - 1` places past `head` is
   * published (or a hole, or gets are closed by `close({ immediate: true })`). Producers
   * publish in order (nearly so when several produce), so it usually means that `count` items
   * in a row are ready. Two loads, the second on a line the producers have moved past while
   * `count` spans more than a line of marks: it claims nothing, and only ever delays an
   * attempt. It does not read `tail`, the producers' line, so a plain `close()` of an empty
   * queue is not seen here: the getter's patience bounds the hint, then its attempt sees it.
   * Inside a batch's run that item's mark may be an older lap's (continuation marks are
   * written lazily): then the marks from `head` on say whether its first {@link HINT_RUNS}
   * runs hold `count` items.
   */
  readyAhead(count: number): boolean {
    const head = Atomics.load(this.cells, this.head);
    if ((head & this.markBit) !== 0) return true;
    if (this.publishedAt(this.advance(head, count - 1)) !== 0) return true;
    const n = this.publishedAt(head);
    return n < 0 || (n > 0 && this.publishedRun(head, n, count, HINT_RUNS) >= count);
  }

  /**
   * Publishes the value written into the slot claimed by {@link claimPut}, or across the slots
   * claimed by {@link claimPutSpan} (one item, one run either way). Returns `false` when the
   * claim was revoked meanwhile (the queue was closed, or this agent was taken for dead):
   * nothing was published, and the caller tries again with a new claim. (`_index`, the slot the
   * claim returned, is not needed: the release finds it from the claim.)
   */
  commitPut(_index: number): boolean {
    return this.publish(1);
  }

  /**
   * Releases the last put claim, holding `items` items; when it was revoked instead, counts them
   * as holes. Returns whether they were published.
   */
  private publish(items: number): boolean {
    if (this.release()) return true;
    this.countHoles(items);
    return false;
  }

  private countHoles(count: number): void {
    if (this.own >= 0) this.cells[this.own + E_HOLES] = this.cells[this.own + E_HOLES]! + count;
  }

  /**
   * Claims up to `max` (at most `capacity`) consecutive slots for a put with one CAS. Returns
   * how many (0 when full), {@link CLOSED}, {@link STALLED} (see {@link claimPut}) or
   * {@link BUSY}; slot `i` of the batch is `indexAt(i)`. Write them all, then
   * {@link commitPutMany}.
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
      const count = this.freeRun(tail, max);
      if (count === max || (count > 0 && !whole)) {
        // Capped inside a run: mark where this claim stops with that run's end.
        const total = this.runTotal;
        if (count < total && total <= this.capacity) {
          const at = this.advance(tail, count);
          this.markSplit(this.free, at, this.advance(tail, total), this.tail, tail);
        }
        const mark = this.markBefore(tail);
        if (this.casPut(tail, count, whole ? 1 : count)) {
          this.claimedMark = mark;
          return count;
        }
        tail = this.seen;
        raced = true;
        continue;
      }
      const real = Atomics.load(cells, this.tail);
      if (real !== tail) {
        tail = real; // stale: look again
        continue;
      }
      // The slot at `position` is not free for this lap: full if no consumer has claimed last
      // lap's item there, else claimed by a consumer between claim and free (see claimPut).
      const position = this.advance(tail, count);
      if (!this.lastLapClaimed(position)) return this.giveUp(E_PUT_START, raced, 0);
      this.putStalledAt = position;
      return this.giveUp(E_PUT_START, raced, STALLED);
    }
    return this.giveUp(E_PUT_START, raced, BUSY);
  }

  /**
   * Publishes the slots of a batch claimed by {@link claimPutMany}: all of them, or none when the
   * claim was revoked meanwhile (closed, or this agent taken for dead; then the caller puts the
   * values again with a new claim). Returns how many were published.
   */
  commitPutMany(): number {
    const count = this.claimedCount;
    return count > 0 && this.publish(count) ? count : 0;
  }

  /**
   * The release of the last put claim: the continuation marks (plain stores), then the first
   * slot's mark with a CAS from the value it had before the claim. The CAS orders every value
   * and mark written before it (see "End marks"); it fails only when a repair or a close revoked
   * the claim (its hole mark is there, or a later lap's mark once the slots were passed and
   * claimed again), and then nothing of the claim is published. The marks go
   * first so that no reader can pass the release while they are still to come: written after
   * it, they could land a lap late, over the marks of the next lap's claims, had this producer
   * been held up in between.
   */
  private release(): boolean {
    const first = this.claimed;
    const end = this.claimEnd;
    const count = this.claimedCount;
    const slot = this.pub + (first & this.indexMask);
    if (count > 1 && this.writesMarks(first, end, this.hints) && this.stillOurs(first, slot)) {
      this.fillMarks(this.pub, first, count, end);
    }
    let mark = this.claimedMark;
    // The CAS fails on a hole mark (revoked), on a mark ahead of the claim (revoked, and the
    // slot since passed and claimed again by a later lap: a producer taken for dead while it
    // still ran), or on an older lap's mark that a consumer held up inside its call wrote when
    // it split a run here (see markSplit): that one says nothing about this claim, so release
    // over it. Each such consumer writes once, and its claim then fails.
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const seen = Atomics.compareExchange(this.cells, slot, mark, end);
      if (seen === mark) return true;
      if ((seen & this.markBit) !== 0 || this.distance(first, seen) > 0) return false;
      mark = seen;
    }
    return false;
  }

  /**
   * Whether the put claim from `first` (its first mark's word is `slot`) may still be
   * released: its first mark is not ahead of it (see {@link release}). A producer taken for
   * dead while it still ran finds its claim revoked, and its slots perhaps claimed and
   * published again by the next lap: its plain stores must not go over that lap's marks (a
   * split mark there would then read as unpublished, and the gets stop short of items that
   * are in). One load, only when the marks are to be written. It narrows the window to the
   * few instructions between this load and the stores: a producer held up there while its
   * claim is revoked, passed and the slots claimed again a lap on can still write them, over
   * the next lap's marks, as it can write its values over the next lap's items. Hence the
   * README's rule: report an agent's exit only once it can no longer run.
   */
  private stillOurs(first: number, slot: number): boolean {
    // `distance` ignores the mark bit: a revoke of this claim leaves a hole that ends past
    // `first`, while an older lap's hole (the claim before this one in the slot was revoked and
    // passed) ends at or before it, and this claim is still ours then.
    return this.distance(first, Atomics.load(this.cells, slot)) <= 0;
  }

  /**
   * Claims `span` consecutive slots (2 .. capacity) for one value that spans them, with one
   * CAS, all or none. Returns the first slot's index, {@link FULL} (fewer than `span` slots are
   * free now), {@link CLOSED}, {@link STALLED} (a slot inside the span still holds last lap's
   * item, claimed by a consumer that has not freed it: {@link repairPut} looks there) or
   * {@link BUSY}. Write the value across the slots, then {@link commitPut}.
   */
  claimPutSpan(span: number): number {
    // Before any span is claimed (so before any can be seen): from now on `size` counts items.
    const seen = this.spansSeen;
    if (seen >= 0 && this.cells[seen] === 0) Atomics.store(this.cells, seen, 1);
    return this.claimResult(this.claimRun(span, true));
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
    let head = this.nextGet;
    let raced = false;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if ((head & this.markBit) !== 0) return this.giveUp(E_GET_START, raced, CLOSED);
      // Published by the run cache (only at the guess), or by the mark of `head`'s slot.
      let ready = head === this.nextGet ? this.readyLeft : 0;
      if (ready === 0) {
        const n = this.publishedAt(head);
        if (n < 0) {
          // A hole: pass it whole (one claim of no items, freed at once), then go on.
          if (this.passHole(head, -n)) head = this.nextGet;
          else head = this.seen;
          raced = true;
          continue;
        }
        // No chaining here: in a stream of single items the next run is often not published
        // yet, and the load that finds out would be spent on every get.
        ready = n;
      }
      if (ready > 0) {
        const span = this.spanAt === undefined ? 1 : this.spanOf(head);
        if (span < ready) {
          // `ready` is what is left of one run: mark where this get stops in it.
          const after = span === 1 ? this.next(head) : this.advance(head, span);
          this.markSplit(this.pub, after, this.advance(head, ready), this.head, head);
        }
        if (span <= ready && this.casGet(head, span, 1)) {
          this.readyLeft = ready - span;
          return head & this.indexMask;
        }
        // Lost the race (or read a garbage span of an item another consumer took): look again.
        head = span <= ready ? this.seen : Atomics.load(cells, this.head);
        raced = true;
        continue;
      }
      // Not published: empty if no producer has claimed it, else its producer is between claim
      // and release (unless our head was stale).
      const tail = Atomics.load(cells, this.tail);
      if ((tail & ~this.markBit) === head) {
        return this.giveUp(E_GET_START, raced, (tail & this.markBit) !== 0 ? CLOSED : EMPTY_RING);
      }
      const real = Atomics.load(cells, this.head);
      if (real === head) return this.giveUp(E_GET_START, raced, STALLED);
      head = real;
    }
    return this.giveUp(E_GET_START, raced, BUSY);
  }

  /**
   * Passes the hole of `slots` positions at `head`: claims it (no items) and frees it for the
   * next lap's producers at once. Returns whether this agent did (else another consumer did, or
   * `head` moved: `seen` says where it is).
   */
  private passHole(head: number, slots: number): boolean {
    if (!this.casGet(head, slots, 0)) return false;
    this.commitGetMany();
    this.passed += slots;
    this.claimedCount = 0; // nothing to commit for a hole
    return true;
  }

  /** Records the intent, then tries the CAS `head: position -> position + count`. */
  private casGet(position: number, count: number, items: number): boolean {
    this.readyLeft = 0; // any claim empties the cache (claimGet refills it)
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
    Atomics.store(this.cells, this.free + index, (this.claimEnd + this.oneLap) | 0);
    return 1;
  }

  /**
   * First half of an optimistic batch get: finds up to `max` consecutive published items from
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
      const n = this.publishedAt(head);
      if (n > 0) {
        const count =
          this.spanAt === undefined
            ? this.publishedRun(head, n, max)
            : this.scanSpans(head, this.publishedRun(head, n, this.capacity), max);
        if (count > 0) {
          this.scanned = head;
          this.scannedRuns = this.runTotal;
          return count;
        }
        head = Atomics.load(cells, this.head); // a garbage span: the item is gone, look again
        continue;
      }
      if (n < 0) {
        // Pass the hole, then look again.
        if (this.passHole(head, -n)) {
          head = this.nextGet;
        } else {
          head = this.seen;
          this.forget(E_GET_START);
        }
        continue;
      }
      const tail = Atomics.load(cells, this.tail);
      if ((tail & ~this.markBit) === head) {
        return this.scanEnd((tail & this.markBit) !== 0 ? CLOSED : EMPTY_RING);
      }
      const real = Atomics.load(cells, this.head);
      if (real === head) return this.scanEnd(STALLED);
      head = real;
    }
    return this.scanEnd(BUSY);
  }

  /**
   * Claims the first `count` items the last {@link scanGet} found, with one CAS. Returns
   * `false` if another consumer took any of them first (the values copied are then void: scan
   * again). Then {@link commitGetMany}.
   */
  claimScanned(count: number): boolean {
    const slots = this.scanEnds === undefined ? count : this.scanEnds[count - 1]!;
    const runs = this.scannedRuns;
    if (slots < runs && runs <= this.capacity) {
      // The claim stops inside the runs it found: mark where, with where they end (as
      // claimRun does: every position up to there is published this lap). Where it stops at
      // the start of one of them, that run's own mark is there already, and nothing is written.
      const at = this.advance(this.scanned, slots);
      this.markSplit(this.pub, at, this.advance(this.scanned, runs), this.head, this.scanned);
    }
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
   * Frees the slots of the last get claim ({@link claimScanned}/{@link claimGetMany}, a
   * spanning value, a hole passed) for the next lap's producers. Returns how many slots were
   * freed.
   */
  commitGetMany(): number {
    const count = this.claimedCount;
    if (count === 0) return 0;
    // The continuation marks (in a refresh lap, or while producers split our runs) with plain
    // stores, then the first with an atomic store: the release (our reads of every value of
    // the claim come before it). A producer reaches the others only through the first or a
    // split mark. A live consumer's claim is never revoked; only a producer held up for a lap
    // may write one of these marks meanwhile (an older lap's split mark), which ours replace.
    const mark = (this.claimEnd + this.oneLap) | 0;
    if (count > 1 && this.writesMarks(this.claimed, this.claimEnd, this.hints + 1)) {
      this.fillMarks(this.free, this.claimed, count, mark);
    }
    Atomics.store(this.cells, this.free + (this.claimed & this.indexMask), mark);
    return count;
  }

  // ---------------------------------------------------------------- repair

  /**
   * After {@link claimGet} returned {@link STALLED}: revokes the claim at `head` if every agent
   * that may hold it has exited, or if `closed` (a live claimant too: its release then fails and
   * its put sees the queue closed). Returns whether anything changed (then claim again).
   */
  repairGet(closed: boolean): boolean {
    const cells = this.cells;
    const head = Atomics.load(cells, this.head);
    if ((head & this.markBit) !== 0) return true; // closed with immediate: claims now say so
    const mark = this.publishedMark(head);
    if (this.distance(head, mark) > 0) return true; // published (or a hole) meanwhile
    const tail = Atomics.load(cells, this.tail);
    if ((tail & ~this.markBit) === head) return true; // empty, not stalled
    // No agent has exited and the queue is open: the claimant is alive, nothing to repair.
    // (An agent is marked exited before the count moves: a repair that misses the mark by
    // that moment is made by the next attempt; stalled calls poll.)
    if (!closed && this.agents.exits?.() === 0) return false;
    const claim = this.claimAt(E_PUT_START, head, closed);
    return claim !== undefined && this.revoke(claim, head, mark);
  }

  /**
   * Makes the rest of `claim` from `position` (whose published mark was `mark`, not ahead) a
   * hole, with a CAS on that mark: against the claimant's release, or another repairer. Counts
   * the items revoked against a dead claimant (a live one counts its own when its release fails).
   */
  private revoke(claim: FoundClaim, position: number, mark: number): boolean {
    const cells = this.cells;
    const end = this.repairEnd(claim, position);
    const slot = this.pub + (position & this.indexMask);
    if (claim.won && this.refreshes(position, end)) {
      // The claimant wrote none of its continuation marks: write them for it, or these slots
      // would miss this lap's refresh. Before the revoking CAS, so that a repairer killed here
      // leaves the claim to the next one, who does both; and each only while the claim's first
      // mark is still `mark` (nobody revoked or released it yet: its slots are this lap's). The
      // value is the claim's end, true whichever wins, the hole or a live claimant's release,
      // and no consumer lands inside a hole (it is passed whole).
      for (let at = this.next(position); at !== end; at = this.next(at)) {
        // The first mark moved: released or revoked (whoever did wrote these marks first), or
        // an older lap's split mark from a consumer held up (the CAS below fails, and the next
        // repair fills again from the new mark).
        if (!this.markSplit(this.pub, at, end, slot, mark)) break;
      }
    }
    if (Atomics.compareExchange(cells, slot, mark, end | this.markBit) !== mark) return true;
    if (claim.dead && claim.row >= 0) {
      // The claim was real (it stopped the consumers): make sure it counts, then count what was
      // revoked. Only the CAS winner gets here, so two repairers do not count twice.
      cells[claim.row + E_PUT] = cells[claim.row + E_PUT_AFTER]!;
      const holes = this.itemsFrom(claim, position);
      if (holes > 0) Atomics.add(cells, claim.row + E_HOLES, holes);
    }
    return true;
  }

  /**
   * After {@link claimPut} returned {@link STALLED}: frees the claim at `tail` (last lap's items,
   * claimed by a consumer that has not freed them) if every agent that may hold it has exited.
   * The items are lost with it and counted as such. Returns whether anything changed (then
   * claim again).
   */
  repairPut(): boolean {
    const cells = this.cells;
    const tail = Atomics.load(cells, this.tail);
    if ((tail & this.markBit) !== 0) return true;
    // A span's claim stopped inside the span (claimPutSpan): that slot, else the one at `tail`.
    const at = this.putStalledAt ?? tail;
    this.putStalledAt = undefined;
    const mark = this.freedMark(at);
    if (this.distance(at, mark) > 0) return true; // freed meanwhile
    if (!this.lastLapClaimed(at)) return false; // not claimed by a consumer: just full
    if (this.agents.exits?.() === 0) return false; // no claimant can be dead (see repairGet)
    const last = (at - this.oneLap) | 0;
    const claim = this.claimAt(E_GET_START, last, false);
    return claim !== undefined && this.freeFor(claim, last, mark);
  }

  /**
   * Frees dead `claim` from `position` to {@link repairEnd} (the freed mark of `position`'s slot,
   * one lap on, was `mark`, not ahead): the continuation marks, then the first with a CAS, whose
   * winner counts the items lost. Several producers repair at once, and one may be held up for a
   * lap between reading and writing: so each continuation mark is set by a CAS too, and only
   * while it is not ahead for its position of the next lap (a plain store could put back a mark
   * that the next lap's consumers have since moved on).
   */
  private freeFor(claim: FoundClaim, position: number, mark: number): boolean {
    const cells = this.cells;
    const end = this.repairEnd(claim, position);
    const freed = (end + this.oneLap) | 0;
    let at = this.next(position);
    for (let k = this.distance(position, end); k > 1; k--, at = this.next(at)) {
      const slot = this.free + (at & this.indexMask);
      const old = Atomics.load(cells, slot);
      if (this.distance((at + this.oneLap) | 0, old) <= 0) {
        Atomics.compareExchange(cells, slot, old, freed);
      }
    }
    const slot = this.free + (position & this.indexMask);
    if (Atomics.compareExchange(cells, slot, mark, freed) !== mark) return true;
    if (claim.row < 0) return true;
    cells[claim.row + E_GOT] = cells[claim.row + E_GOT_AFTER]!;
    const lost = this.itemsFrom(claim, position);
    if (lost > 0) {
      Atomics.add(cells, claim.row + E_LOST, lost);
      this.agents.recordLoss?.(claim.id, lost);
    }
    return true;
  }

  /**
   * Repairs every won claim of an exited agent that is still open (revokes an unpublished put
   * claim, frees an unfreed get claim), wherever it lies. Returns how many claims changed. A
   * claim whose agent died before marking it won is left to the side it stops (see "Repair").
   */
  sweep(): number {
    let changed = 0;
    const cells = this.cells;
    for (let row = 0; row < this.rows; row++) {
      const at = this.table + row * ENTRY_WORDS;
      const puts =
        cells[at + E_PUT_COUNT]! > 0 && cells[at + E_PUT_WON] === cells[at + E_PUT_START];
      const gets =
        cells[at + E_GET_COUNT]! > 0 && cells[at + E_GET_WON] === cells[at + E_GET_START];
      if ((!puts && !gets) || !this.agents.hasExited(row + 1)) continue;
      if (puts) {
        const start = cells[at + E_PUT_START]!;
        const mark = this.publishedMark(start);
        const tail = Atomics.load(cells, this.tail) & ~this.markBit;
        if (this.distance(start, mark) <= 0 && this.distance(start, tail) > 0) {
          const claim = this.claimAt(E_PUT_START, start, false);
          if (claim?.row === at && this.revoke(claim, start, mark)) changed++;
        }
      }
      if (gets) {
        const start = cells[at + E_GET_START]!;
        const next = (start + this.oneLap) | 0;
        const mark = this.freedMark(next);
        const head = Atomics.load(cells, this.head) & ~this.markBit;
        if (this.distance(next, mark) <= 0 && this.distance(start, head) > 0) {
          const claim = this.claimAt(E_GET_START, start, false);
          if (claim?.row === at && this.freeFor(claim, start, mark)) changed++;
        }
      }
    }
    return changed;
  }

  /** Items each exited agent took with it (claimed by a get, never freed), by agent id. */
  losses(): { id: number; items: number }[] {
    return lossesIn(this.cells, this.table, this.rows);
  }

  /** Figures of every agent that used this queue (for accounting in tests and diagnostics). */
  agentFigures(): AgentFigures[] {
    return figuresIn(this.cells, this.table, this.rows);
  }

  /**
   * Who holds the slot a stalled call waits on, in words (for error messages): the claimants of
   * the position at `head` (`get`) or of last lap's position at `tail` (`put`).
   */
  describeStall(op: 'put' | 'get'): string | undefined {
    const cells = this.cells;
    const head = Atomics.load(cells, this.head) & ~this.markBit;
    const tail = Atomics.load(cells, this.tail) & ~this.markBit;
    // Only while the slot is still held: claimed and unpublished (get), or last lap's item
    // claimed and not freed (put). A slot released since the call stalled is nobody's, and the
    // intents that cover it may be stale: naming them would blame an agent that finished.
    const position = op === 'get' ? head : (tail - this.oneLap) | 0;
    const held =
      op === 'get'
        ? this.distance(head, this.publishedMark(head)) <= 0 && this.distance(head, tail) > 0
        : this.distance(tail, this.freedMark(tail)) <= 0 && this.distance(position, head) > 0;
    if (!held) return undefined;
    const ids = this.covering(op === 'get' ? E_PUT_START : E_GET_START, position);
    if (ids.length === 0) return undefined;
    const alive = ids.some((id) => !this.agents.hasExited(id));
    const who = ids.map((id) => `'${this.agents.agentName(id)}'`).join(' or ');
    return op === 'get'
      ? `the next item's slot is claimed by ${who}, which has not published it`
      : `the next free slot is still claimed by ${who}, which has not freed it${alive ? '' : ' (exited)'}`;
  }

  // ---------------------------------------------------------------- close and size

  /**
   * Items in the `slots` positions from `head`, once values have spanned slots: a spanning
   * value counts once, a hole not at all, a claimed position not yet published once. A walk over
   * the runs, as stale as any size (marks may change under it), and bounded by `slots`.
   */
  protected itemsIn(head: number, slots: number): number {
    let items = 0;
    let position = head;
    for (let i = 0; i < slots;) {
      const n = this.publishedAt(position);
      let step: number;
      if (n < 0) {
        step = Math.min(-n, slots - i);
      } else if (n > 0) {
        // The items of the published run, by their lengths.
        const run = Math.min(n, slots - i);
        step = 0;
        while (step < run) {
          const span = Math.min(this.spanOf(position), run - step);
          items++;
          step += span;
          position = this.advance(position, span);
        }
        i += step;
        continue;
      } else {
        step = 1;
        items++;
      }
      i += step;
      position = this.advance(position, step);
    }
    return items;
  }
}

/** Losses recorded in a claim table (`rows` rows from word `table`), by agent id. */
export function lossesIn(
  cells: Int32Array,
  table: number,
  rows: number,
): { id: number; items: number }[] {
  const out: { id: number; items: number }[] = [];
  for (let row = 0; row < rows; row++) {
    const lost = Atomics.load(cells, table + row * ENTRY_WORDS + E_LOST);
    if (lost > 0) out.push({ id: row + 1, items: lost });
  }
  return out;
}

/** The figures of every agent with a row in a claim table that used the queue. */
export function figuresIn(cells: Int32Array, table: number, rows: number): AgentFigures[] {
  const out: AgentFigures[] = [];
  for (let row = 0; row < rows; row++) {
    const at = table + row * ENTRY_WORDS;
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
