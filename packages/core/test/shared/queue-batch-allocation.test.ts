// A typed batch allocates nothing: `putManySync(Float64Array)` and `getManySync(max, into)`,
// `tryPutMany(Float64Array)` and `tryGetMany(max, into)` (and their int32 twins) claim and copy without creating objects, so a stream of batches never
// makes the garbage collector run (each collection stops the agent, and its partner waits).
// Measured without timing: once warm, thousands of batch pairs run in one synchronous loop
// without any collection and without the heap growing by more than a sliver (a JIT's code).
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { SharedQueue } from '../../src/index.js';
import { setTracer, type TraceEvent } from '../../src/trace/tracer.js';

/** Collections that ran while `run` did, and how much the used heap grew. */
async function allocationOf(run: () => void): Promise<{ collections: number; grown: number }> {
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  // Let the observer's pending entries (from before) arrive and be dropped.
  await new Promise((resolve) => setTimeout(resolve, 20));
  collections = 0;
  const before = getHeapStatistics().used_heap_size;
  run();
  const grown = getHeapStatistics().used_heap_size - before;
  // Entries are delivered asynchronously: wait for those of the loop.
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  return { collections, grown };
}

/** Heap growth a loop may show (a JIT's code): allocating 64 bytes per batch would be 1.3 MB. */
const GROWTH_KIB = 256;

/**
 * What `run` allocates, as {@link allocationOf} measures it, up to three times: a collection the
 * loop did not cause (a major one, marked concurrently since before) may still end in it, and
 * code V8 compiled meanwhile may land in the heap during it (seen once, 491 KiB and no
 * collection, on a loaded machine), so it is measured again after either; a loop that allocates
 * collects or grows every time, and fails. The last measure, heap growth in KiB.
 */
async function quietAllocationOf(run: () => void): Promise<{ collections: number; kiB: number }> {
  let last = { collections: 0, kiB: 0 };
  for (let i = 0; i < 3; i++) {
    const { collections, grown } = await allocationOf(run);
    last = { collections, kiB: Math.round(grown / 1024) };
    if (collections === 0 && last.kiB < GROWTH_KIB) break;
  }
  return last;
}

const PAIRS = 20_000; // 5 M items: allocating 64 bytes per batch would be 1.3 MB
const WARM = 20_000;

describe('typed batches allocate nothing', () => {
  for (const [codec, calls] of [
    ['float64', 'blocking'],
    ['int32', 'blocking'],
    ['float64', 'try'],
    ['int32', 'try'],
  ] as const) {
    const names =
      calls === 'try'
        ? 'tryPutMany / tryGetMany(max, into)'
        : 'putManySync / getManySync(max, into)';
    it(`${names} with ${codec}, batches that do and do not divide the capacity`, async () => {
      const queue = new SharedQueue<number>({ capacity: 1024, codec, name: `alloc-${codec}` });
      const Typed = codec === 'float64' ? Float64Array : Int32Array;
      const full = new Typed(256).map((_, i) => i);
      const odd = new Typed(200).map((_, i) => i); // 200 does not divide 1024: runs wrap
      const into = new Typed(256);
      let sum = 0;
      const pairs = (count: number, batch: Float64Array | Int32Array): void => {
        for (let i = 0; i < count; i++) {
          // One thread, the queue empty at each put: every batch fits whole.
          if (calls === 'blocking') queue.putManySync(batch);
          else if (queue.tryPutMany(batch) !== batch.length) throw new Error('batch did not fit');
          let got = 0;
          while (got < batch.length) {
            const n =
              calls === 'blocking'
                ? queue.getManySync(batch.length - got, into)
                : queue.tryGetMany(batch.length - got, into);
            sum += into[n - 1]!;
            got += n;
          }
        }
      };
      for (const batch of [full, odd]) {
        pairs(WARM, batch); // warm: compiled, views made
        const last = await quietAllocationOf(() => pairs(PAIRS, batch));
        expect({
          batch: batch.length,
          ...last,
          collections: Math.min(last.collections, 1),
        }).toEqual({
          batch: batch.length,
          collections: 0,
          kiB: last.kiB < GROWTH_KIB ? last.kiB : `< ${GROWTH_KIB}`,
        });
      }
      expect(sum).toBeGreaterThan(0);
      expect(queue.size).toBe(0);
    });
  }
});

