/**
 * Property test of SharedQueue's batch paths against a model FIFO: random capacities and random
 * runs of `putManySync` and `tryPutMany` (typed arrays, one of them refilled and put from `from`
 * on step after step, and plain arrays), `getManySync` and
 * `tryGetMany` (into a typed array, or as an array), single puts and gets, so that batches
 * start at every index, wrap round the end of the ring and go on for many laps. Every item
 * comes out once, in order, and `size` agrees; a try call puts what fits and takes what is
 * there.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedQueue } from '../../src/index.js';

type Step =
  | { op: 'putMany'; count: number; typed: boolean }
  | { op: 'getMany'; max: number; into: boolean }
  | { op: 'tryPutMany'; count: number; typed: boolean }
  | { op: 'tryGetMany'; max: number; into: boolean }
  | { op: 'put' }
  | { op: 'get' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('putMany' as const),
      count: fc.integer({ min: 1, max: 70 }),
      typed: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('getMany' as const),
      max: fc.integer({ min: 1, max: 70 }),
      into: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('tryPutMany' as const),
      count: fc.integer({ min: 1, max: 70 }),
      typed: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('tryGetMany' as const),
      max: fc.integer({ min: 1, max: 70 }),
      into: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('put' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('get' as const) }) },
);

describe('SharedQueue batches against a model FIFO', () => {
  for (const [codec, oneToOne] of [
    ['float64', false],
    ['int32', false],
    ['float64', true],
    ['int32', true],
  ] as const) {
    const kind = oneToOne ? 'one-to-one ' : '';
    it(`${kind}${codec}: every item once, in order, wherever batches start and wrap`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 64 }),
          fc.array(step, { minLength: 1, maxLength: 120 }),
          (capacity, steps) => {
            const queue = new SharedQueue<number>({ capacity, codec, name: 'batches', oneToOne });
            const model: number[] = [];
            let next = 0;
            const typedOf = (n: number): Float64Array | Int32Array =>
              codec === 'float64' ? new Float64Array(n) : new Int32Array(n);
            // One array the typed try puts fill and put from `from` on, step after step, as a
            // producer reusing its buffer does: the queue keeps views of its runs (see
            // src/shared/queue/views.ts), which must show what the array holds now.
            const reused = typedOf(70);
            for (const s of steps) {
              const room = capacity - model.length;
              if (s.op === 'tryPutMany') {
                // Never waits: puts what fits (all of it or the first `room`), says how many.
                const values = Array.from({ length: s.count }, (_, i) => next + i);
                const from = reused.length - s.count;
                reused.set(values, from);
                const put = s.typed ? queue.tryPutMany(reused, from) : queue.tryPutMany(values);
                expect(put).toBe(Math.min(s.count, room));
                model.push(...values.slice(0, put));
                next += put;
                expect(queue.size).toBe(model.length);
                continue;
              }
              if (s.op === 'tryGetMany') {
                let got: number[];
                if (s.into) {
                  const into = typedOf(s.max);
                  got = Array.from(into.subarray(0, queue.tryGetMany(s.max, into)));
                } else got = queue.tryGetMany(s.max);
                expect(got).toEqual(model.splice(0, Math.min(s.max, model.length)));
                expect(queue.size).toBe(model.length);
                continue;
              }
              if (s.op === 'putMany' || s.op === 'put') {
                // Only what fits: a put that does not fit would block this (only) thread.
                const count = s.op === 'put' ? Math.min(1, room) : Math.min(s.count, room);
                if (count === 0) continue;
                const values = Array.from({ length: count }, () => next++);
                if (s.op === 'put') queue.putSync(values[0]!);
                else if (s.typed) {
                  const typed = typedOf(count);
                  typed.set(values);
                  queue.putManySync(typed);
                } else queue.putManySync(values);
                model.push(...values);
              } else if (model.length > 0) {
                let got: number[];
                if (s.op === 'get') got = [queue.getSync()];
                else if (s.into) {
                  const into = typedOf(s.max);
                  const count = queue.getManySync(s.max, into);
                  got = Array.from(into.subarray(0, count));
                } else got = queue.getManySync(s.max);
                // A batch takes what is there, up to `max`: all of it here (one thread).
                const want = s.op === 'get' ? 1 : Math.min(s.max, model.length);
                expect(got).toEqual(model.splice(0, want));
              }
              expect(queue.size).toBe(model.length);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
