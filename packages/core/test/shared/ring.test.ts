// The ring's position arithmetic where 32-bit positions wrap round (after about 2^30 items in
// real use): start a ring just below 2^31 and push it across.
import { describe, expect, it } from 'vitest';
import {
  CLOSED,
  ENTRY_WORDS,
  FULL,
  Ring,
  STALLED,
  type Agents,
  type RingLayout,
} from '../../src/shared/ring.js';

/** Agents for tests: `self` claims, and ids in `dead` have exited. */
function agents(self: number, dead: Set<number> = new Set()): Agents {
  return { self, hasExited: (id) => dead.has(id), agentName: (id) => `agent ${id}` };
}

const ROWS = 4;

/**
 * A ring of `capacity` whose head and tail start at `start` (lap-aligned), stamps to match,
 * with a claim table of {@link ROWS} agents after the stamps.
 */
function ringAt(
  capacity: number,
  start: number,
  who: Agents = agents(1),
): { ring: Ring; values: number[]; layout: RingLayout; cells: Int32Array } {
  const table = 2 + capacity;
  const cells = new Int32Array(new SharedArrayBuffer((table + ROWS * ENTRY_WORDS) * 4));
  const layout: RingLayout = { head: 0, tail: 1, stamps: 2, table, agents: ROWS };
  const ring = new Ring(cells, layout, capacity, who);
  cells[0] = start;
  cells[1] = start;
  for (let i = 0; i < capacity; i++) cells[2 + i] = (start + i) | 0;
  return { ring, values: new Array<number>(capacity), layout, cells };
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
   */
  it.each([
    [1, 0],
    [3, 0],
    [4, (2 ** 31 - 40) | 0],
    [7, (2 ** 31 - 160) | 0],
  ])('capacity %i starting at position %i matches a FIFO model', (capacity, start) => {
    let mark = 1;
    while (mark < capacity + 1) mark *= 2;
    const aligned = start & ~(mark * 2 - 1);
    const first = ringAt(capacity, aligned);
    const values = first.values;
    const rings = [first.ring, new Ring(first.cells, first.layout, capacity, agents(2))];
    let seed = 12345 + capacity;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 5_000; step++) {
      const ring = rings[random(2)]!;
      const op = random(4);
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
        const max = 1 + random(capacity);
        const count = ring.claimGetMany(max);
        expect(count).toBe(Math.min(max, model.length));
        for (let i = 0; i < count; i++) expect(values[ring.indexAt(i)]).toBe(model.shift());
        ring.commitGetMany();
      }
      expect(ring.size).toBe(model.length);
    }
    expect(next).toBeGreaterThan(1_000);
    rings[1]!.close();
    expect(rings[0]!.claimPut()).toBe(CLOSED);
    expect(rings[1]!.claimPutMany(1)).toBe(CLOSED);
  });
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