// A streaming pair's blocking batch calls often find the ring full (or empty) and get what they
// wait for a few attempts later, from the other side on another core. Such a wait must not make
// a sleep record (closures and a cancel watch) before its spin. Here the other side
// is played in this thread: after each attempt that finds no room (no items), the queue's own
// method is wrapped to take a batch out (put one in), as the partner would, so every call waits
// and its first spin attempt succeeds.
describe('a blocking batch call whose spin succeeds', () => {
  for (const call of ['putManySync', 'getManySync'] as const) {
    it(`${call} allocates nothing`, async () => {
      const queue = new SharedQueue<number>({
        capacity: 256,
        codec: 'float64',
        name: `spin-${call}`,
      });
      const batch = new Float64Array(256).map((_, i) => i);
      const other = new Float64Array(256);
      let waits = 0;
      if (call === 'putManySync') {
        const inner = queue as unknown as {
          putBatch(batch: { count: number }, from: number, callFrom?: number): number;
        };
        const putBatch = inner.putBatch.bind(queue);
        inner.putBatch = (b, from, callFrom) => {
          const done = putBatch(b, from, callFrom);
          if (done !== b.count) {
            waits++;
            queue.tryGetMany(256, other); // the consumer frees the ring
          }
          return done;
        };
        queue.putManySync(batch); // full from here on
      } else {
        const inner = queue as unknown as { takeMany(max: number, sink: unknown): number };
        const takeMany = inner.takeMany.bind(queue);
        inner.takeMany = (max, sink) => {
          const count = takeMany(max, sink);
          if (count === 0) {
            waits++;
            queue.tryPutMany(other); // the producer fills the ring
          }
          return count;
        };
      }
      const calls = (count: number): void => {
        for (let i = 0; i < count; i++) {
          if (call === 'putManySync') queue.putManySync(batch);
          else queue.getManySync(256, batch);
        }
      };
      calls(WARM);
      expect(waits).toBe(WARM); // every call waited once
      const last = await quietAllocationOf(() => calls(PAIRS));
      expect({ ...last, collections: Math.min(last.collections, 1) }).toEqual({
        collections: 0,
        kiB: last.kiB < GROWTH_KIB ? last.kiB : `< ${GROWTH_KIB}`,
      });
    });
  }
});

describe('the reused batch record and sink of the blocking batch calls', () => {
  it('are not reused while a trace listener runs, which may call back into the queue', () => {
    // The outer putManySync gets room for two of its four values, publishes them, and its trace
    // event runs a listener that takes everything out and puts a value of its own: the outer
    // call must then go on with its own values 3 and 4, not with the listener's batch.
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'float64', name: 'reentrant' });
    queue.putManySync(new Float64Array([-2, -1]));
    const taken: number[] = [];
    let called = false;
    const previous = setTracer({
      event: (event: TraceEvent) => {
        if (called || event.kind !== 'put' || event.name !== queue.name) return;
        called = true; // once: the calls below trace too
        const into = new Float64Array(4);
        const count = queue.getManySync(4, into);
        taken.push(...into.subarray(0, count));
        queue.putManySync(new Float64Array([100]));
      },
    });
    try {
      // Never waits when right; with its values swapped it would wait for room forever.
      queue.putManySync(new Float64Array([1, 2, 3, 4]), { timeout: 5_000 });
    } finally {
      setTracer(previous);
    }
    expect(taken).toEqual([-2, -1, 1, 2]);
    expect(queue.getManySync(4)).toEqual([100, 3, 4]);
  });

  it('nor by tryPutMany / tryGetMany', () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'float64', name: 'reentrant-try' });
    queue.tryPutMany(new Float64Array([-2, -1]));
    const taken: number[] = [];
    let called = false;
    const previous = setTracer({
      event: (event: TraceEvent) => {
        if (called || event.kind !== 'put' || event.name !== queue.name) return;
        called = true;
        const into = new Float64Array(4);
        const count = queue.tryGetMany(4, into);
        taken.push(...into.subarray(0, count));
        queue.tryPutMany(new Float64Array([100]));
      },
    });
    let put: number;
    try {
      put = queue.tryPutMany(new Float64Array([1, 2, 3, 4]));
    } finally {
      setTracer(previous);
    }
    expect(taken).toEqual([-2, -1, 1, 2]);
    expect(put).toBe(4);
    expect(queue.tryGetMany(4)).toEqual([100, 3, 4]);
  });
});
