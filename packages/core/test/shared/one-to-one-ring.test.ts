// The one-to-one ring on its own (queue/one-to-one-ring.ts): positions across the 32-bit wrap,
// the roles (a second live producer or consumer is refused; an exited one's role is taken over,
// and its books settled), and close racing a put or a get between its copy and its CAS.
import { describe, expect, it } from 'vitest';
import { RoleError } from '../../src/errors.js';
import { OneToOneRing, type OneToOneLayout } from '../../src/shared/queue/one-to-one-ring.js';
import {
  CLOSED,
  E_GET_COUNT,
  E_GOT,
  E_PUT,
  E_PUT_COUNT,
  EMPTY_RING,
  ENTRY_WORDS,
  FULL,
  type Agents,
} from '../../src/shared/ring.js';

const ROWS = 4;
const LAYOUT: OneToOneLayout = {
  head: 0,
  tail: 1,
  producerRole: 2,
  consumerRole: 3,
  spansSeen: 4,
  table: 8,
  agents: ROWS,
};

/** Agent `self`'s view; ids in `dead` have exited; ids above `rows` could never be reported exited. */
function agents(self: number, dead: Set<number>, rows = 64): Agents {
  return {
    self,
    hasExited: (id) => dead.has(id),
    canReportExit: (id) => id >= 1 && id <= rows,
    agentName: (id) => `agent ${id}`,
  };
}

/** Shared words for a ring of `capacity` (positions only: the tests keep values by slot index). */
function cellsFor(): Int32Array {
  return new Int32Array(new SharedArrayBuffer((LAYOUT.table + ROWS * ENTRY_WORDS) * 4));
}

function ringOf(
  cells: Int32Array,
  capacity: number,
  self: number,
  dead = new Set<number>(),
  rows = 64,
) {
  return new OneToOneRing(cells, LAYOUT, capacity, agents(self, dead, rows), 'pair');
}

/** Puts `values` through one claim and commit; returns how many went in. */
function putMany(ring: OneToOneRing, slots: number[], values: number[]): number {
  const count = ring.claimPutMany(values.length);
  if (count <= 0) return count;
  for (let i = 0; i < count; i++) slots[ring.indexAt(i)] = values[i]!;
  return ring.commitPutMany();
}

/** Takes up to `max` values: scan, copy, claim, as the queue does. */
function getMany(ring: OneToOneRing, slots: number[], max: number): number[] | number {
  const found = ring.scanGet(max);
  if (found === 0) return ring.scanResult;
  const out = Array.from({ length: found }, (_, i) => slots[ring.scannedIndex(i)]!);
  if (!ring.claimScanned(found)) return CLOSED;
  ring.commitGetMany();
  return out;
}

describe('OneToOneRing across the 32-bit wrap', () => {
  it.each([1, 3, 4, 5, 7])(
    'capacity %i stays FIFO and bounded while positions overflow',
    (capacity) => {
      let mark = 1;
      while (mark < capacity + 1) mark *= 2;
      const start = (2 ** 31 - 3 * mark * 2) | 0; // lap-aligned, a few laps below 2^31
      const cells = cellsFor();
      const producer = ringOf(cells, capacity, 1);
      const consumer = ringOf(cells, capacity, 2);
      producer.init(start);
      const slots = new Array<number>(capacity);
      let next = 0;
      let expected = 0;
      for (let step = 0; step < 300; step++) {
        // Fill in batches of varying size, check full, then take a varying number.
        for (let k = 1; ; k = (k % 3) + 1) {
          const values = Array.from({ length: k }, (_, i) => next + i);
          const put = putMany(producer, slots, values);
          if (put === 0) break;
          next += put;
        }
        expect(consumer.size).toBe(capacity);
        expect(producer.claimPut()).toBe(FULL);
        const want = 1 + (step % capacity);
        const got = getMany(consumer, slots, want);
        expect(got).toEqual(Array.from({ length: want }, (_, i) => expected + i));
        expected += want;
        expect(consumer.size).toBe(capacity - want);
      }
      // Drain: single gets read before the CAS that frees the slot.
      while (expected < next) {
        const index = consumer.claimGet();
        expect(index).toBeGreaterThanOrEqual(0);
        expect(slots[index]).toBe(expected++);
        expect(consumer.commitGet(index)).toBe(1);
      }
      expect(consumer.claimGet()).toBe(EMPTY_RING);
      expect(consumer.size).toBe(0);
    },
  );
});

