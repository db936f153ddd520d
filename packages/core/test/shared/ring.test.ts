// The ring's position arithmetic where 32-bit positions wrap round (after about 2^30 items in
// real use): start a ring just below 2^31 and push it across.
import { describe, expect, it, vi } from 'vitest';
import {
  CLOSED,
  ENTRY_WORDS,
  FULL,
  MAX_CAPACITY,
  Ring,
  STALLED,
  type Agents,
  type RingLayout,
} from '../../src/shared/ring.js';

/** Agents for tests: `self` claims, and ids in `dead` have exited. */
function agents(self: number, dead: Set<number> = new Set()): Agents {
  return { self, hasExited: (id) => dead.has(id), agentName: (id) => `agent ${id}` };
}

/** {@link agents} whose exits are counted too (`exits`), as a registry that watches them. */
function watched(self: number, dead: Set<number>): Agents {
  return { ...agents(self, dead), exits: () => dead.size };
}

/** The private split of a ring, for tests that make a held-up agent's write themselves. */
type Splitter = { markSplit(...args: number[]): boolean };

const ROWS = 4;

/**
 * A ring of `capacity` whose head and tail start at `start` (lap-aligned), marks to match,
 * with a claim table of {@link ROWS} agents after the marks.
 */
function ringAt(
  capacity: number,
  start: number,
  who: Agents = agents(1),
  hints = false,
): { ring: Ring; values: number[]; layout: RingLayout; cells: Int32Array } {
  const table = 5 + 2 * capacity;
  const cells = new Int32Array(new SharedArrayBuffer((table + ROWS * ENTRY_WORDS) * 4));
  const layout: RingLayout = {
    head: 0,
    tail: 1,
    published: 2,
    freed: 2 + capacity,
    untracked: 2 + 2 * capacity,
    ...(hints ? { splitHints: 3 + 2 * capacity } : {}),
    table,
    agents: ROWS,
  };
  const ring = new Ring(cells, layout, capacity, who);
  ring.init(start);
  return { ring, values: new Array<number>(capacity), layout, cells };
}

/** The lap unit of a ring of `capacity` (see queue/positions.ts). */
function lapOf(capacity: number): number {
  let mark = 1;
  while (mark < capacity + 1) mark *= 2;
  return mark * 2;
}

/** Puts `xs` as one batch through `ring`, all of them. */
function putAll(ring: Ring, values: number[], xs: number[]): void {
  expect(ring.claimPutMany(xs.length)).toBe(xs.length);
  xs.forEach((x, i) => (values[ring.indexAt(i)] = x));
  expect(ring.commitPutMany()).toBe(xs.length);
}

/** Takes up to `max` items with one batch get of `ring`. */
function take(ring: Ring, values: number[], max: number): number[] {
  const got = ring.claimGetMany(max);
  const out = Array.from({ length: Math.max(0, got) }, (_, i) => values[ring.indexAt(i)]!);
  ring.commitGetMany();
  return out;
}

/** Puts and takes `laps` whole laps of `producer`'s ring, one batch of the whole ring each. */
function wholeLaps(laps: number, producer: Ring, consumer: Ring): void {
  const cap = producer.capacity;
  for (let lap = 0; lap < laps; lap++) {
    expect(producer.claimPutMany(cap)).toBe(cap);
    expect(producer.commitPutMany()).toBe(cap);
    expect(consumer.claimGetMany(cap)).toBe(cap);
    consumer.commitGetMany();
  }
}

describe('Ring across the 32-bit wrap', () => {
  it.each([1, 3, 4, 5])(
    'capacity %i stays FIFO and bounded while positions overflow',
    (capacity) => {
      let mark = 1;
      while (mark < capacity + 1) mark *= 2;
      const oneLap = mark * 2;
      // A lap-aligned start a few laps below 2^31: the positions will turn negative on the way.
      const start = (2 ** 31 - 3 * oneLap) | 0;
      const { ring, values } = ringAt(capacity, start);
      let next = 0;
      let expected = 0;
      for (let step = 0; step < 200; step++) {
        // Fill completely, check it is full, then take a few (varying) items.
        for (;;) {
          const index = ring.claimPut();
          if (index === FULL) break;
          values[index] = next++;
          ring.commitPut(index);
        }
        expect(ring.size).toBe(capacity);
        const take = 1 + (step % capacity);
        for (let k = 0; k < take; k++) {
          const index = ring.claimGet();
          expect(index).toBeGreaterThanOrEqual(0);
          expect(values[index]).toBe(expected++);
          ring.commitGet(index);
        }
      }
      // Drain: what is left comes out in order too, then the ring is empty.
      for (let index = ring.claimGet(); index >= 0; index = ring.claimGet()) {
        expect(values[index]).toBe(expected++);
        ring.commitGet(index);
      }
      expect(expected).toBe(next);
      expect(ring.size).toBe(0);
    },
  );

  it('batch claims cross the wrap and the index wrap in one go', () => {
    const capacity = 5;
    const { ring, values } = ringAt(capacity, (2 ** 31 - 16) | 0);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 100; round++) {
      const count = ring.claimPutMany(3);
      for (let i = 0; i < count; i++) values[ring.indexAt(i)] = next++;
      ring.commitPutMany();
      const got = ring.claimGetMany(2 + (round % 3));
      for (let i = 0; i < got; i++) expect(values[ring.indexAt(i)]).toBe(expected++);
      ring.commitGetMany();
    }
    expect(expected).toBeGreaterThan(200);
    ring.close();
    expect(ring.claimPut()).toBe(CLOSED);
    for (let got = ring.claimGetMany(5); got > 0; got = ring.claimGetMany(5)) {
      for (let i = 0; i < got; i++) expect(values[ring.indexAt(i)]).toBe(expected++);
      ring.commitGetMany();
    }
    expect(expected).toBe(next);
    expect(ring.claimGetMany(5)).toBe(CLOSED);
    expect(ring.claimGet()).toBe(CLOSED);
  });
});

