// A number lane copies a batch with memory copies of kept views of runs: of the caller's array
// (part of it, or the parts before and after the end of the ring) and of its own slots (see
// src/shared/queue/views.ts). A view shows the array as it is now, so a caller that refills the
// same array for each batch puts its new values; and past the views a lane keeps, it copies
// element by element. Here every item must come out once and in order through thousands of
// such runs, for both number lanes and both ring kinds.
import { describe, expect, it } from 'vitest';
import { CodecError, SharedQueue } from '../../src/index.js';
import { CallerViews, RunViews, recentBucket } from '../../src/shared/queue/views.js';

type Typed = Float64Array | Int32Array;

const KINDS = [
  ['float64', false],
  ['int32', false],
  ['float64', true],
  ['int32', true],
] as const;

describe('batches through kept views of runs', () => {
  for (const [codec, oneToOne] of KINDS) {
    const kind = `${oneToOne ? 'one-to-one ' : ''}${codec}`;
    const typedOf = (n: number): Typed =>
      codec === 'float64' ? new Float64Array(n) : new Int32Array(n);

    it(`${kind}: one array refilled for every batch puts its new values, blocking and try`, () => {
      // 4 values into 10 slots: batches start everywhere and wrap; gets of 3 into one array.
      const queue = new SharedQueue<number>({ capacity: 10, codec, name: 'refilled', oneToOne });
      const batch = typedOf(4);
      const into = typedOf(3);
      const out: number[] = [];
      let next = 0;
      const drain = (): void => {
        for (let n; (n = queue.tryGetMany(3, into)) > 0;) out.push(...into.subarray(0, n));
      };
      for (let round = 0; round < 300; round++) {
        for (let i = 0; i < 4; i++) batch[i] = next + i;
        next += 4;
        if (round % 2 === 0) {
          // Room first: a blocking put into a full queue would wait for this very thread.
          while (queue.capacity - queue.size < 4) {
            out.push(...into.subarray(0, queue.getManySync(3, into)));
          }
          queue.putManySync(batch);
        } else {
          // The try call, with room for part of the batch at times: the rest goes from `from`
          // on once a get made room, so a run that starts inside the array is copied.
          let put = queue.tryPutMany(batch);
          while (put < 4) {
            out.push(...into.subarray(0, queue.getManySync(3, into)));
            put += queue.tryPutMany(batch, put);
          }
        }
        if (round % 3 === 2) drain();
      }
      drain();
      expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    });

    it(`${kind}: past the views a lane keeps, runs are copied element by element`, () => {
      // 997 slots (prime) and batches of 1 to 250: thousands of distinct runs, far more than
      // the views kept, from one refilled array and into one array.
      const capacity = 997;
      const queue = new SharedQueue<number>({ capacity, codec, name: 'many-runs', oneToOne });
      const batch = typedOf(250);
      const into = typedOf(250);
      let next = 0;
      let expected = 0;
      let wrong: string | undefined; // the first item out of order
      const take = (max: number): void => {
        const n = queue.getManySync(max, into);
        for (let i = 0; i < n; i++, expected++) {
          if (into[i] !== expected) wrong ??= `${into[i]} where ${expected} was due`;
        }
      };
      for (let round = 0; round < 2_000; round++) {
        // The last `count` elements of the one array, put from `from` on: a run of the array
        // that starts at a different element almost every time.
        const count = 1 + ((round * 37) % 250);
        const from = 250 - count;
        for (let i = 0; i < count; i++) batch[from + i] = next + i;
        while (capacity - queue.size < count) take(250);
        expect(queue.tryPutMany(batch, from)).toBe(count);
        next += count;
        if (round % 2 === 1) take(1 + ((round * 53) % 250));
      }
      while (queue.size > 0) take(250);
      expect({ wrong, expected }).toEqual({ wrong: undefined, expected: next });
    });
  }
});

