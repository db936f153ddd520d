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