describe('Ring claims from several agents', () => {
  /**
   * Two Ring objects over the same words stand for two agents: each keeps its own guesses of
   * head and tail (the positions after its own last claims), which go stale whenever the other
   * one claims. Random single and batch operations from either must behave exactly like a
   * bounded FIFO model: full and empty exactly when the model is, items in order, none lost.
   * With `takes` below the capacity, gets take at most that many, in spells between spells of
   * puts (batches mostly), so that gets of one agent stop inside runs and another agent's go on
   * from there (the split marks, see ring.ts "Continuation marks, lazily").
   */
  it.each([
    [1, 0, false, 1],
    [3, 0, false, 3],
    [4, (2 ** 31 - 40) | 0, false, 4],
    [7, (2 ** 31 - 160) | 0, false, 7],
    [7, (2 ** 31 - 160) | 0, true, 2],
    [16, 0x12340000, false, 3],
    [16, 0x12340000, true, 3],
    [16, 0x12340000, true, 16],
  ])(
    'capacity %i starting at position %i matches a FIFO model (split hints: %s, takes up to %i)',
    (capacity, start, hints, takes) => {
      let mark = 1;
      while (mark < capacity + 1) mark *= 2;
      const aligned = start & ~(mark * 2 - 1);
      const first = ringAt(capacity, aligned, agents(1), hints);
      const values = first.values;
      const rings = [
        first.ring,
        new Ring(first.cells, first.layout, capacity, agents(2)),
        new Ring(first.cells, first.layout, capacity, agents(3)),
      ];
      let seed = 12345 + capacity;
      const random = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
        return seed % n;
      };
      const model: number[] = [];
      let next = 0;
      for (let step = 0; step < 5_000; step++) {
        const ring = rings[random(3)]!;
        // When gets take few: spells of puts (batches mostly) and spells of gets, so that the
        // ring fills with long runs and the gets split them.
        const op =
          takes < capacity
            ? (step >> 5) & 1
              ? 2 + random(2)
              : random(3) === 0
                ? 0
                : 1
            : random(4);
        if (op === 0) {
          const index = ring.claimPut();
          if (model.length === capacity) {
            expect(index).toBe(FULL);
          } else {
            expect(index).toBeGreaterThanOrEqual(0);
            values[index] = next;
            model.push(next++);
            ring.commitPut(index);
          }
        } else if (op === 1) {
          const count = ring.claimPutMany(1 + random(capacity));
          expect(count).toBe(Math.min(count, capacity - model.length));
          if (model.length === capacity) expect(count).toBe(0);
          else expect(count).toBeGreaterThan(0);
          for (let i = 0; i < count; i++) {
            values[ring.indexAt(i)] = next;
            model.push(next++);
          }
          ring.commitPutMany();
        } else if (op === 2) {
          const index = ring.claimGet();
          if (model.length === 0) {
            expect(index).toBe(FULL); // EMPTY_RING has the same value
          } else {
            expect(values[index]).toBe(model.shift());
            ring.commitGet(index);
          }
        } else {
          const max = 1 + random(takes);
          const count = ring.claimGetMany(max);
          expect(count).toBe(Math.min(max, model.length));
          for (let i = 0; i < count; i++) expect(values[ring.indexAt(i)]).toBe(model.shift());
          ring.commitGetMany();
        }
        expect(ring.size).toBe(model.length);
      }
      expect(next).toBeGreaterThan(takes < capacity ? 500 : 1_000);
      rings[1]!.close();
      expect(rings[0]!.claimPut()).toBe(CLOSED);
      expect(rings[1]!.claimPutMany(1)).toBe(CLOSED);
    },
  );
});

describe('Ring.closeGets (close with immediate)', () => {
  it('drops what is left, including an item still being written when it closed', () => {
    const { ring, values } = ringAt(3, (2 ** 31 - 8) | 0);
    const first = ring.claimPut();
    values[first] = 1;
    ring.commitPut(first);
    const writing = ring.claimPut(); // claimed before the close, published after it
    expect(ring.close()).toBe(true);
    ring.closeGets();
    values[writing] = 2;
    ring.commitPut(writing);
    expect(ring.claimGet()).toBe(CLOSED);
    expect(ring.claimGetMany(3)).toBe(CLOSED);
    expect(ring.claimPut()).toBe(CLOSED);
    expect(ring.size).toBe(0);
    expect(ring.closed).toBe(true);
  });
});

describe('Ring repair of dead claims', () => {
  it("revokes a dead producer's unpublished slot: getters pass the hole, items after it come out", () => {
    const dead = new Set<number>();
    const { ring, values, cells, layout } = ringAt(4, (2 ** 31 - 16) | 0, agents(1, dead));
    const other = new Ring(cells, layout, 4, agents(2, dead));
    const doomed = other.claimPut(); // agent 2 claims and never commits
    expect(doomed).toBeGreaterThanOrEqual(0);
    const index = ring.claimPut();
    values[index] = 7;
    ring.commitPut(index);
    expect(ring.claimGet()).toBe(STALLED);
    expect(ring.repairGet(false)).toBe(false); // agent 2 may still be alive
    dead.add(2);
    expect(ring.repairGet(false)).toBe(true);
    const got = ring.claimGet();
    expect(values[got]).toBe(7);
    ring.commitGet(got);
    expect(ring.agentFigures()).toContainEqual({
      id: 2,
      claimedPuts: 1,
      holes: 1,
      got: 0,
      lost: 0,
    });
    expect(other.commitPut(doomed)).toBe(false); // had it lived, its commit would fail
  });

  it("frees a dead consumer's slots one lap later and counts the items lost with it", () => {
    const dead = new Set<number>();
    const { ring, cells, layout } = ringAt(2, 0, agents(1, dead));
    const other = new Ring(cells, layout, 2, agents(3, dead));
    for (let i = 0; i < 2; i++) ring.commitPut(ring.claimPut());
    expect(other.claimGetMany(2)).toBe(2); // agent 3 claims both and never frees them
    expect(ring.claimPut()).toBe(STALLED);
    expect(ring.repairPut()).toBe(false);
    dead.add(3);
    expect(ring.repairPut()).toBe(true);
    expect(ring.claimPut()).toBeGreaterThanOrEqual(0);
    expect(ring.losses()).toEqual([{ id: 3, items: 2 }]);
  });

  it("on close, revokes even a live producer's claim so that gets end", () => {
    const { ring, cells, layout } = ringAt(2, 0);
    const other = new Ring(cells, layout, 2, agents(2));
    const claimed = other.claimPut();
    ring.close();
    expect(ring.claimGet()).toBe(STALLED);
    expect(ring.repairGet(true)).toBe(true);
    expect(ring.claimGet()).toBe(CLOSED);
    expect(other.commitPut(claimed)).toBe(false);
    expect(other.claimPut()).toBe(CLOSED);
  });
});

describe('Ring stall reports and the exit count', () => {
  it('names a producer that has not published only while the slot is still unpublished', () => {
    const { ring, cells, layout, values } = ringAt(4, 0);
    const other = new Ring(cells, layout, 4, agents(2));
    const claimed = other.claimPut();
    expect(ring.claimGet()).toBe(STALLED);
    expect(ring.describeStall('get')).toMatch(/claimed by 'agent 2', which has not published it/);
    values[claimed] = 1;
    other.commitPut(claimed);
    // Published now: nobody holds the slot, though agent 2's intent still covers it.
    expect(ring.describeStall('get')).toBeUndefined();
  });

  it('names a consumer that has not freed only while the slot is still held', () => {
    const { ring, cells, layout } = ringAt(2, 0);
    const other = new Ring(cells, layout, 2, agents(3));
    for (let i = 0; i < 2; i++) ring.commitPut(ring.claimPut());
    expect(other.claimGetMany(2)).toBe(2);
    expect(ring.claimPut()).toBe(STALLED);
    expect(ring.describeStall('put')).toMatch(/still claimed by 'agent 3', which has not freed it/);
    other.commitGetMany();
    expect(ring.describeStall('put')).toBeUndefined();
    expect(ring.claimPut()).toBeGreaterThanOrEqual(0);
  });

  it('skips the claim-table scan of a repair while no agent has exited, and repairs once one has', () => {
    const dead = new Set<number>([2]);
    let exits = 0;
    const who: Agents = { ...agents(1, dead), exits: () => exits };
    const { ring, cells, layout } = ringAt(4, 0, who);
    // Agent 2 is marked dead in the table but the count has not moved yet (the registry marks
    // an agent before it counts it): the repair waits for the count, as a stalled call polls.
    new Ring(cells, layout, 4, agents(2, dead)).claimPut();
    expect(ring.claimGet()).toBe(STALLED);
    expect(ring.repairGet(false)).toBe(false);
    exits = 1;
    expect(ring.repairGet(false)).toBe(true);
    expect(ring.claimGet()).toBe(-1); // EMPTY_RING: the hole was passed
    // A closed queue repairs a live claim whatever the count says.
    const closing = ringAt(2, 0, { ...agents(1), exits: () => 0 });
    new Ring(closing.cells, closing.layout, 2, agents(2)).claimPut();
    closing.ring.close();
    expect(closing.ring.claimGet()).toBe(STALLED);
    expect(closing.ring.repairGet(true)).toBe(true);
    expect(closing.ring.claimGet()).toBe(CLOSED);
  });
});

