// SharedQueue across real worker_threads: exactly once, per-producer order, close semantics,
// and gets that time out or are aborted under contention.
import { afterEach, describe, expect, it } from 'vitest';
import { SharedQueue } from '../../src/index.js';
import { nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

interface Taken {
  values: Float64Array;
  gaveUp: number;
}

/** Runs producers and consumers on one queue, closes it when the producers are done. */
async function pass(options: {
  producers: number;
  consumers: number;
  items: number;
  capacity: number;
  batch: number;
  mode: 'batch' | 'single' | 'flaky' | 'try';
  oneToOne?: boolean;
}): Promise<Taken[]> {
  const queue = new SharedQueue<number>({
    capacity: options.capacity,
    codec: 'float64',
    name: 'items',
    oneToOne: options.oneToOne ?? false,
  });
  const perProducer = options.items / options.producers;
  const consumers = Array.from({ length: options.consumers }, (_, id) =>
    startWorker('queue-consumer', { queue: queue.handle, id, mode: options.mode }),
  );
  const results = consumers.map((worker) => nextMessage<Taken>(worker));
  const producers = Array.from({ length: options.producers }, (_, id) =>
    startWorker('queue-producer', {
      queue: queue.handle,
      id,
      count: perProducer,
      batch: options.batch,
      mode: options.mode,
    }),
  );
  await Promise.all(producers.map((worker) => nextMessage(worker)));
  queue.close();
  const taken = await Promise.all(results);
  expect(queue.size).toBe(0);
  return taken;
}

/** Every item exactly once, and each consumer saw each producer's items in increasing order. */
function check(taken: Taken[], producers: number, items: number): void {
  const perProducer = items / producers;
  const counts = new Uint8Array(items);
  let total = 0;
  for (const { values } of taken) {
    const last = new Float64Array(producers).fill(-1);
    for (const value of values) {
      const producer = Math.floor(value / 1e7);
      const index = value - producer * 1e7;
      if (!(producer >= 0 && producer < producers && index >= 0 && index < perProducer)) {
        throw new Error(`unexpected item ${value}`);
      }
      if (index <= last[producer]!) {
        throw new Error(
          `producer ${producer}'s item ${index} came after its item ${last[producer]}`,
        );
      }
      last[producer] = index;
      const slot = producer * perProducer + index;
      if (counts[slot] !== 0) throw new Error(`item ${value} taken twice`);
      counts[slot] = 1;
      total++;
    }
  }
  const missing = counts.indexOf(0);
  if (missing !== -1) {
    const producer = Math.floor(missing / perProducer);
    throw new Error(`item ${producer * 1e7 + (missing % perProducer)} was never taken`);
  }
  expect(total).toBe(items);
}

describe('SharedQueue between worker_threads', () => {
  it('passes 1,000,000 items from 4 producers to 4 consumers through capacity 64 (batches): exactly once, in order per producer', async () => {
    const taken = await pass({
      producers: 4,
      consumers: 4,
      items: 1_000_000,
      capacity: 64,
      batch: 32,
      mode: 'batch',
    });
    check(taken, 4, 1_000_000);
  });

  it('passes 400,000 items with tryPutMany / tryGetMany, which never block: exactly once, in order per producer', async () => {
    const taken = await pass({
      producers: 4,
      consumers: 4,
      items: 400_000,
      capacity: 64,
      batch: 48,
      mode: 'try',
    });
    check(taken, 4, 400_000);
  });

  it.each([
    ['batch', 1_000_000, 64, 32],
    ['try', 400_000, 64, 48],
    ['single', 200_000, 64, 1],
    ['flaky', 40_000, 8, 1],
  ] as const)(
    'one-to-one (%s): passes %i items from one producer to one consumer through capacity %i, exactly once and in order',
    async (mode, items, capacity, batch) => {
      const taken = await pass({
        producers: 1,
        consumers: 1,
        items,
        capacity,
        batch,
        mode,
        oneToOne: true,
      });
      check(taken, 1, items);
      if (mode === 'flaky') expect(taken[0]!.gaveUp).toBeGreaterThan(0);
    },
  );

  it('passes 200,000 items one put and one get at a time, exactly once and in order per producer', async () => {
    const taken = await pass({
      producers: 4,
      consumers: 4,
      items: 200_000,
      capacity: 64,
      batch: 1,
      mode: 'single',
    });
    check(taken, 4, 200_000);
  });

  it('loses and doubles nothing when gets keep timing out and being aborted under contention', async () => {
    const taken = await pass({
      producers: 2,
      consumers: 4,
      items: 40_000,
      capacity: 8,
      batch: 1,
      mode: 'flaky',
    });
    check(taken, 2, 40_000);
    // The scenario must really have exercised giving up.
    expect(taken.reduce((sum, t) => sum + t.gaveUp, 0)).toBeGreaterThan(0);
  });

  it.each([
    ['many-to-many', false, [0, 1]],
    ['one-to-one', true, [0]],
  ] as const)(
    'close({ immediate: true }) under contention (%s): every item taken at most once, the rest dropped, nobody left waiting',
    async (_, oneToOne, sides) => {
      const capacity = 16;
      const queue = new SharedQueue<number>({
        capacity,
        codec: 'float64',
        name: 'dropping',
        oneToOne,
      });
      const consumers = sides.map((id) =>
        startWorker('queue-consumer', { queue: queue.handle, id, mode: 'single' }),
      );
      const results = consumers.map((worker) => nextMessage<Taken>(worker));
      const producers = sides.map((id) =>
        startWorker('queue-producer', {
          queue: queue.handle,
          id,
          count: 1e6, // far more than can pass before the close: the producers are cut off
          batch: 1,
          untilClosed: true,
        }),
      );
      const put = producers.map((worker) => nextMessage<{ put: number }>(worker));
      // Let items flow (no timing assumption: we only wait until some have gone through).
      while (queue.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      queue.close({ immediate: true });
      expect(queue.size).toBe(0);
      const counts = (await Promise.all(put)).map((p) => p.put);
      const taken = await Promise.all(results);
      // Consumers claim positions in ring order, so what was taken of each producer's items is
      // a prefix of what it put, each item once; the dropped rest fitted in the ring.
      const seen = [new Set<number>(), new Set<number>()];
      for (const { values } of taken) {
        const last = [-1, -1];
        for (const value of values) {
          const producer = Math.floor(value / 1e7);
          const index = value - producer * 1e7;
          expect(index).toBeGreaterThan(last[producer]!);
          last[producer] = index;
          expect(seen[producer]!.has(index)).toBe(false);
          seen[producer]!.add(index);
        }
      }
      let dropped = 0;
      for (const producer of sides) {
        const got = seen[producer]!.size;
        for (let index = 0; index < got; index++) expect(seen[producer]!.has(index)).toBe(true);
        expect(got).toBeLessThanOrEqual(counts[producer]!);
        dropped += counts[producer]! - got;
      }
      expect(dropped).toBeLessThanOrEqual(capacity);
      expect(counts.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
    },
  );

  it('answers puts on a full queue while another agent is stopped in the middle of a get', async () => {
    // Runs in a worker so that a put spinning for ever fails this test instead of hanging it.
    const worker = startWorker('stalled-get', {});
    const report = await Promise.race([
      nextMessage<Record<string, unknown>>(worker),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('a put spun, waiting for the stalled get')), 20_000),
      ),
    ]);
    expect(report).toEqual({
      tryPut: false,
      putSync: 'timed out',
      putManySync: 'timed out',
      size: 1,
    });
  });

  it('wakes a consumer blocked in getSync when the main thread closes the queue', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'float64' });
    const consumer = startWorker('queue-consumer', { queue: queue.handle, id: 0, mode: 'single' });
    const result = nextMessage<Taken>(consumer);
    await queue.put(7);
    await queue.put(8);
    queue.close();
    const { values } = await result;
    expect([...values]).toEqual([7, 8]);
  });
});
