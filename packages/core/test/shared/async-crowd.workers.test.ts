// Crowds of async gets and puts on one SharedQueue in several worker_threads at once, giving up
// at random (timeouts, aborts before and during the sleep): every item is taken exactly once,
// and every worker ends by itself once its calls are over (an async sleep keeps a worker alive
// only while it lasts). Then the getters calm down (no more giving up) and the main thread puts
// more items one at a time: a wake-up lost to a call that gave up earlier (an entry left in the
// word's wait list) would leave an item in the queue with every getter asleep.
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedQueue } from '../../src/index.js';
import { eventually, nextMessage, seeded, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

interface Got {
  values: Float64Array;
  gaveUp: number;
}

/** Resolves with the exit code of `worker`, registered before it can exit. */
function exitCode(worker: Worker): Promise<number> {
  return once(worker, 'exit').then(([code]) => code as number);
}

describe('crowds of async calls across worker_threads', () => {
  it.each([
    { getters: 3, gets: 40, putters: 2, puts: 30, capacity: 4, items: 6_000 },
    { getters: 2, gets: 200, putters: 3, puts: 5, capacity: 64, items: 6_000 },
  ])(
    '$getters workers x $gets gets, $putters workers x $puts puts, capacity $capacity: each item exactly once',
    async ({ getters, gets, putters, puts, capacity, items }) => {
      const runSeed = Date.now() % 2 ** 31;
      const seed = seeded(runSeed);
      const queue = new SharedQueue<number>({ capacity, codec: 'float64', name: 'crowd' });
      const calm = new SharedArrayBuffer(4);
      const calmAfter = 500; // items the main thread puts once the getters no longer give up
      const consumers = Array.from({ length: getters }, (_, id) =>
        startWorker('async-crowd', {
          queue: queue.handle,
          id,
          role: 'get',
          calls: gets,
          seed: seed(2 ** 31),
          calm,
        }),
      );
      const consumed = consumers.map((worker) => nextMessage<Got>(worker));
      const consumerExits = consumers.map(exitCode);
      const perProducer = items / putters;
      const fail = (what: string): never => {
        throw new Error(`${what} (seed ${runSeed})`);
      };
      const producers = Array.from({ length: putters }, (_, id) =>
        startWorker('async-crowd', {
          queue: queue.handle,
          id,
          role: 'put',
          calls: puts,
          count: perProducer,
          seed: seed(2 ** 31),
        }),
      );
      const producerExits = producers.map(exitCode);
      const produced = await Promise.all(
        producers.map((worker) => nextMessage<{ gaveUp: number }>(worker)),
      );
      // Every item taken; then no more giving up, and one item at a time from here.
      await eventually(() => (queue.size === 0 ? true : undefined));
      Atomics.store(new Int32Array(calm), 0, 1);
      for (let i = 0; i < calmAfter; i++) {
        await queue.put(putters * 1e7 + i);
        // Taken before the next one: whoever was woken for it took it.
        await eventually(() => (queue.size === 0 ? true : undefined));
      }
      queue.close();
      const got = await Promise.all(consumed);

      const seen = new Uint8Array(items + calmAfter);
      for (const { values } of got) {
        for (const value of values) {
          const producer = Math.floor(value / 1e7);
          const index = value - producer * 1e7;
          const last = producer === putters; // the main thread's calm items
          if (!(producer <= putters && index < (last ? calmAfter : perProducer))) {
            fail(`stray ${value}`);
          }
          const slot = producer * perProducer + index;
          if (seen[slot] !== 0) fail(`item ${value} taken twice`);
          seen[slot] = 1;
        }
      }
      const missing = seen.indexOf(0);
      if (missing !== -1) fail(`item number ${missing} was never taken`);
      expect(queue.size).toBe(0);
      // The run really gave up on both sides (else it tested little).
      expect(got.reduce((sum, g) => sum + g.gaveUp, 0)).toBeGreaterThan(0);
      expect(produced.reduce((sum, p) => sum + p.gaveUp, 0)).toBeGreaterThan(0);
      // Every worker ends by itself once its calls are over.
      const codes = await Promise.all([...consumerExits, ...producerExits]);
      expect(codes.every((code) => code === 0)).toBe(true);
    },
  );
});