describe('Ring.roomAhead', () => {
  it('says whether the slot count - 1 past tail is free: room for count in a row', () => {
    const { ring } = ringAt(16, (2 ** 31 - 64) | 0);
    expect(ring.roomAhead(16)).toBe(true); // empty: a whole lap is free
    for (let i = 0; i < 16; i++) ring.commitPut(ring.claimPut());
    expect(ring.roomAhead(1)).toBe(false);
    ring.commitGet(ring.claimGet());
    expect([ring.roomAhead(1), ring.roomAhead(2)]).toEqual([true, false]);
    ring.commitGet(ring.claimGet());
    expect(ring.roomAhead(2)).toBe(true);
    // Across the index wrap: drain, move head and tail to index 14, fill, free indices 14, 15
    // and 0: the slot 2 past tail (index 0) is free, the slot 3 past it (index 1) is not.
    for (let i = 0; i < 14; i++) ring.commitGet(ring.claimGet()); // empty, at index 0
    for (let i = 0; i < 14; i++) ring.commitPut(ring.claimPut());
    for (let i = 0; i < 14; i++) ring.commitGet(ring.claimGet()); // empty, at index 14
    for (let i = 0; i < 16; i++) ring.commitPut(ring.claimPut());
    for (let i = 0; i < 3; i++) ring.commitGet(ring.claimGet());
    expect([ring.roomAhead(3), ring.roomAhead(4)]).toEqual([true, false]);
    ring.close();
    expect(ring.roomAhead(16)).toBe(true); // closed: the putter must attempt to find out
  });
});

describe('Ring.readyAhead', () => {
  it('says whether the item count - 1 past head is published: count ready in a row', () => {
    const { ring } = ringAt(16, (2 ** 31 - 64) | 0);
    expect(ring.readyAhead(1)).toBe(false); // empty
    ring.commitPut(ring.claimPut());
    expect([ring.readyAhead(1), ring.readyAhead(2)]).toEqual([true, false]);
    // A claimed item is not ready until its producer publishes it.
    const index = ring.claimPut();
    expect(ring.readyAhead(2)).toBe(false);
    ring.commitPut(index);
    expect(ring.readyAhead(2)).toBe(true);
    // A batch publishes every item of its run at once.
    expect(ring.claimPutMany(5)).toBe(5);
    ring.commitPutMany();
    expect([ring.readyAhead(7), ring.readyAhead(8)]).toEqual([true, false]);
    // Across the index wrap: with head at index 14, the item 3 past head is at index 1.
    for (let i = 0; i < 7; i++) ring.commitGet(ring.claimGet()); // empty, at index 7
    for (let i = 0; i < 7; i++) ring.commitPut(ring.claimPut());
    for (let i = 0; i < 7; i++) ring.commitGet(ring.claimGet()); // empty, at index 14
    for (let i = 0; i < 4; i++) ring.commitPut(ring.claimPut()); // indices 14, 15, 0, 1
    expect([ring.readyAhead(4), ring.readyAhead(5)]).toEqual([true, false]);
    // Full: every item of the lap is ready; none past it.
    for (let i = 0; i < 12; i++) ring.commitPut(ring.claimPut());
    expect([ring.readyAhead(16), ring.readyAhead(1)]).toEqual([true, true]);
    // Closed and drained: not seen here (tail is not read), so the hint stays false and the
    // getter's patience ends it; closed for gets (immediate): every later claim is CLOSED.
    ring.close();
    for (let i = 0; i < 16; i++) ring.commitGet(ring.claimGet());
    expect(ring.readyAhead(1)).toBe(false);
    ring.closeGets();
    expect(ring.readyAhead(16)).toBe(true);
  });
});

/** The ring's private parts these tests reach into, to stop an agent between two steps. */
interface Internals {
  pub: number;
  free: number;
  table: number;
  claimed: number;
  claimedCount: number;
  claimEnd: number;
  oneLap: number;
  fillMarks(base: number, first: number, count: number, value: number): void;
}

function internals(ring: Ring): Internals {
  return ring as unknown as Internals;
}

/** Claim-table words (see ring.ts): a put intent's start and count, and the won put claim. */
const E_PUT_START = 0;
const E_PUT_COUNT = 1;
const E_PUT_WON = 12;

