/**
 * Where a {@link SharedQueue}'s state lives in its SharedArrayBuffer, and the checks that a
 * buffer received in a handle really holds such a queue.
 *
 * ```
 * words 0..3    handle header (magic, version, primitive id, ...)
 * words 4..7    capacity, slotSize, lane, agents (rows of the claim table)
 * words 8..11   not_empty and not_full sequence words, and their sleeper counts
 * words 12..15  maxValueBytes, putters of spanning values asleep, "a value has spanned slots",
 *               the cancel epoch
 * word  16      1 for a one-to-one queue (queue/one-to-one-ring.ts), else 0
 * words 17..18  the sequence word `waitForRoom` sleeps on, and its sleeper count
 * word  32      head (no busy word within 16 words: words 17-18 are written only by producers
 *               waiting for room, 33-34 seldom)
 * word  33      "an agent without a claim-table row has used this queue" (see ring.ts)
 * word  34      a one-to-one queue's consumer role (the holder's agent id)
 * word  48      tail (no other word within 16 words, but for word 49)
 * word  49      a one-to-one queue's producer role
 * words 64..65  the split hints: where a consumer / a producer last had to mark a split of the
 *               other side's run (written seldom, read once per batch claim: see ring.ts)
 * word  96..    published marks, one word per slot (written by producers, see ring.ts)
 * then          freed marks, one word per slot, at least 16 words on (written by consumers)
 * then          the claim table, at least 16 words on, 32 words (128 bytes) per agent, of
 *               which 14 are used (see ring.ts)
 *               (a one-to-one queue has no marks: its claim table starts at word 96)
 * then          the bytes lane's lengths, one word per slot
 * then          the values, 8-byte aligned: float64 / int32 per slot, or slotSize bytes per slot
 * ```
 *
 * ## Keeping the sides off each other's cache lines
 *
 * Words that different agents write (head and tail, the two mark arrays, the claim-table rows)
 * lie at least {@link LINE_WORDS} words apart, which is what keeps them on different 64-byte
 * cache lines *wherever the buffer starts*: a SharedArrayBuffer is only 16-byte aligned. Node's
 * (glibc `malloc`'s) buffers start 16 bytes past a line, so that words 0-11 of a buffer share
 * one line, words 12-27 the next, and so on. Measured with two threads each adding to a word of
 * their own in one buffer, word 0 and word k: 19-24 M adds a second each for k = 1 .. 11, 70-78 M
 * from k = 12 on. The layout before this one assumed aligned buffers: head (then word 16)
 * shared its line with the cancel epoch, which spinning calls read, and each agent's claim-table
 * row the next agent's, so two agents' claims invalidated each other's line. Single items
 * between two workers (3 million, alternating rounds with the build before): 4.3, 4.3 and 3.1
 * M a second median before against 6.9, 7.0 and 6.6 after (8 rounds each), and 3.6 against 4.6
 * in a slower spell of the machine (10 rounds).
 *
 * @module
 */
import { HandleError } from '../../errors.js';
import { HEADER_WORDS } from '../handle.js';
import { ENTRY_WORDS, MAX_CAPACITY } from '../ring.js';

export const CAPACITY = HEADER_WORDS;
export const SLOT_SIZE = HEADER_WORDS + 1;
export const LANE = HEADER_WORDS + 2;
export const AGENTS = HEADER_WORDS + 3;
/**
 * Sequence words consumers / producers sleep on, named for the predicate as in CPython's
 * queue.py, and how many sleep on each (see sleep.ts).
 */
export const NOT_EMPTY = HEADER_WORDS + 4;
export const NOT_FULL = HEADER_WORDS + 5;
export const GET_SLEEPERS = HEADER_WORDS + 6;
export const PUT_SLEEPERS = HEADER_WORDS + 7;
/** The largest encoded value the queue takes, in bytes (values larger than a slot span slots). */
export const MAX_VALUE = HEADER_WORDS + 8;
/**
 * Putters of a value spanning several slots that are asleep (counted by themselves, in and out):
 * while any is, a freed slot wakes every sleeping putter, not one (see sleep.ts `wake`).
 */