describe('OneToOneRing: two objects of one agent', () => {
  it("take turns on each side without trusting each other's cache of the other index", () => {
    const cells = cellsFor();
    const producers = [ringOf(cells, 5, 1), ringOf(cells, 5, 1)];
    const consumers = [ringOf(cells, 5, 2), ringOf(cells, 5, 2)];
    producers[0]!.init();
    const slots = new Array<number>(5);
    let next = 0;
    let expected = 0;
    for (let step = 0; step < 400; step++) {
      const producer = producers[(step >> 1) % 2]!;
      const consumer = consumers[(step * 7) % 3 === 0 ? 1 : 0]!;
      const count = 1 + (step % 4);
      const put = putMany(
        producer,
        slots,
        Array.from({ length: count }, (_, i) => next + i),
      );
      expect(put).toBeGreaterThanOrEqual(0);
      next += put;
      const got = getMany(consumer, slots, 1 + ((step * 3) % 5));
      if (typeof got === 'number') {
        expect(got).toBe(EMPTY_RING);
        expect(next).toBe(expected);
        continue;
      }
      expect(got).toEqual(Array.from({ length: got.length }, (_, i) => expected + i));
      expected += got.length;
      expect(consumers[0]!.size).toBe(next - expected);
    }
  });
});

describe('OneToOneRing: a cache of the other index', () => {
  // Positions are 32-bit: an object whose cache is 2^31 items old (another object of the agent
  // moved the ring meanwhile) could find it a plausible small distance away. Simulated by moving
  // head and tail to one position before the cached one, which is the same position after a wrap.
  it('is not trusted once the own index moved without this object', () => {
    // Capacity 4: index bits 0-2, mark bit 8, one lap 16.
    const cells = cellsFor();
    const producer = ringOf(cells, 4, 1);
    const consumer = ringOf(cells, 4, 2);
    producer.init(16);
    putMany(producer, [], [1, 2]);
    expect(getMany(consumer, [1, 2], 1)).toEqual([1]); // at head 17, caches tail 18
    // Empty at position 16, laps later: the cached tail would say 2 items are there.
    Atomics.store(cells, LAYOUT.head, 16);
    Atomics.store(cells, LAYOUT.tail, 16);
    expect(consumer.scanGet(1)).toBe(0);
    expect(consumer.scanResult).toBe(EMPTY_RING);
    // The producer likewise: at tail 17 it caches head 16.
    const fresh = cellsFor();
    const p2 = ringOf(fresh, 4, 1);
    p2.init(16);
    putMany(p2, [], [1]);
    // Full at tail 18, laps later (head 2, a lap behind): the cached head would leave 2 free.
    Atomics.store(fresh, LAYOUT.head, 2);
    Atomics.store(fresh, LAYOUT.tail, 18);
    expect(p2.claimPut()).toBe(FULL);
  });
});