describe('Ring repairs end exactly where the claim ends', () => {
  it("passes a dead producer's batch whole when it died after its continuation marks, before its release", () => {
    const dead = new Set<number>();
    const { ring, values, cells, layout } = ringAt(8, (2 ** 31 - 32) | 0, agents(1, dead));
    const other = new Ring(cells, layout, 8, agents(2, dead));
    expect(other.claimPutMany(3)).toBe(3);
    for (let i = 0; i < 3; i++) values[other.indexAt(i)] = 100 + i;
    // Everything of commitPutMany but the release: these marks say "published" to a reader
    // that lands inside the claim, so the hole must cover all of it.
    const o = internals(other);
    o.fillMarks(o.pub, o.claimed, 3, o.claimEnd);
    expect(ring.claimPutMany(2)).toBe(2);
    values[ring.indexAt(0)] = 7;
    values[ring.indexAt(1)] = 8;
    expect(ring.commitPutMany()).toBe(2);
    expect(ring.claimGetMany(8)).toBe(0);
    expect(ring.scanResult).toBe(STALLED);
    expect(ring.repairGet(false)).toBe(false); // agent 2 may still be alive
    dead.add(2);
    expect(ring.repairGet(false)).toBe(true);
    const got = ring.claimGetMany(8);
    expect(Array.from({ length: got }, (_, i) => values[ring.indexAt(i)])).toEqual([7, 8]);
    ring.commitGetMany();
    expect(ring.claimGet()).toBe(-1); // EMPTY_RING
    expect(ring.size).toBe(0);
    expect(ring.agentFigures()).toContainEqual({
      id: 2,
      claimedPuts: 3,
      holes: 3,
      got: 0,
      lost: 0,
    });
    expect(other.commitPutMany()).toBe(0); // had it lived, its release would fail
  });

  it.each([
    [4, 1],
    [1, 4],
  ])(
    'with dead intents never marked won (a claim of %i, a lost CAS of %i), repairs position by position',
    (real, lost) => {
      const dead = new Set<number>([2, 3]);
      const { ring, values, cells, layout } = ringAt(8, 0, agents(1, dead));
      const head = cells[layout.head]!;
      // Agent 2 claimed `real` positions and died before it could mark the claim won; agent 3's
      // intent of `lost` positions at the same place is a CAS it lost, and it died before
      // clearing it. Neither length can be trusted: one position at a time loses nothing.
      const claimant = new Ring(cells, layout, 8, agents(2, dead));
      expect(claimant.claimPutMany(real)).toBe(real);
      const row2 = layout.table + ENTRY_WORDS;
      cells[row2 + E_PUT_WON] = head - 1;
      const row3 = layout.table + 2 * ENTRY_WORDS;
      cells[row3 + E_PUT_START] = head;
      cells[row3 + E_PUT_COUNT] = lost;
      cells[row3 + E_PUT_WON] = head - 1;
      expect(ring.claimPutMany(2)).toBe(2);
      values[ring.indexAt(0)] = 7;
      values[ring.indexAt(1)] = 8;
      ring.commitPutMany();
      const taken: number[] = [];
      for (let round = 0; round < 12 && taken.length < 2; round++) {
        const got = ring.claimGetMany(8);
        if (got === 0) {
          expect(ring.scanResult).toBe(STALLED);
          expect(ring.repairGet(false)).toBe(true);
          continue;
        }
        for (let i = 0; i < got; i++) taken.push(values[ring.indexAt(i)]!);
        ring.commitGetMany();
      }
      expect(taken).toEqual([7, 8]);
      expect(ring.size).toBe(0);
    },
  );

  it("on close, revokes a live producer's whole batch once it is marked won; what follows it drains", () => {
    const { ring, values, cells, layout } = ringAt(8, 0);
    const other = new Ring(cells, layout, 8, agents(2));
    expect(other.claimPutMany(3)).toBe(3);
    const row2 = layout.table + ENTRY_WORDS;
    const won = cells[row2 + E_PUT_WON]!;
    cells[row2 + E_PUT_WON] = won - 1; // between its CAS and marking the claim won
    expect(ring.claimPutMany(1)).toBe(1);
    values[ring.indexAt(0)] = 9;
    ring.commitPutMany();
    ring.close();
    expect(ring.claimGetMany(8)).toBe(0);
    expect(ring.repairGet(true)).toBe(false); // not yet: the length of its claim is not sure
    cells[row2 + E_PUT_WON] = won;
    expect(ring.repairGet(true)).toBe(true);
    const got = ring.claimGetMany(8);
    expect(got).toBe(1);
    expect(values[ring.indexAt(0)]).toBe(9);
    ring.commitGetMany();
    expect(ring.claimGetMany(8)).toBe(CLOSED);
    expect(other.commitPutMany()).toBe(0);
    expect(other.agentFigures()).toContainEqual({
      id: 2,
      claimedPuts: 3,
      holes: 3,
      got: 0,
      lost: 0,
    });
  });

  it("frees a dead consumer's batch that died after its continuation marks, and counts it lost once", () => {
    const dead = new Set<number>();
    const { ring, values, cells, layout } = ringAt(4, (2 ** 31 - 16) | 0, agents(1, dead));
    const other = new Ring(cells, layout, 4, agents(3, dead));
    for (let i = 0; i < 4; i++) {
      const index = ring.claimPut();
      values[index] = i;
      ring.commitPut(index);
    }
    expect(other.claimGetMany(3)).toBe(3);
    const o = internals(other);
    o.fillMarks(o.free, o.claimed, 3, (o.claimEnd + o.oneLap) | 0); // all but its release
    expect(ring.claimPut()).toBe(STALLED);
    expect(ring.repairPut()).toBe(false);
    dead.add(3);
    expect(ring.repairPut()).toBe(true);
    for (let i = 0; i < 3; i++) {
      const index = ring.claimPut();
      expect(index).toBeGreaterThanOrEqual(0);
      values[index] = 10 + i;
      ring.commitPut(index);
    }
    expect(ring.claimPut()).toBe(FULL);
    const taken: number[] = [];
    for (let index = ring.claimGet(); index >= 0; index = ring.claimGet()) {
      taken.push(values[index]!);
      ring.commitGet(index);
    }
    expect(taken).toEqual([3, 10, 11, 12]);
    expect(ring.losses()).toEqual([{ id: 3, items: 3 }]);
    expect(ring.sweep()).toBe(0);
    expect(ring.losses()).toEqual([{ id: 3, items: 3 }]);
  });

  it("sweep() settles a dead agent's won claims wherever they lie, and leaves one never marked won", () => {
    const dead = new Set<number>();
    const { ring, cells, layout } = ringAt(8, 0, agents(1, dead));
    const producer = new Ring(cells, layout, 8, agents(2, dead));
    expect(producer.claimPutMany(2)).toBe(2); // won, never released
    const unsure = new Ring(cells, layout, 8, agents(3, dead));
    expect(unsure.claimPutMany(2)).toBe(2);
    cells[layout.table + 2 * ENTRY_WORDS + E_PUT_WON] = -1; // died before marking it won
    dead.add(2);
    dead.add(3);
    expect(ring.sweep()).toBe(1);
    expect(ring.sweep()).toBe(0);
    const figures = ring.agentFigures();
    expect(figures).toContainEqual({ id: 2, claimedPuts: 2, holes: 2, got: 0, lost: 0 });
    expect(figures.find((f) => f.id === 3)?.holes).toBe(0);
    // The consumer passes the swept hole, then stops at agent 3's claim and repairs it there,
    // one position at a time (an intent not marked won does not say how long the claim is).
    for (let position = 0; position < 2; position++) {
      expect(ring.claimGetMany(8)).toBe(0);
      expect(ring.scanResult).toBe(STALLED);
      expect(ring.repairGet(false)).toBe(true);
    }
    expect(ring.claimGetMany(8)).toBe(0);
    expect(ring.scanResult).toBe(-1); // EMPTY_RING: both claims passed
    expect(ring.agentFigures()).toContainEqual({
      id: 3,
      claimedPuts: 2,
      holes: 2,
      got: 0,
      lost: 0,
    });
  });
});