export const SPAN_SLEEPERS = HEADER_WORDS + 9;
/** Set to 1 when a value first spans slots (then `size` walks the ring to count items). */
export const SPANS_SEEN = HEADER_WORDS + 10;
/**
 * The cancel epoch of `cancelAll()` (see shared/cancel.ts): a waiting put or get reads it before
 * it first counts itself as a sleeper and gives up once it moved.
 */
export const CANCEL_EPOCH = HEADER_WORDS + 11;
/** 1 for a one-to-one queue (one producer, one consumer: see queue/one-to-one-ring.ts), else 0. */
export const ONE_TO_ONE = HEADER_WORDS + 12;
/**
 * The sequence word producers waiting for room sleep on (`SharedQueue.waitForRoom`: until at
 * most half the slots are taken), and how many sleep on it: a get wakes them only once it has
 * left that much room, not for every slot it frees, as it wakes putters (see sleep.ts).
 */
export const ROOM = HEADER_WORDS + 13;
export const ROOM_SLEEPERS = HEADER_WORDS + 14;
/**
 * Words closer than this may share a 64-byte cache line, whatever the buffer's alignment (it
 * is 16-byte aligned, no more): words that different agents write lie this far apart.
 */
export const LINE_WORDS = 16;
/**
 * head and tail, each with no other busy word within {@link LINE_WORDS} words, so producers and
 * consumers do not invalidate each other's line on every claim (nor the header's words, which
 * every waiting call reads).
 */
export const HEAD = 32;
export const TAIL = HEAD + LINE_WORDS;
/**
 * Set once an agent without a row in the claim table used the queue (see `RingLayout.untracked`):
 * written at most once per agent and read only by repairs, so it may share head's line.
 */
export const UNTRACKED = HEAD + 1;
/**
 * A one-to-one queue's roles: the agent that gets (on head's line, which it writes anyway) and
 * the agent that puts (on tail's); written when a role is taken, read by the agents taking it.
 */
export const CONSUMER_ROLE = HEAD + 2;
export const PRODUCER_ROLE = TAIL + 1;
/**
 * The split hints (two words, see `RingLayout.splitHints` in ring.ts): each written by one side
 * at most once per half lap, read by the other once per batch claim, so on a line of their own
 * rather than on head's or tail's, which every claim writes.
 */
export const SPLIT_HINTS = TAIL + LINE_WORDS;
/** The published marks; the freed marks follow on lines of their own ({@link QueueLayout}). */
export const MARKS = SPLIT_HINTS + 2 * LINE_WORDS;

/** How values are stored: a typed lane for the number codecs, bytes + length otherwise. */
export const BYTES_LANE = 0;
export const FLOAT64_LANE = 1;
export const INT32_LANE = 2;

/**
 * Fewest rows of a queue's claim table, whatever its registry's `maxAgents`: agents with ids up
 * to this one are tracked even in a smaller registry (whose `maxAgents` the table follows above
 * it).
 */
export const MIN_AGENTS = 256;
/** Largest slot size (16 MiB). */
export const MAX_SLOT_SIZE = 1 << 24;
/** Largest total size of the slots (1 GiB). */
export const MAX_DATA_BYTES = 1 << 30;
/** Default `maxValueBytes` of a variable-size codec's queue, when its slots hold that much (1 MiB). */
export const DEFAULT_MAX_VALUE_BYTES = 1 << 20;

/** Word and byte offsets of one queue's parts. */
export interface QueueLayout {
  /** Word index of the freed marks: {@link LINE_WORDS} or more after the published marks, so no line holds both. */
  readonly freed: number;
  readonly table: number;
  /** Word index of the bytes lane's lengths. */
  readonly lengths: number;
  /** Byte offset of the values. */
  readonly values: number;
  /** Total bytes. */
  readonly bytes: number;
}

