// The ring's position arithmetic where 32-bit positions wrap round (after about 2^30 items in
// real use): start a ring just below 2^31 and push it across.
import { describe, expect, it } from 'vitest';
import { CLOSED, FULL, Ring } from '../../src/shared/ring.js';

/**
 * A ring of `capacity` whose head and tail start at `start` (lap-aligned), stamps to match;
 * `stride` words per slot, as the number lanes use.
 */
function ringAt(capacity: number, start: number, stride = 1): { ring: Ring; values: number[] } {
  const cells = new Int32Array(new SharedArrayBuffer((2 + capacity * stride) * 4));
  const ring = new Ring(cells, { head: 0, tail: 1, stamps: 2, stride }, capacity);
  cells[0] = start;
  cells[1] = start;
  for (let i = 0; i < capacity; i++) cells[2 + i * stride] = (start + i) | 0;
  return { ring, values: new Array<number>(capacity) };
}

describe('Ring across the 32-bit wrap', () => {
  it.each([
    [1, 1],
    [3, 1],
    [4, 2],
    [5, 4],
  ])(
    'capacity %i (stride %i) stays FIFO and bounded while positions overflow',
    (capacity, stride) => {
      let mark = 1;
      while (mark < capacity + 1) mark *= 2;
      const oneLap = mark * 2;
      // A lap-aligned start a few laps below 2^31: the positions will turn negative on the way.
      const start = (2 ** 31 - 3 * oneLap) | 0;
      const { ring, values } = ringAt(capacity, start, stride);
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
    const { ring, values } = ringAt(capacity, (2 ** 31 - 16) | 0, 4);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 100; round++) {
      const count = ring.claimPutMany(3);
      for (let i = 0; i < count; i++) values[ring.indexAt(i)] = next++;
      ring.commitPutMany(count);
      const got = ring.claimGetMany(2 + (round % 3));
      for (let i = 0; i < got; i++) expect(values[ring.indexAt(i)]).toBe(expected++);
      ring.commitGetMany(got);
    }
    expect(expected).toBeGreaterThan(200);
    ring.close();
    expect(ring.claimPut()).toBe(CLOSED);
    for (let got = ring.claimGetMany(5); got > 0; got = ring.claimGetMany(5)) {
      for (let i = 0; i < got; i++) expect(values[ring.indexAt(i)]).toBe(expected++);
      ring.commitGetMany(got);
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
    const first = ringAt(capacity, aligned, 2);
    const values = first.values;
    const cells = (first.ring as unknown as { cells: Int32Array }).cells;
    const rings = [
      first.ring,
      new Ring(cells, { head: 0, tail: 1, stamps: 2, stride: 2 }, capacity),
    ];
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
        ring.commitPutMany(count);
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
        ring.commitGetMany(count);
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
    const { ring, values } = ringAt(3, (2 ** 31 - 8) | 0, 2);
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