describe('OneToOneRing roles', () => {
  it('refuses a second live producer and a second live consumer, naming the holder', () => {
    const cells = cellsFor();
    const first = ringOf(cells, 4, 1);
    const second = ringOf(cells, 4, 2);
    first.init();
    const slots: number[] = [];
    expect(putMany(first, slots, [1, 2])).toBe(2);
    expect(() => second.claimPutMany(1)).toThrow(RoleError);
    expect(() => second.claimPut()).toThrow(/put by 'agent 2'.*producer is 'agent 1'/);
    expect(getMany(second, slots, 1)).toEqual([1]);
    expect(() => first.scanGet(1)).toThrow(/get by 'agent 1'.*consumer is 'agent 2'/);
    expect(() => first.claimGet()).toThrow(RoleError);
    // The refused calls took nothing: the other item is still there for the consumer.
    expect(getMany(second, slots, 4)).toEqual([2]);
  });

  it('lets the next agent take over an exited producer, and counts its claim only if published', () => {
    const dead = new Set<number>();
    const cells = cellsFor();
    const row = (id: number): number => LAYOUT.table + (id - 1) * ENTRY_WORDS;
    const slots: number[] = [];
    const first = ringOf(cells, 8, 1, dead);
    first.init();
    expect(putMany(first, slots, [0, 1, 2])).toBe(3);
    // Agent 1 claims 2 more and dies before its CAS: nothing of them is published.
    expect(first.claimPutMany(2)).toBe(2);
    dead.add(1);
    const second = ringOf(cells, 8, 2, dead);
    expect(putMany(second, slots, [3])).toBe(1);
    expect(cells[row(1) + E_PUT]).toBe(3);
    expect(cells[row(1) + E_PUT_COUNT]).toBe(0); // settled
    expect(cells[row(2) + E_PUT]).toBe(1);
    // Once settled, the dead claim stays uncounted even after tail has passed where it lay.
    expect(putMany(second, slots, [4, 5])).toBe(2);
    second.sweep();
    expect(cells[row(1) + E_PUT]).toBe(3);
    const consumer = ringOf(cells, 8, 3, dead);
    expect(getMany(consumer, slots, 8)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('counts an exited producer claim that its CAS published before it could count it', () => {
    const dead = new Set<number>();
    const cells = cellsFor();
    const row = LAYOUT.table;
    const first = ringOf(cells, 8, 1, dead);
    first.init();
    expect(putMany(first, [], [0, 1])).toBe(2);
    // As if agent 1 died between its CAS and the store of its total.
    cells[row + E_PUT] = 0;
    dead.add(1);
    expect(ringOf(cells, 8, 9, dead).sweep()).toBe(1);
    expect(cells[row + E_PUT]).toBe(2);
    expect(ringOf(cells, 8, 9, dead).sweep()).toBe(0); // once
  });

  it('settles an exited consumer: what its CAS took counts as got, what it did not stays', () => {
    const dead = new Set<number>();
    const cells = cellsFor();
    const row = LAYOUT.table + ENTRY_WORDS; // agent 2
    const slots: number[] = [];
    const producer = ringOf(cells, 8, 1, dead);
    producer.init();
    putMany(producer, slots, [0, 1, 2, 3, 4]);
    const first = ringOf(cells, 8, 2, dead);
    expect(getMany(first, slots, 2)).toEqual([0, 1]);
    cells[row + E_GOT] = 0; // died between its CAS and the store of its total
    dead.add(2);
    const second = ringOf(cells, 8, 3, dead);
    expect(getMany(second, slots, 8)).toEqual([2, 3, 4]);
    expect(cells[row + E_GOT]).toBe(2);
    expect(cells[row + E_GET_COUNT]).toBe(0);
    const figures = second.agentFigures();
    expect(figures.map((f) => [f.id, f.claimedPuts, f.got])).toEqual([
      [1, 5, 0],
      [2, 0, 2],
      [3, 0, 3],
    ]);
    expect(second.losses()).toEqual([]);
  });
});

describe('OneToOneRing close', () => {
  it('a put whose CAS comes after close() publishes nothing; gets drain, then CLOSED', () => {
    const cells = cellsFor();
    const producer = ringOf(cells, 4, 1);
    const consumer = ringOf(cells, 4, 2);
    producer.init();
    const slots: number[] = [];
    putMany(producer, slots, [7]);
    expect(producer.claimPutMany(2)).toBe(2);
    expect(producer.close()).toBe(true);
    expect(producer.close()).toBe(false);
    expect(producer.commitPutMany()).toBe(0);
    expect(producer.claimPutMany(1)).toBe(CLOSED);
    expect(producer.claimPut()).toBe(CLOSED);
    expect(consumer.closed).toBe(true);
    expect(getMany(consumer, slots, 4)).toEqual([7]);
    expect(getMany(consumer, slots, 4)).toBe(CLOSED);
    expect(consumer.claimGet()).toBe(CLOSED);
  });

  it('close({ immediate }) between a get copy and its CAS drops the items: the get takes none', () => {
    const cells = cellsFor();
    const producer = ringOf(cells, 4, 1);
    const consumer = ringOf(cells, 4, 2);
    producer.init();
    const slots: number[] = [];
    putMany(producer, slots, [1, 2, 3]);
    expect(consumer.scanGet(2)).toBe(2);
    producer.close();
    producer.closeGets();
    expect(consumer.claimScanned(2)).toBe(false);
    expect(consumer.scanGet(2)).toBe(0);
    expect(consumer.scanResult).toBe(CLOSED);
    expect(consumer.size).toBe(0);
    // The single get: read, then the CAS, which fails the same way.
    const cells2 = cellsFor();
    const p2 = ringOf(cells2, 4, 1);
    const c2 = ringOf(cells2, 4, 2);
    p2.init();
    putMany(p2, [], [5]);
    const index = c2.claimGet();
    expect(index).toBe(0);
    p2.close();
    p2.closeGets();
    expect(c2.commitGet(index)).toBe(0);
    expect(c2.claimGet()).toBe(CLOSED);
  });

  it('reads its own index plainly only after its own CAS of it succeeded, and atomically after any that failed', () => {
    // One thread sees every write at once, so whether a claim loads plainly or atomically shows
    // only in the flags ("Own index" in one-to-one-ring.ts): each failure path must clear them,
    // or a plain load that missed a close's mark could keep a `try` loop from seeing it.
    const owns = (ring: OneToOneRing) => {
      const flags = ring as unknown as { tailOwn: boolean; headOwn: boolean };
      return [flags.tailOwn, flags.headOwn];
    };
    const cells = cellsFor();
    const producer = ringOf(cells, 4, 1);
    const consumer = ringOf(cells, 4, 2);
    producer.init();
    const slots: number[] = [];
    expect(owns(producer)).toEqual([false, false]); // nothing published yet: atomic
    putMany(producer, slots, [1, 2]);
    expect(owns(producer)).toEqual([true, false]);
    expect(getMany(consumer, slots, 1)).toEqual([1]);
    expect(owns(consumer)).toEqual([false, true]);
    // close({ immediate }) between the consumer's copy and its CAS: the CAS fails.
    expect(producer.claimPutMany(1)).toBe(1);
    expect(consumer.scanGet(1)).toBe(1);
    producer.close();
    producer.closeGets();
    expect(consumer.claimScanned(1)).toBe(false);
    expect(owns(consumer)).toEqual([false, false]);
    // ... and the producer's publishing CAS after the close fails too.
    expect(producer.commitPutMany()).toBe(0);
    expect(owns(producer)).toEqual([false, false]);
    expect(producer.claimPutMany(1)).toBe(CLOSED);
    expect(consumer.scanGet(1)).toBe(0);
    expect(consumer.scanResult).toBe(CLOSED);
    // A role lost to a successor (its exit reported early) clears the flag as well.
    const cells2 = cellsFor();
    const dead = new Set<number>();
    const first = ringOf(cells2, 4, 1, dead);
    first.init();
    putMany(first, [], [1]);
    expect(owns(first)).toEqual([true, false]);
    dead.add(1);
    const second = ringOf(cells2, 4, 3, dead);
    expect(second.claimPutMany(1)).toBe(1); // takes the role over
    expect(first.claimPutMany(1)).toBe(1);
    expect(first.commitPutMany()).toBe(0); // its role check stops it before the CAS
    expect(owns(first)).toEqual([false, false]);
    // The same for a consumer.
    const slots2: number[] = [];
    const cells3 = cellsFor();
    const gone = new Set<number>();
    const maker = ringOf(cells3, 4, 1, gone);
    const taker = ringOf(cells3, 4, 2, gone);
    maker.init();
    putMany(maker, slots2, [1, 2, 3]);
    expect(getMany(taker, slots2, 1)).toEqual([1]);
    expect(owns(taker)).toEqual([false, true]);
    expect(taker.scanGet(1)).toBe(1);
    gone.add(2);
    const heir = ringOf(cells3, 4, 4, gone);
    expect(getMany(heir, slots2, 1)).toEqual([2]); // takes the role over
    expect(taker.claimScanned(1)).toBe(false);
    expect(owns(taker)).toEqual([false, false]);
  });
});

describe('OneToOneRing: what the review of the first version found', () => {
  it('refuses a role to an agent whose exit the registry could never report', () => {
    const cells = cellsFor();
    const untracked = ringOf(cells, 4, 9, new Set(), 8);
    untracked.init();
    expect(() => untracked.claimPutMany(1)).toThrow(/id 9\) has no row in the registry/);
    expect(() => untracked.scanGet(1)).toThrow(RoleError);
    expect(Atomics.load(cells, LAYOUT.producerRole)).toBe(0); // nothing taken
  });

  it('does not settle a dead holder against an index its successor has moved since', () => {
    const dead = new Set<number>();
    const cells = cellsFor();
    const row = LAYOUT.table; // agent 1
    const first = ringOf(cells, 8, 1, dead);
    first.init();
    putMany(first, [], [0, 1]);
    expect(first.claimPutMany(3)).toBe(3); // dies with 3 claimed, unpublished
    dead.add(1);
    const second = ringOf(cells, 8, 2, dead);
    putMany(second, [], [2, 3, 4, 5]); // takes over (settles agent 1: 2), moves tail past
    // A sweep that read the dead holder's row before the takeover settles it only now: it
    // must see that the role has moved on, and leave the books alone.
    cells[row + E_PUT_COUNT] = 3; // the row as that sweep read it
    const late = ringOf(cells, 8, 3, dead) as unknown as {
      settle(id: number, op: 'put' | 'get'): boolean;
    };
    expect(late.settle(1, 'put')).toBe(false);
    expect(cells[row + E_PUT]).toBe(2);
  });

  it('stops a holder reported exited while it still runs at its next publish: RoleError after', () => {
    const dead = new Set<number>();
    const cells = cellsFor();
    const slots: number[] = [];
    const first = ringOf(cells, 8, 1, dead);
    first.init();
    putMany(first, slots, [0]);
    dead.add(1); // reported exited, but its object goes on
    const second = ringOf(cells, 8, 2, dead);
    putMany(second, slots, [1]);
    expect(first.claimPutMany(1)).toBe(1);
    expect(first.commitPutMany()).toBe(0); // publishes nothing
    expect(() => first.claimPutMany(1)).toThrow(/producer is 'agent 2'/);
    const consumer = ringOf(cells, 8, 3, dead);
    expect(getMany(consumer, slots, 8)).toEqual([0, 1]);
  });

  it('says closed to any agent on a closed queue, before any role: puts, and gets once drained', () => {
    const cells = cellsFor();
    const producer = ringOf(cells, 4, 1);
    const consumer = ringOf(cells, 4, 2);
    const other = ringOf(cells, 4, 3);
    producer.init();
    const slots: number[] = [];
    putMany(producer, slots, [1]);
    expect(getMany(consumer, slots, 1)).toEqual([1]);
    putMany(producer, slots, [2]);
    producer.close();
    expect(other.claimPutMany(1)).toBe(CLOSED);
    expect(other.claimPut()).toBe(CLOSED);
    expect(() => other.scanGet(1)).toThrow(RoleError); // not drained: the consumer's item
    expect(getMany(consumer, slots, 1)).toEqual([2]);
    expect(other.scanGet(1)).toBe(0);
    expect(other.scanResult).toBe(CLOSED);
    expect(other.claimGet()).toBe(CLOSED);
  });
});