export function layoutOf(
  capacity: number,
  lane: number,
  slotSize: number,
  agents: number,
  oneToOne = false,
): QueueLayout {
  // Each part starts a whole line past the last word of the part before it (see the top). A
  // one-to-one queue has no marks: its claim table (books only) starts where they would.
  const freed = oneToOne ? MARKS : apart(MARKS + capacity - 1);
  const table = oneToOne ? MARKS : apart(freed + capacity - 1);
  const lengths = table + agents * ENTRY_WORDS;
  const words = lengths + (lane === BYTES_LANE ? capacity : 0);
  const values = (words * 4 + 7) & ~7;
  const data =
    lane === BYTES_LANE ? capacity * slotSize : lane === FLOAT64_LANE ? capacity * 8 : capacity * 4;
  return { freed, table, lengths, values, bytes: (values + data + 7) & ~7 };
}

/** The first word, a multiple of {@link LINE_WORDS}, at least {@link LINE_WORDS} after `last`. */
function apart(last: number): number {
  return (last + 2 * LINE_WORDS - 1) & ~(LINE_WORDS - 1);
}

/**
 * Reads and checks the layout words of a queue's buffer (from a handle): every word in range
 * and the buffer large enough for what they describe, so a forged or truncated handle is a
 * `HandleError` here rather than a `RangeError` later.
 */
export function readLayout(buffer: SharedArrayBuffer): {
  capacity: number;
  slotSize: number;
  lane: number;
  agents: number;
  maxValueBytes: number;
  oneToOne: boolean;
  layout: QueueLayout;
} {
  const fail = (problem: string): never => {
    throw new HandleError(`SharedQueue.from(): ${problem}`);
  };
  if (buffer.byteLength < MARKS * 4)
    fail(`the buffer (${buffer.byteLength} bytes) is too small for a SharedQueue`);
  const cells = new Int32Array(buffer, 0, MARKS);
  const capacity = cells[CAPACITY]!;
  const slotSize = cells[SLOT_SIZE]!;
  const lane = cells[LANE]!;
  const agents = cells[AGENTS]!;
  const maxValueBytes = cells[MAX_VALUE]!;
  const mode = cells[ONE_TO_ONE]!;
  if (!(capacity >= 1 && capacity <= MAX_CAPACITY))
    fail(`capacity word ${capacity} is not in 1..${MAX_CAPACITY}`);
  if (lane !== BYTES_LANE && lane !== FLOAT64_LANE && lane !== INT32_LANE)
    fail(`lane word ${lane} is not 0, 1 or 2`);
  if (!(slotSize >= 1 && slotSize <= MAX_SLOT_SIZE))
    fail(`slotSize word ${slotSize} is not in 1..${MAX_SLOT_SIZE}`);
  if (lane === BYTES_LANE && capacity * slotSize > MAX_DATA_BYTES)
    fail(`capacity x slotSize ${capacity} x ${slotSize} is over ${MAX_DATA_BYTES} bytes`);
  if (!(agents >= 0 && agents <= 1 << 16)) fail(`agents word ${agents} is not in 0..65536`);
  if (mode !== 0 && mode !== 1) fail(`one-to-one word ${mode} is not 0 or 1`);
  // Values span at most every slot; a fixed-size lane's values take exactly one.
  const most = lane === BYTES_LANE ? capacity * slotSize : slotSize;
  if (!(maxValueBytes >= 1 && maxValueBytes <= most))
    fail(`maxValueBytes word ${maxValueBytes} is not in 1..${most}`);
  const oneToOne = mode === 1;
  const layout = layoutOf(capacity, lane, slotSize, agents, oneToOne);
  if (buffer.byteLength < layout.bytes)
    fail(
      `the buffer (${buffer.byteLength} bytes) is too small for the queue it describes (${layout.bytes} bytes)`,
    );
  return { capacity, slotSize, lane, agents, maxValueBytes, oneToOne, layout };
}