describe('batches of other arrays through wrapped and partial runs', () => {
  for (const oneToOne of [false, true]) {
    const kind = oneToOne ? 'one-to-one ' : '';
    it(`${kind}float64 and int32 lanes take other typed arrays, plain arrays and offset views`, () => {
      // 10 slots, batches of 4 put from `from` = 1: runs start inside the array and wrap.
      for (const [codec, sources] of [
        ['float64', [(n: number) => new Float32Array(n), (n: number) => new Array<number>(n)]],
        ['int32', [(n: number) => new Int16Array(n), (n: number) => new Array<number>(n)]],
      ] as const) {
        const offsetView =
          codec === 'float64'
            ? (n: number) => new Float64Array(n + 6).subarray(3, 3 + n)
            : (n: number) => new Int32Array(n + 6).subarray(3, 3 + n);
        for (const make of [...sources, offsetView]) {
          const queue = new SharedQueue<number>({ capacity: 10, codec, name: 'kinds', oneToOne });
          const values = make(5);
          const out: number[] = [];
          let next = 0;
          for (let round = 0; round < 60; round++) {
            for (let i = 1; i < 5; i++) values[i] = next++;
            let put = 1;
            while (put < 5) {
              put += queue.tryPutMany(values, put);
              if (put < 5) out.push(...queue.getManySync(3));
            }
          }
          while (queue.size > 0) out.push(...queue.getManySync(10));
          expect({ codec, kind: values.constructor.name, out }).toEqual({
            codec,
            kind: values.constructor.name,
            out: Array.from({ length: next }, (_, i) => i),
          });
        }
      }
    });

    it(`${kind}an array whose buffer is transferred while an async put waits leaves nothing claimed`, async () => {
      // The array is put from `from` on twice first, so that the queue keeps views of its runs;
      // then an async put of it waits for room, its buffer is transferred, and the room comes.
      // What it then reads of the array is put (NaN), and the queue goes on.
      const queue = new SharedQueue<number>({
        capacity: 4,
        codec: 'float64',
        name: 'moved',
        oneToOne,
      });
      const values = new Float64Array([1, 2, 3, 4]);
      for (let i = 0; i < 2; i++) {
        queue.tryPutMany(values, 1);
        expect(queue.getManySync(4)).toEqual([2, 3, 4]);
      }
      queue.putManySync([-3, -2, -1]);
      const pending = queue.putMany(values); // 1 fits; 3 wait for room
      structuredClone(values.buffer, { transfer: [values.buffer] });
      expect(values.length).toBe(0);
      expect(queue.getManySync(4, { timeout: 5_000 })).toEqual([-3, -2, -1, 1]);
      await pending;
      expect(queue.getManySync(4, { timeout: 5_000 })).toEqual([NaN, NaN, NaN]);
      queue.putSync(5);
      expect(queue.getSync({ timeout: 5_000 })).toBe(5);
    });

    it(`${kind}an array with a length and constructor of its own runs none of them under a claim`, () => {
      // A real Float64Array (the lane's own kind, copied as memory) with an own `length` and an
      // own `constructor` whose species, both throwing. A batch put reads a typed array's length
      // from its internal slot, as `TypedArray.prototype.set` does, and makes its views of the
      // array's runs without `subarray` (which would ask the species): under a claim a throw
      // would leave the claim unpublished. Batches of 3 through 4 slots wrap round the end, so
      // runs of the array are copied too.
      const queue = new SharedQueue<number>({
        capacity: 4,
        codec: 'float64',
        name: 'own-props',
        oneToOne,
      });
      const values = new Float64Array(3);
      Object.defineProperty(values, 'length', {
        get: (): never => {
          throw new Error('own length read');
        },
      });
      Object.defineProperty(values, 'constructor', {
        value: {
          get [Symbol.species](): never {
            throw new Error('species read');
          },
        },
      });
      const out: number[] = [];
      let next = 0;
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 3; i++) values[i] = next++;
        let put = 0;
        while (put < 3) {
          put += queue.tryPutMany(values, put);
          if (put < 3) out.push(...queue.getManySync(2, { timeout: 5_000 }));
        }
      }
      while (queue.size > 0) out.push(...queue.getManySync(4, { timeout: 5_000 }));
      expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
      queue.putSync(-1);
      expect(queue.getSync({ timeout: 5_000 })).toBe(-1);
    });

    it(`${kind}a typed array dressed in another kind's prototype goes by its own kind`, () => {
      // The kind is the array's internal name, not its prototype: a BigInt64Array dressed as a
      // Float64Array is refused before any slot is claimed (copied as float64 memory it would
      // throw under the claim), a Float32Array dressed as one is read as float32 values, and a
      // Float64Array dressed as an Int32Array is checked value by value on an int32 queue.
      const queue = new SharedQueue<number>({
        capacity: 4,
        codec: 'float64',
        name: 'dressed',
        oneToOne,
      });
      const big = new BigInt64Array([1n, 2n]);
      Object.setPrototypeOf(big, Float64Array.prototype);
      expect(() => queue.putManySync(big as unknown as Float64Array)).toThrow(CodecError);
      const single = new Float32Array([1.5, -2.25, 3]);
      Object.setPrototypeOf(single, Float64Array.prototype);
      expect(queue.tryPutMany(single as unknown as Float64Array)).toBe(3);
      expect(queue.getManySync(4, { timeout: 5_000 })).toEqual([1.5, -2.25, 3]);
      queue.putSync(4);
      expect(queue.getSync({ timeout: 5_000 })).toBe(4); // nothing was left claimed

      const ints = new SharedQueue<number>({
        capacity: 4,
        codec: 'int32',
        name: 'dressed-int',
        oneToOne,
      });
      const doubles = new Float64Array([1.5, 2]);
      Object.setPrototypeOf(doubles, Int32Array.prototype);
      expect(() => ints.putManySync(doubles as unknown as Int32Array)).toThrow(CodecError);
      expect(ints.tryGetMany(4)).toEqual([]); // nothing of it went in
      ints.putManySync(new Int32Array([7, 8]));
      expect(ints.getManySync(4, { timeout: 5_000 })).toEqual([7, 8]);
    });

    it(`${kind}a typed array counts by its own elements, whatever its length property says`, () => {
      // Put: an own length that says 1 puts all 3 elements, as TypedArray.prototype.set counts.
      const queue = new SharedQueue<number>({
        capacity: 8,
        codec: 'float64',
        name: 'counted',
        oneToOne,
      });
      const values = new Float64Array([1, 2, 3]);
      Object.defineProperty(values, 'length', { value: 1 });
      queue.putManySync(values);
      // Get: an `into` whose own length says 6 but holds 2 takes 2, and leaves the rest queued
      // (taking 6 would drop 4 items); one whose own `set` throws is not asked to copy.
      const into = new Float64Array(2);
      Object.defineProperty(into, 'length', { value: 6 });
      Object.defineProperty(into, 'set', {
        value: () => {
          throw new Error('own set called');
        },
      });
      for (let turn = 0; turn < 300; turn++) {
        // Many turns, so that the copies outlast the queue's kept views too.
        expect(queue.getManySync(6, into, { timeout: 5_000 })).toBe(2);
        expect(Array.from(Float64Array.prototype.slice.call(into))).toEqual([1, 2]);
        expect(queue.getManySync(6, { timeout: 5_000 })).toEqual([3]);
        queue.putManySync(new Float64Array([1, 2, 3]));
      }
    });

    it(`${kind}an array-like whose length is no whole number from 0 up is refused`, () => {
      const queue = new SharedQueue<number>({
        capacity: 4,
        codec: 'float64',
        name: 'lengths',
        oneToOne,
      });
      for (const length of [NaN, 1.5, -1, Infinity])
        expect(() => queue.tryPutMany({ length, 0: 1 } as unknown as ArrayLike<number>)).toThrow(
          /tryPutMany needs an array of values whose length is a whole number from 0 up, got length/,
        );
      expect(() => queue.tryPutMany({ length: '2' } as unknown as ArrayLike<number>)).toThrow(
        /^tryPutMany needs an array of values, got /,
      );
      queue.putSync(1);
      expect(queue.getSync({ timeout: 5_000 })).toBe(1);
    });

    it(`${kind}an array made a subclass's while an async put waits is put, running none of its code`, async () => {
      // The put checked a plain Float64Array; while it waits, the array's prototype becomes a
      // subclass's whose length and species throw. Its kind (its internal name) is the same, so
      // the copy goes on as planned: its length from the internal slot, its views made by the
      // queue, nothing of the subclass's run.
      class Hostile extends Float64Array {
        override get length(): number {
          throw new Error('length read under a claim');
        }
        static get [Symbol.species](): Float64ArrayConstructor {
          throw new Error('species read under a claim');
        }
      }
      const queue = new SharedQueue<number>({
        capacity: 4,
        codec: 'float64',
        name: 'reshaped',
        oneToOne,
      });
      const values = new Float64Array([1, 2, 3, 4]);
      queue.putManySync([-3, -2, -1]);
      const pending = queue.putMany(values); // 1 fits; 3 wait for room
      Object.setPrototypeOf(values, Hostile.prototype);
      expect(queue.getManySync(4, { timeout: 5_000 })).toEqual([-3, -2, -1, 1]);
      await pending;
      expect(queue.getManySync(4, { timeout: 5_000 })).toEqual([2, 3, 4]);
      queue.putSync(5);
      expect(queue.getSync({ timeout: 5_000 })).toBe(5);
    });
  }
});