describe('Ring repairs found wanting in review', () => {
  it('a repairer held up for a lap does not put back stale freed marks', () => {
    const dead = new Set<number>();
    const who = (self: number): Agents => watched(self, dead);
    const { ring, values, cells, layout } = ringAt(4, 0, who(1));
    const late = new Ring(cells, layout, 4, who(3));
    const doomed = new Ring(cells, layout, 4, who(2));
    const consumer = new Ring(cells, layout, 4, who(4));
    const putAll = (xs: number[]): void => {
      expect(ring.claimPutMany(xs.length)).toBe(xs.length);
      xs.forEach((x, i) => (values[ring.indexAt(i)] = x));
      expect(ring.commitPutMany()).toBe(xs.length);
    };
    putAll([0, 1, 2, 3]);
    expect(doomed.claimGetMany(3)).toBe(3); // agent 2 claims three and dies
    dead.add(2);
    expect(consumer.claimGetMany(4)).toBe(1);
    consumer.commitGetMany();
    expect(ring.claimPutMany(4)).toBe(STALLED);
    // Agent 3 begins the same repair and is held up after reading what it needs...
    const l = late as unknown as {
      freedMark(p: number): number;
      claimAt(start: number, p: number, closed: boolean): unknown;
      freeFor(claim: unknown, p: number, mark: number): boolean;
      oneLap: number;
    };
    const tail = cells[layout.tail]!;
    const mark = l.freedMark(tail);
    const last = (tail - l.oneLap) | 0;
    const claim = l.claimAt(4, last, false);
    // ...while agent 1 repairs, and a whole lap goes round.
    expect(ring.repairPut()).toBe(true);
    putAll([4, 5, 6, 7]);
    expect(consumer.claimGetMany(4)).toBe(4);
    consumer.commitGetMany();
    const before = Array.from(cells.subarray(layout.freed, layout.freed + 4));
    l.freeFor(claim, last, mark); // it resumes: its CAS fails, and it must write nothing stale
    expect(Array.from(cells.subarray(layout.freed, layout.freed + 4))).toEqual(before);
    for (let lap = 0; lap < 3; lap++) {
      putAll([1, 2, 3]);
      expect(consumer.claimGetMany(4)).toBe(3);
      consumer.commitGetMany();
    }
    expect(ring.losses()).toEqual([{ id: 2, items: 3 }]);
  });

  it('run caches do not outlive batch claims, even after 2^31 positions of batches', () => {
    // Capacity 2^22 - 1: one lap is 2^23 position units, so 258 laps of batches pass 2^31.
    const capacity = (1 << 22) - 1;
    const { ring: producer, cells, layout } = ringAt(capacity, 0);
    const consumer = new Ring(cells, layout, capacity, agents(2));
    expect(producer.claimPutMany(capacity)).toBe(capacity);
    producer.commitPutMany();
    consumer.commitGet(consumer.claimGet()); // single get: fills its cache
    producer.commitPut(producer.claimPut()); // single put: fills its cache
    for (let lap = 0; lap < 258; lap++) {
      expect(consumer.claimGetMany(capacity)).toBe(capacity);
      consumer.commitGetMany();
      expect(producer.claimPutMany(capacity)).toBe(capacity);
      producer.commitPutMany();
    }
    expect(producer.claimPut()).toBe(FULL);
    expect(consumer.claimGetMany(capacity)).toBe(capacity);
    consumer.commitGetMany();
    expect(consumer.claimGet()).toBe(-1); // EMPTY_RING
    expect(consumer.size).toBe(0);
  });

  it("a dead agent's stale intent never sizes a hole over items published after it", () => {
    const dead = new Set<number>([9]);
    const who = (self: number): Agents => watched(self, dead);
    const { ring: consumer, values, cells, layout } = ringAt(8, 0, who(1));
    const ghost = new Ring(cells, layout, 8, who(2));
    const producer = new Ring(cells, layout, 8, who(3));
    const take = (): number[] => {
      const taken: number[] = [];
      for (let round = 0; round < 10; round++) {
        const got = consumer.claimGetMany(8);
        if (got > 0) {
          for (let i = 0; i < got; i++) taken.push(values[consumer.indexAt(i)]!);
          consumer.commitGetMany();
        } else if (consumer.scanResult === STALLED) {
          consumer.repairGet(false);
        } else break;
      }
      return taken;
    };
    // Agent 2 intends (0, 6) and loses its CAS to agent 4, then dies before it clears the
    // intent. Agent 4 dies too, before it marks its claim of 2 won: one position at a time is
    // revoked, and the items published after it all come out.
    const intend = (ring: Ring, position: number, count: number): void =>
      (ring as unknown as { intend(s: number, p: number, c: number, i: number): void }).intend(
        0,
        position,
        count,
        count,
      );
    intend(ghost, 0, 6);
    const claimant = new Ring(cells, layout, 8, who(4));
    expect(claimant.claimPutMany(2)).toBe(2);
    cells[layout.table + 3 * ENTRY_WORDS + E_PUT_WON] = -1;
    dead.add(2);
    dead.add(4);
    expect(producer.claimPutMany(3)).toBe(3);
    [20, 21, 22].forEach((x, i) => (values[producer.indexAt(i)] = x));
    expect(producer.commitPutMany()).toBe(3);
    expect(take()).toEqual([20, 21, 22]);
    // With an agent without a row (ids past the table) at work, such an intent is no guide at
    // all: that agent may be the claimant, alive, its marks written and its release to come.
    const untracked = new Ring(cells, layout, 8, who(0)); // no row: ids past the table
    intend(ghost, cells[layout.tail]!, 6);
    expect(untracked.claimPutMany(2)).toBe(2);
    expect(producer.claimPutMany(1)).toBe(1);
    values[producer.indexAt(0)] = 30;
    producer.commitPutMany();
    expect(take()).toEqual([]);
    [10, 11].forEach((x, i) => (values[untracked.indexAt(i)] = x));
    expect(untracked.commitPutMany()).toBe(2);
    expect(take()).toEqual([10, 11, 30]);
  });

  it('a producer writes its continuation marks before its release, never after', () => {
    // After the release, consumers may take the whole run and a lap may go round: marks written
    // then by a producer held up in between would land over the next lap's.
    const { ring, values } = ringAt(8, 0);
    const order: string[] = [];
    const r = ring as unknown as { fillMarks(...args: number[]): void };
    const fill = r.fillMarks.bind(ring);
    r.fillMarks = (...args: number[]): void => {
      order.push('marks');
      fill(...args);
    };
    expect(ring.claimPutMany(3)).toBe(3);
    for (let i = 0; i < 3; i++) values[ring.indexAt(i)] = i;
    const cas = vi.spyOn(Atomics, 'compareExchange');
    cas.mockImplementation((...args) => {
      order.push('release');
      cas.mockRestore();
      return Atomics.compareExchange(...args);
    });
    expect(ring.commitPutMany()).toBe(3);
    expect(order).toEqual(['marks', 'release']);
  });
});

