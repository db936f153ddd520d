import { describe, expect, it } from 'vitest';
import {
  BYTES_LANE,
  CANCEL_EPOCH,
  FLOAT64_LANE,
  HEAD,
  INT32_LANE,
  MARKS,
  NOT_EMPTY,
  SPLIT_HINTS,
  TAIL,
  layoutOf,
} from '../../src/shared/queue/layout.js';
import { ENTRY_USED_WORDS, ENTRY_WORDS } from '../../src/shared/ring.js';

/** A run of words `[first, last]` written by one kind of agent (or one agent). */
interface Part {
  readonly name: string;
  readonly first: number;
  readonly last: number;
}

/** The busy parts of a queue's buffer, in buffer order, words only (values as words too). */
function partsOf(capacity: number, lane: number, slotSize: number, agents: number): Part[] {
  const layout = layoutOf(capacity, lane, slotSize, agents);
  const parts: Part[] = [
    { name: 'sleep and cancel words', first: NOT_EMPTY, last: CANCEL_EPOCH },
    // UNTRACKED, beside head, is written at most once per agent: not a busy word.
    { name: 'head', first: HEAD, last: HEAD },
    { name: 'tail', first: TAIL, last: TAIL },
    // Both hints share a line: each is written at most once per half lap.
    { name: 'split hints', first: SPLIT_HINTS, last: SPLIT_HINTS + 1 },
    { name: 'published marks', first: MARKS, last: MARKS + capacity - 1 },
    { name: 'freed marks', first: layout.freed, last: layout.freed + capacity - 1 },
  ];
  for (let row = 0; row < agents; row++) {
    const first = layout.table + row * ENTRY_WORDS;
    parts.push({ name: `claim row ${row + 1}`, first, last: first + ENTRY_USED_WORDS - 1 });
  }
  // The lengths (bytes lane) and the values: both written by producers, read by consumers.
  const slots = lane === BYTES_LANE ? layout.lengths : layout.values / 4;
  parts.push({ name: 'slots', first: slots, last: layout.bytes / 4 - 1 });
  return parts;
}

/**
 * Words this far apart never share a 64-byte cache line, whatever the buffer's 16-byte
 * alignment (written out here rather than imported, so that the layout cannot shrink the rule).
 */
const LINE_WORDS = 64 / 4;

describe('SharedQueue layout', () => {
  // A SharedArrayBuffer is only 16-byte aligned (Node's start 16 bytes past a cache line), so
  // two words share a 64-byte line whenever they are less than 16 apart, for some buffer.
  const shapes = [
    { capacity: 1, lane: FLOAT64_LANE, slotSize: 8, agents: 1 },
    { capacity: 7, lane: INT32_LANE, slotSize: 4, agents: 3 },
    { capacity: 16, lane: BYTES_LANE, slotSize: 256, agents: 256 },
    { capacity: 1024, lane: FLOAT64_LANE, slotSize: 8, agents: 256 },
    { capacity: 1000, lane: BYTES_LANE, slotSize: 24, agents: 17 },
    { capacity: 33, lane: INT32_LANE, slotSize: 4, agents: 2 },
  ];

  it.each(shapes)(
    'keeps words that different agents write at least a line apart ($capacity slots, lane $lane, $agents agents)',
    ({ capacity, lane, slotSize, agents }) => {
      const parts = partsOf(capacity, lane, slotSize, agents);
      for (let i = 1; i < parts.length; i++) {
        const before = parts[i - 1]!;
        const after = parts[i]!;
        expect(
          after.first - before.last,
          `${before.name} (ends at word ${before.last}) and ${after.name} (starts at word ${after.first})`,
        ).toBeGreaterThanOrEqual(LINE_WORDS);
      }
    },
  );

  it.each(shapes)(
    'one-to-one: keeps head, tail, the books and the slots a line apart ($capacity slots, lane $lane, $agents agents)',
    ({ capacity, lane, slotSize, agents }) => {
      const layout = layoutOf(capacity, lane, slotSize, agents, true);
      // No marks: the books follow tail. The role words beside head and tail are written when
      // a role is taken, not per call.
      const parts: Part[] = [
        { name: 'sleep and cancel words', first: NOT_EMPTY, last: CANCEL_EPOCH },
        { name: 'head', first: HEAD, last: HEAD },
        { name: 'tail', first: TAIL, last: TAIL },
      ];
      for (let row = 0; row < agents; row++) {
        const first = layout.table + row * ENTRY_WORDS;
        parts.push({ name: `books row ${row + 1}`, first, last: first + ENTRY_USED_WORDS - 1 });
      }
      const slots = lane === BYTES_LANE ? layout.lengths : layout.values / 4;
      parts.push({ name: 'slots', first: slots, last: layout.bytes / 4 - 1 });
      for (let i = 1; i < parts.length; i++) {
        expect(
          parts[i]!.first - parts[i - 1]!.last,
          `${parts[i - 1]!.name} / ${parts[i]!.name}`,
        ).toBeGreaterThanOrEqual(LINE_WORDS);
      }
      // And it is smaller by the two mark arrays, at least.
      expect(layout.bytes).toBeLessThanOrEqual(
        layoutOf(capacity, lane, slotSize, agents).bytes - 8 * capacity,
      );
    },
  );

  it('leaves a row of the claim table a line of unused words before the next row', () => {
    expect(ENTRY_WORDS - ENTRY_USED_WORDS + 1).toBeGreaterThanOrEqual(LINE_WORDS);
  });

  it.each(shapes)(
    'fits every part inside the buffer, 8-byte aligned values ($capacity slots, lane $lane)',
    ({ capacity, lane, slotSize, agents }) => {
      const layout = layoutOf(capacity, lane, slotSize, agents);
      expect(layout.values % 8).toBe(0);
      const data =
        lane === BYTES_LANE
          ? capacity * slotSize
          : lane === FLOAT64_LANE
            ? capacity * 8
            : capacity * 4;
      expect(layout.bytes).toBeGreaterThanOrEqual(layout.values + data);
      expect(layout.lengths).toBeGreaterThanOrEqual(layout.table + agents * ENTRY_WORDS);
    },
  );
});