describe('RunViews', () => {
  it('gives the same view of a run every time, and a view per length at one start', () => {
    const array = new Float64Array(8).map((_, i) => i);
    const views = new RunViews(array, 3);
    const a = views.run(2, 3)!;
    expect(views.run(2, 3)).toBe(a);
    expect(Array.from(a)).toEqual([2, 3, 4]);
    const b = views.run(2, 4)!;
    expect(b).not.toBe(a);
    expect(Array.from(b)).toEqual([2, 3, 4, 5]);
    array[3] = 30; // a view shows the array as it is now
    expect(Array.from(views.run(2, 3)!)).toEqual([2, 30, 4]);
  });

  it('gives a caller array views from its second sighting on', () => {
    const views = new CallerViews();
    const once = new Float64Array(8);
    const again = new Float64Array(8);
    expect(views.run(once, 2, 3)).toBeUndefined(); // seen once: no views, nothing kept
    expect(views.run(again, 2, 3)).toBeUndefined();
    const view = views.run(again, 2, 3)!;
    expect(view.length).toBe(3);
    expect(views.run(again, 2, 3)).toBe(view);
    expect(views.run(once, 2, 3)).toBeUndefined(); // `once` again, but not right after itself
  });

  it('keeps at most its limit, and then makes no view for a new run', () => {
    const views = new RunViews(new Int32Array(16), 2);
    const kept = [views.run(0, 4), views.run(4, 4)];
    expect(kept.every((view) => view !== undefined)).toBe(true);
    expect(views.run(8, 4)).toBeUndefined();
    expect(views.run(0, 5)).toBeUndefined();
    expect(views.run(4, 4)).toBe(kept[1]); // the kept ones are still given
  });

  it('gives the view of exactly the run asked for among runs met in turn, wherever they are kept', () => {
    // Every start and length below 40, met start by start and then length by length: many share
    // a bucket of the views found last, so a hit that did not check both the start and the length
    // would hand out another run's view.
    const array = new Float64Array(80).map((_, i) => i);
    const views = new RunViews(array, 40 * 39);
    const runs: [number, number][] = [];
    for (let start = 0; start < 40; start++)
      for (let length = 1; length < 40; length++) runs.push([start, length]);
    const byLength = [...runs].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const first = new Map<string, Float64Array>();
    for (const turn of [runs, byLength, runs, byLength]) {
      for (const [start, length] of turn) {
        const view = views.run(start, length) as Float64Array;
        expect(view.length).toBe(length);
        expect(view[0]).toBe(start);
        const key = `${start}:${length}`;
        if (!first.has(key)) first.set(key, view);
        expect(view).toBe(first.get(key)); // the same object every time
      }
    }
    // Two runs of one bucket, each asked for twice in a row (the second a hit), in turns.
    const shared = sharingABucket(runs);
    for (let turn = 0; turn < 3; turn++) {
      for (const [start, length] of shared) {
        for (let again = 0; again < 2; again++) {
          expect(views.run(start, length)).toBe(first.get(`${start}:${length}`));
        }
      }
    }
  });

  it('keeps the runs of a stream of power-of-two batches in buckets of their own', () => {
    // Such a stream's runs start at multiples of its batch size: a hash of low bits alone puts
    // them all in one bucket, and every get looks in the map.
    for (const [batch, capacity] of [
      [256, 1024],
      [128, 1024],
      [512, 4096],
      [64, 512],
    ] as const) {
      const buckets = new Set<number>();
      for (let start = 0; start < capacity; start += batch) buckets.add(recentBucket(start, batch));
      expect(buckets.size, `batches of ${batch} through ${capacity} slots`).toBe(capacity / batch);
    }
  });
});

/** Two runs of `runs` that share a bucket of recent views. */
function sharingABucket(runs: [number, number][]): [number, number][] {
  const seen = new Map<number, [number, number]>();
  for (const run of runs) {
    const bucket = recentBucket(...run);
    const other = seen.get(bucket);
    if (other !== undefined) return [other, run];
    seen.set(bucket, run);
  }
  throw new Error('no two runs share a bucket');
}