describe('Continuation marks, lazily', () => {
  it('a batch outside a refresh lap writes no continuation marks; a consumer that stops inside it marks where', () => {
    const oneLap = lapOf(16);
    const start = oneLap; // lap 1: not a refresh lap
    const { ring: producer, values, cells, layout } = ringAt(16, start);
    const first = new Ring(cells, layout, 16, agents(2));
    const second = new Ring(cells, layout, 16, agents(3));
    const marks = (): number[] =>
      Array.from(cells.subarray(layout.published, layout.published + 8));
    const before = marks();
    putAll(producer, values, [0, 1, 2, 3, 4, 5, 6, 7]);
    // Only the release: the first slot's mark says where the run ends.
    expect(marks()).toEqual([start + 8, ...before.slice(1)]);
    expect(take(first, values, 3)).toEqual([0, 1, 2]);
    expect(cells[layout.published + 3]).toBe(start + 8); // where it stopped
    const index = second.claimGet(); // a single get splits too
    expect(values[index]).toBe(3);
    second.commitGet(index);
    expect(cells[layout.published + 4]).toBe(start + 8);
    expect(take(first, values, 16)).toEqual([4, 5, 6, 7]);

    // The freed side, the mirror image: producers split the consumers' freed runs.
    putAll(producer, values, [8, 9, 10, 11, 12, 13, 14, 15]); // slots 8-15, the rest of lap 1
    expect(take(second, values, 16)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    const other = new Ring(cells, layout, 16, agents(4));
    putAll(other, values, [16, 17]); // from slot 0 of lap 2, inside the first consumer's run
    expect(cells[layout.freed + 2]).toBe(start + oneLap + 3); // that run ends at slot 3
    putAll(producer, values, [18]);
    putAll(other, values, [19, 20, 21, 22, 23, 24, 25]); // on through slot 8's run
    expect(take(first, values, 16)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  });

  it('a consumer held up for a lap inside its split cannot stop the next release', () => {
    const capacity = 8;
    const oneLap = lapOf(capacity);
    const { ring: producer, values, cells, layout } = ringAt(capacity, oneLap); // lap 1
    const late = new Ring(cells, layout, capacity, agents(2));
    const consumer = new Ring(cells, layout, capacity, agents(3));
    putAll(producer, values, [0, 1, 2, 3, 4, 5, 6, 7]);
    const first = late.claimGet(); // one single get: its cache says 7 more in this run
    expect(values[first]).toBe(0);
    late.commitGet(first);
    expect(take(consumer, values, 8)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    putAll(producer, values, [10, 11]); // lap 2, slots 0-1
    expect(producer.claimPutMany(6)).toBe(6); // slots 2-7, not released yet
    [12, 13, 14, 15, 16, 17].forEach((x, i) => (values[producer.indexAt(i)] = x));
    // Its next get trusts a stale cache: head has moved on, so it marks nothing, its claim
    // fails, and it takes the next lap's first item.
    const before = cells[layout.published + 2];
    const index = late.claimGet();
    expect(cells[layout.published + 2]).toBe(before);
    expect(values[index]).toBe(10);
    late.commitGet(index);
    // Had it been held up inside that call, between its check of head (which then still said
    // the claim's start) and its CAS, it would have marked slot 2 with last lap's run end, an
    // older lap's mark now. Its CAS, made here with a check that passes, as the real one did:
    const split = late as unknown as Splitter;
    split.markSplit(layout.published, oneLap + 2, 2 * oneLap, layout.head, cells[layout.head]!);
    expect(cells[layout.published + 2]).toBe(2 * oneLap); // lap 1 ends where lap 2 starts
    // The release goes over that older mark rather than take it for a revoke.
    expect(producer.commitPutMany()).toBe(6);
    expect(take(consumer, values, 8)).toEqual([11, 12, 13, 14, 15, 16, 17]);
    expect(consumer.agentFigures()).toContainEqual({
      id: 1,
      claimedPuts: 16,
      holes: 0,
      got: 0,
      lost: 0,
    });
  });

  it('a producer taken for dead while it ran fails its release, even once its slot was reused', () => {
    const capacity = 4;
    const dead = new Set<number>();
    const who = (self: number): Agents => watched(self, dead);
    const { ring: consumer, cells, layout } = ringAt(capacity, 0, who(1));
    const slow = new Ring(cells, layout, capacity, who(2));
    const next = new Ring(cells, layout, capacity, who(3));
    const index = slow.claimPut(); // claims slot 0, and is reported exited while it still runs
    dead.add(2);
    expect(consumer.claimGet()).toBe(STALLED);
    expect(consumer.repairGet(false)).toBe(true); // revoked: a hole
    expect(consumer.claimGet()).toBe(-1); // passes the hole: EMPTY_RING
    for (let i = 0; i < capacity - 1; i++) {
      next.commitPut(next.claimPut());
      consumer.commitGet(consumer.claimGet());
    }
    const reused = next.claimPut(); // slot 0 of the next lap
    expect(reused).toBe(index);
    expect(next.commitPut(reused)).toBe(true);
    expect(slow.commitPut(index)).toBe(false); // its item was revoked: its put tries again
    expect(consumer.claimGet()).toBe(index); // and the next lap's item is there
  });

  it('every mark is rewritten often enough that 32-bit positions never wrap round to it', () => {
    // The largest lap (2^26 position units, at MAX_CAPACITY = 2^24 slots): positions wrap every
    // 64 laps, so a mark left from lap 0 would read as 28 laps ahead at lap 100. Batches of the
    // whole ring never split a run, so only the refresh laps rewrite the marks inside them.
    const capacity = MAX_CAPACITY;
    const { ring: producer, cells, layout } = ringAt(capacity, 0);
    const consumer = new Ring(cells, layout, capacity, agents(2));
    const other = new Ring(cells, layout, capacity, agents(3));
    for (let lap = 0; lap < 100; lap++) {
      expect(producer.claimPutMany(capacity)).toBe(capacity);
      expect(producer.commitPutMany()).toBe(capacity);
      expect(consumer.claimGetMany(capacity)).toBe(capacity);
      consumer.commitGetMany();
    }
    expect(producer.claimPutMany(capacity)).toBe(capacity);
    producer.commitPutMany();
    expect(consumer.claimGetMany(5)).toBe(5); // splits the run at slot 5
    consumer.commitGetMany();
    expect(other.claimGetMany(capacity)).toBe(capacity - 5);
    other.commitGetMany();
    // And the producers find the freed side the same way.
    expect(producer.claimPutMany(7)).toBe(7);
    producer.commitPutMany();
    expect(other.claimPutMany(capacity)).toBe(capacity - 7);
  });

  it('with split hints, a producer writes its marks while consumers split its runs, and stops after', () => {
    const capacity = 16;
    const oneLap = lapOf(capacity);
    const { ring: producer, values, cells, layout } = ringAt(capacity, oneLap, agents(1), true);
    const consumer = new Ring(cells, layout, capacity, agents(2));
    const interior = (): number => cells[layout.published + 5]!;
    putAll(producer, values, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(interior()).not.toBe(oneLap + 8); // no split yet: no marks
    for (let i = 0; i < 8; i++) consumer.commitGet(consumer.claimGet()); // single gets split it
    putAll(producer, values, [8, 9, 10, 11, 12, 13, 14, 15]); // slots 8-15
    putAll(producer, values, [16, 17, 18, 19, 20, 21, 22, 23]); // slots 0-7 of lap 2
    expect(interior()).toBe(2 * oneLap + 8); // written by the producer: the gets find them
    // Laps of whole batches (from slot 8), taken whole: no split, so the marks stop once the
    // hint is 16 laps old (the last lap, 22, is no refresh lap).
    for (let lap = 0; lap < 20; lap++) {
      expect(take(consumer, values, 16).length).toBe(16);
      putAll(producer, values, new Array<number>(16).fill(lap));
      const end = cells[layout.published + 8]!; // the release: where this run ends
      if (lap < 10) expect(interior()).toBe(end);
      if (lap >= 18) expect(interior()).not.toBe(end);
    }
  });

  it("a repair that revokes a dead producer's whole claim in a refresh lap writes its marks for it", () => {
    const dead = new Set<number>();
    const who = (self: number): Agents => watched(self, dead);
    const oneLap = lapOf(16);
    const { ring: consumer, cells, layout } = ringAt(16, 16 * oneLap, who(1)); // lap 16
    const doomed = new Ring(cells, layout, 16, who(2));
    expect(doomed.claimPutMany(8)).toBe(8); // won, never released
    const interior = (): number[] =>
      Array.from(cells.subarray(layout.published + 1, layout.published + 8));
    const before = interior();
    dead.add(2);
    expect(consumer.claimGetMany(16)).toBe(0);
    expect(consumer.repairGet(false)).toBe(true);
    expect(before).not.toContain(16 * oneLap + 8);
    expect(interior()).toEqual(new Array<number>(7).fill(16 * oneLap + 8));
    expect(cells[layout.published]).toBe((16 * oneLap + 8) | 32); // the hole: end | markBit
    expect(consumer.claimGetMany(16)).toBe(0); // passes the hole, and finds nothing after it
    expect(consumer.size).toBe(0);
  });
  it("a producer taken for dead while it ran writes none of its marks over the next lap's", () => {
    const dead = new Set<number>();
    const who = (self: number): Agents => watched(self, dead);
    const oneLap = lapOf(16);
    const { ring: consumer, values, cells, layout } = ringAt(16, 16 * oneLap, who(1)); // lap 16
    const slow = new Ring(cells, layout, 16, who(2));
    const next = new Ring(cells, layout, 16, who(3));
    expect(slow.claimPutMany(8)).toBe(8); // a refresh lap: its release would write its marks
    dead.add(2); // reported exited while it still runs
    expect(consumer.claimGetMany(16)).toBe(0);
    expect(consumer.repairGet(false)).toBe(true);
    expect(consumer.claimGetMany(16)).toBe(0); // passes the hole
    putAll(next, values, [0, 1, 2, 3, 4, 5, 6, 7]); // slots 8-15
    expect(take(consumer, values, 16)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    putAll(next, values, [8, 9, 10, 11, 12, 13, 14, 15]); // slots 0-7 of lap 17, reused
    expect(take(consumer, values, 3)).toEqual([8, 9, 10]); // splits the run at slot 3
    const marks = (): number[] =>
      Array.from(cells.subarray(layout.published + 1, layout.published + 8));
    const before = marks();
    expect(slow.commitPutMany()).toBe(0); // revoked: it puts again
    expect(marks()).toEqual(before);
    const other = new Ring(cells, layout, 16, who(4));
    expect(take(other, values, 16)).toEqual([11, 12, 13, 14, 15]);
  });
  it("a claim whose first slot holds last lap's hole is still its own: its refresh lap writes its marks", () => {
    // Found in review of 3779fe2, whose release took any hole mark for a revoke of its own claim.
    const dead = new Set<number>();
    const who = (self: number): Agents => watched(self, dead);
    const oneLap = lapOf(16);
    const { ring: producer, cells, layout } = ringAt(16, 15 * oneLap, who(1)); // lap 15
    const consumer = new Ring(cells, layout, 16, who(2));
    const doomed = new Ring(cells, layout, 16, who(3));
    expect(doomed.claimPutMany(8)).toBe(8); // slots 0-7, never released
    dead.add(3);
    expect(producer.claimPutMany(16)).toBe(8); // slots 8-15
    producer.commitPutMany();
    expect(consumer.claimGetMany(16)).toBe(0);
    expect(consumer.repairGet(false)).toBe(true); // a hole at slot 0
    expect(consumer.claimGetMany(16)).toBe(8); // passes it
    consumer.commitGetMany();
    expect(producer.claimPutMany(16)).toBe(16); // lap 16, a refresh lap, from slot 0
    expect(producer.commitPutMany()).toBe(16);
    expect(Array.from(cells.subarray(layout.published + 1, layout.published + 16))).toEqual(
      new Array<number>(15).fill(17 * oneLap),
    );
  });

  it("a release in a refresh lap over a held-up consumer's older split mark still writes its marks", () => {
    const capacity = 8;
    const oneLap = lapOf(capacity);
    const { ring: producer, cells, layout } = ringAt(capacity, 15 * oneLap); // lap 15
    const late = new Ring(cells, layout, capacity, agents(2));
    const consumer = new Ring(cells, layout, capacity, agents(3));
    expect(producer.claimPutMany(capacity)).toBe(capacity);
    producer.commitPutMany();
    late.commitGet(late.claimGet()); // its cache: 7 more in this run
    expect(consumer.claimGetMany(capacity)).toBe(capacity - 1);
    consumer.commitGetMany();
    expect(producer.claimPutMany(2)).toBe(2); // lap 16 (refresh), slots 0-1
    producer.commitPutMany();
    expect(producer.claimPutMany(6)).toBe(6); // slots 2-7, not released yet
    // The late consumer, held up inside a split at slot 2 of lap 15 (its check of head passed
    // then), writes lap 15's end there:
    const split = late as unknown as Splitter;
    split.markSplit(
      layout.published,
      15 * oneLap + 2,
      16 * oneLap,
      layout.head,
      cells[layout.head]!,
    );
    expect(cells[layout.published + 2]).toBe(16 * oneLap);
    expect(producer.commitPutMany()).toBe(6);
    expect(Array.from(cells.subarray(layout.published + 3, layout.published + 8))).toEqual(
      new Array<number>(5).fill(17 * oneLap),
    );
  });
});

describe("Agents idle for half the positions' wrap", () => {
  // An agent's guess of head or tail, and its run cache, may be any number of laps old when it
  // next calls: the split marks must not be written from them (see markSplit). At MAX_CAPACITY
  // the positions wrap every 64 laps, so a view 40 laps old reads the current marks as older.
  const cap = MAX_CAPACITY;
  const hinted = (hints: boolean) => {
    const { ring: producer, cells, layout } = ringAt(cap, 0, agents(1), hints);
    return {
      producer,
      idle: new Ring(cells, layout, cap, agents(2)),
      busy: new Ring(cells, layout, cap, agents(3)),
    };
  };

  it.each([false, true])(
    'a getter idle for 40 laps leaves later gets draining (hints %s)',
    (hints) => {
      const { producer, idle, busy } = hinted(hints);
      producer.claimPutMany(cap);
      producer.commitPutMany();
      idle.commitGet(idle.claimGet()); // its cache: the rest of this run
      expect(busy.claimGetMany(cap)).toBe(cap - 1);
      busy.commitGetMany();
      wholeLaps(40, producer, busy);
      expect(idle.claimGet()).toBe(-1); // EMPTY_RING, having marked nothing
      producer.claimPutMany(cap);
      producer.commitPutMany();
      expect(busy.claimGetMany(2)).toBe(2);
      busy.commitGetMany();
      expect(busy.claimGetMany(cap)).toBe(cap - 2);
    },
  );

  it.each([false, true])(
    'a putter idle for 40 laps leaves later puts finding room (hints %s)',
    (hints) => {
      const { producer, idle, busy: consumer } = hinted(hints);
      wholeLaps(1, producer, consumer);
      idle.commitPut(idle.claimPut()); // its cache: the rest of the freed run
      producer.claimPutMany(cap);
      producer.commitPutMany();
      consumer.claimGetMany(cap);
      consumer.commitGetMany();
      wholeLaps(40, producer, consumer);
      idle.commitPut(idle.claimPut());
      expect(producer.claimPutMany(1)).toBe(1);
      producer.commitPutMany();
      expect(consumer.claimGetMany(cap)).toBe(2);
      consumer.commitGetMany();
      expect(producer.claimPutMany(cap)).toBe(cap);
    },
  );

  it.each([false, true])(
    'a getter idle for 63 laps takes nothing that was not published (hints %s)',
    (hints) => {
      const { producer, idle, busy } = hinted(hints);
      wholeLaps(5, producer, busy);
      producer.claimPutMany(cap);
      producer.commitPutMany();
      idle.commitGet(idle.claimGet());
      busy.claimGetMany(cap);
      busy.commitGetMany();
      wholeLaps(63, producer, busy); // laps 6-68
      producer.claimPutMany(10);
      producer.commitPutMany();
      idle.commitGet(idle.claimGet()); // takes the first of the 10
      expect(busy.claimGetMany(1)).toBe(1);
      busy.commitGetMany();
      expect(busy.claimGetMany(cap)).toBe(8);
    },
  );
});

describe('Agents held up inside a call, at the split or the revoke', () => {
  // What an agent read inside one call (a run's end from scanGet or freeRun, a claim's end in a
  // revoke) may be any number of laps old by the time it writes a split mark, had its thread
  // been held up in between. Each test holds one up at its first markSplit (`meanwhile` runs
  // there), lets the others move 40 laps at MAX_CAPACITY (the positions wrap every 64, so the
  // current marks then read as older than the stale ones), and checks it wrote nothing.
  const cap = MAX_CAPACITY;

  /**
   * Makes `ring`'s next markSplit run `meanwhile` first (its thread held up there), and `after`
   * once that call returns.
   */
  function holdUpAtSplit(ring: Ring, meanwhile: () => void, after?: () => void): { later: number } {
    const inner = ring as unknown as Splitter;
    const original = inner.markSplit.bind(ring);
    const calls = { later: 0 };
    let held = false;
    inner.markSplit = (...args: number[]) => {
      if (held) {
        calls.later++;
        return original(...args);
      }
      held = true;
      meanwhile();
      const result = original(...args);
      after?.();
      return result;
    };
    return calls;
  }

  it('a batch get held up between its scan and its claim writes no split, and its claim fails', () => {
    const { ring: producer, cells, layout } = ringAt(cap, 0);
    const late = new Ring(cells, layout, cap, agents(2));
    const busy = new Ring(cells, layout, cap, agents(3));
    wholeLaps(1, producer, busy); // lap 1 is no refresh lap: no marks inside the next run
    producer.claimPutMany(cap);
    producer.commitPutMany();
    expect(late.scanGet(5)).toBe(5); // the whole lap's run, capped at 5: a split at slot 5
    let before = 0;
    holdUpAtSplit(late, () => {
      expect(busy.claimGetMany(cap)).toBe(cap);
      busy.commitGetMany();
      wholeLaps(40, producer, busy);
      before = cells[layout.published + 5]!;
    });
    expect(late.claimScanned(5)).toBe(false);
    expect(cells[layout.published + 5]).toBe(before);
    producer.claimPutMany(cap);
    producer.commitPutMany();
    expect(busy.claimGetMany(3)).toBe(3);
    busy.commitGetMany();
    expect(busy.claimGetMany(cap)).toBe(cap - 3);
  });

  it('a batch put held up between its look at the freed run and its claim writes no split', () => {
    const { ring: producer, cells, layout } = ringAt(cap, 0);
    const late = new Ring(cells, layout, cap, agents(2));
    const consumer = new Ring(cells, layout, cap, agents(3));
    wholeLaps(1, producer, consumer); // lap 0's slots freed for lap 1 as one run
    let before = 0;
    holdUpAtSplit(
      late,
      () => {
        wholeLaps(40, producer, consumer);
        before = cells[layout.freed + 7]!;
      },
      () => expect(cells[layout.freed + 7]).toBe(before),
    );
    // Splits that run at slot 7: held up, it writes nothing; its CAS fails (tail moved on), and
    // it claims again from where tail is now (splitting this lap's run there, rightly).
    expect(late.claimPutMany(7)).toBe(7);
    late.commitPutMany();
    expect(producer.claimPutMany(cap)).toBe(cap - 7);
    producer.commitPutMany();
    expect(consumer.claimGetMany(cap)).toBe(cap);
  });

  it("a repairer held up in the refresh fill of a dead producer's claim writes nothing once it moved on", () => {
    const dead = new Set<number>();
    const who = (self: number): Agents => watched(self, dead);
    const { ring: producer, cells, layout } = ringAt(cap, 0, who(1)); // lap 0: a refresh lap
    const doomed = new Ring(cells, layout, cap, who(2));
    const late = new Ring(cells, layout, cap, who(3));
    const busy = new Ring(cells, layout, cap, who(4));
    expect(doomed.claimPutMany(8)).toBe(8); // won, never released
    dead.add(2);
    expect(late.claimGetMany(cap)).toBe(0);
    const interior = (): number[] =>
      Array.from(cells.subarray(layout.published + 1, layout.published + 8));
    let before: number[] = [];
    const calls = holdUpAtSplit(late, () => {
      // Another repairer revokes the claim meanwhile, and the queue goes on for 40 laps.
      expect(busy.claimGetMany(cap)).toBe(0);
      expect(busy.repairGet(false)).toBe(true);
      expect(busy.claimGetMany(cap)).toBe(0); // passes the hole
      wholeLaps(40, producer, busy);
      before = interior();
    });
    expect(late.repairGet(false)).toBe(true); // its CAS fails: the claim is long gone
    expect(interior()).toEqual(before);
    expect(calls.later).toBe(0); // its fill stopped at the first mark that said so
    expect(producer.claimPutMany(cap)).toBe(cap);
    producer.commitPutMany();
    expect(busy.claimGetMany(4)).toBe(4);
    busy.commitGetMany();
    expect(late.claimGetMany(cap)).toBe(cap - 4);
    expect(late.agentFigures()).toContainEqual({
      id: 2,
      claimedPuts: 8,
      holes: 8,
      got: 0,
      lost: 0,
    });
  });

  it('a repairer killed in the refresh fill leaves the whole claim to the next one, who fills it all', () => {
    const dead = new Set<number>();
    const who = (self: number): Agents => watched(self, dead);
    const oneLap = lapOf(16);
    const { ring: consumer, cells, layout } = ringAt(16, 16 * oneLap, who(1)); // lap 16
    const doomed = new Ring(cells, layout, 16, who(2));
    const killed = new Ring(cells, layout, 16, who(3));
    expect(doomed.claimPutMany(8)).toBe(8);
    dead.add(2);
    expect(killed.claimGetMany(16)).toBe(0);
    let calls = 0;
    const inner = killed as unknown as Splitter;
    const original = inner.markSplit.bind(killed);
    inner.markSplit = (...args: number[]) => {
      if (++calls === 3) throw new Error('killed'); // its thread ends here
      return original(...args);
    };
    expect(() => killed.repairGet(false)).toThrow('killed');
    dead.add(3);
    const end = 16 * oneLap + 8;
    expect(cells[layout.published]).not.toBe(end | 32); // no hole yet: the claim is still open
    expect(consumer.claimGetMany(16)).toBe(0);
    expect(consumer.repairGet(false)).toBe(true);
    expect(Array.from(cells.subarray(layout.published + 1, layout.published + 8))).toEqual(
      new Array<number>(7).fill(end),
    );
    expect(cells[layout.published]).toBe(end | 32);
  });
});

describe('Refresh laps after revoked claims', () => {
  it("two refresh laps that start on last lap's hole still leave no mark 33 laps old: gets drain", () => {
    // At MAX_CAPACITY (positions wrap every 64 laps): had each refresh lap's claim taken the
    // hole for a revoke of its own and skipped its fill (3779fe2), slot 3's mark would be 33
    // laps old at lap 34, read as ahead, and the gets would wedge there.
    const cap = MAX_CAPACITY;
    const oneLap = lapOf(cap);
    const dead = new Set<number>();
    const who = (self: number): Agents => watched(self, dead);
    const { ring: producer, cells, layout } = ringAt(cap, oneLap, who(1)); // lap 1
    const consumer = new Ring(cells, layout, cap, who(2));
    const killedInLap = (id: number): void => {
      const doomed = new Ring(cells, layout, cap, who(id));
      expect(doomed.claimPutMany(8)).toBe(8);
      dead.add(id);
      expect(producer.claimPutMany(cap)).toBe(cap - 8);
      producer.commitPutMany();
      expect(consumer.claimGetMany(cap)).toBe(0);
      expect(consumer.repairGet(false)).toBe(true);
      expect(consumer.claimGetMany(cap)).toBe(cap - 8);
      consumer.commitGetMany();
    };
    wholeLaps(14, producer, consumer); // laps 1-14
    killedInLap(3); // lap 15: the next lap's claim from slot 0 starts on its hole
    wholeLaps(15, producer, consumer); // laps 16-30
    killedInLap(4); // lap 31: again
    wholeLaps(2, producer, consumer); // laps 32-33
    expect(producer.claimPutMany(cap)).toBe(cap); // lap 34
    expect(producer.commitPutMany()).toBe(cap);
    expect(consumer.claimGetMany(3)).toBe(3); // splits the run at slot 3
    consumer.commitGetMany();
    const other = new Ring(cells, layout, cap, who(1));
    expect(other.claimGetMany(cap)).toBe(cap - 3);
  });
});
