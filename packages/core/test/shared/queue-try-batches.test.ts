// tryPutMany / tryGetMany: the batch calls that never wait. They put what fits and take what
// is there now, in order, lose and double nothing, say how many, and fail as tryPut / tryGet
// do on a closed queue; a blocked getter elsewhere is woken by them as by any put.
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, CodecError, SharedQueue, type Codec } from '../../src/index.js';
import { setTracer, type TraceEvent } from '../../src/trace/tracer.js';
import { nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

const numbers = (capacity: number, codec: 'float64' | 'int32' = 'float64') =>
  new SharedQueue<number>({ capacity, codec, name: 'try-batches' });

describe('SharedQueue.tryPutMany', () => {
  it('puts what fits now, in order, and says how many; the rest goes in later', () => {
    const queue = numbers(4);
    const values = new Float64Array([1, 2, 3, 4, 5, 6]);
    expect(queue.tryPutMany(values)).toBe(4);
    expect(queue.size).toBe(4);
    expect(queue.tryPutMany(values.subarray(4))).toBe(0); // full: nothing, no wait
    expect(queue.tryGetMany(3)).toEqual([1, 2, 3]);
    expect(queue.tryPutMany(values.subarray(4))).toBe(2);
    expect(queue.tryGetMany(10)).toEqual([4, 5, 6]);
  });

  it('takes plain arrays and int32 queues alike, and wraps round the ring', () => {
    const queue = numbers(5, 'int32');
    let next = 0;
    const expected: number[] = [];
    const got: number[] = [];
    // Batches of 3 into a ring of 5: every run start, every wrap, for many laps.
    for (let round = 0; round < 40; round++) {
      const batch = [next, next + 1, next + 2];
      const put =
        round % 2 === 0 ? queue.tryPutMany(batch) : queue.tryPutMany(Int32Array.from(batch));
      expected.push(...batch.slice(0, put));
      next += put;
      got.push(...queue.tryGetMany(2));
    }
    got.push(...queue.tryGetMany(5));
    expect(got).toEqual(expected);
    expect(expected.length).toBeGreaterThan(40);
  });

  it('puts values that span slots whole, and stops at the first that does not fit', () => {
    const queue = new SharedQueue<string>({
      capacity: 4,
      codec: 'utf8',
      slotSize: 8,
      name: 'words',
    });
    // 8-byte slots: 'x' takes one, the 20-byte string three.
    const long = 'abcdefghijklmnopqrst';
    expect(queue.tryPutMany(['x', long, 'y'])).toBe(2);
    expect(queue.tryGetMany(10)).toEqual(['x', long]);
    queue.putManySync(['a', 'b']);
    // Two slots free: the long string does not fit, and 'c' behind it must not pass it.
    expect(queue.tryPutMany([long, 'c'])).toBe(0);
    expect(queue.tryGetMany(10)).toEqual(['a', 'b']);
    expect(queue.tryPutMany([long, 'c'])).toBe(2);
    expect(queue.tryGetMany(10)).toEqual([long, 'c']);
  });

  it('encodes every value first: one that cannot be encoded puts nothing', () => {
    const queue = new SharedQueue<string>({
      capacity: 8,
      codec: 'utf8',
      slotSize: 8,
      maxValueBytes: 16,
      name: 'short',
    });
    expect(() => queue.tryPutMany(['a', 'b', 'x'.repeat(64)])).toThrow(
      /value 2 of the batch.*nothing was put/,
    );
    expect(queue.size).toBe(0);
  });

  it('puts from `from` on, so a retry needs no view, and names a bad `from`', () => {
    const queue = numbers(4);
    const values = new Float64Array([1, 2, 3, 4, 5, 6]);
    let sent = queue.tryPutMany(values, 0);
    expect(sent).toBe(4);
    expect(queue.tryPutMany(values, sent)).toBe(0);
    expect(queue.tryGetMany(2)).toEqual([1, 2]);
    sent += queue.tryPutMany(values, sent);
    expect(sent).toBe(6);
    expect(queue.tryPutMany(values, 6)).toBe(0); // nothing left: not an error
    expect(queue.tryGetMany(10)).toEqual([3, 4, 5, 6]);
    for (const bad of [-1, 7, 1.5, Number.NaN, '2']) {
      expect(() => queue.tryPutMany(values, bad as number)).toThrow(
        /tryPutMany\(values, from\) needs from to be an integer from 0 to values.length \(6\)/,
      );
    }
    // A byte codec encodes only the values it is to put: a bad one before `from` is skipped.
    const words = new SharedQueue<string>({ capacity: 4, codec: 'utf8', name: 'words' });
    expect(words.tryPutMany([1 as unknown as string, 'b', 'c'], 1)).toBe(2);
    expect(words.tryGetMany(4)).toEqual(['b', 'c']);
  });

  it('puts a long batch of spanning values in one call when there is room for all of it', () => {
    // 100 values of 3 slots each, more claims than one pass of the put loop makes.
    const queue = new SharedQueue<string>({
      capacity: 400,
      codec: 'utf8',
      slotSize: 8,
      name: 'spans',
    });
    const values = Array.from({ length: 100 }, (_, i) => `value ${String(i).padStart(14, '0')}`);
    expect(queue.tryPutMany(values)).toBe(100);
    expect(queue.tryGetMany(100)).toEqual(values);
  });

  it('returns what it put when the queue closes in the middle of the call; the next call throws', () => {
    const queue = numbers(4);
    queue.putManySync([-2, -1]);
    let closed = false;
    const previous = setTracer({
      event: (event: TraceEvent) => {
        // After the first run of the call below is published: empty the queue, then close it,
        // so the call's next claim finds it closed.
        if (closed || event.kind !== 'put' || event.name !== queue.name) return;
        closed = true;
        queue.tryGetMany(4);
        queue.close();
      },
    });
    let put: number;
    try {
      put = queue.tryPutMany(new Float64Array([1, 2, 3, 4]));
    } finally {
      setTracer(previous);
    }
    expect(put).toBe(2);
    expect(() => queue.tryPutMany([5])).toThrow(ClosedError);
  });

  it('throws ClosedError once the queue is closed, and a TypeError for a non-array', () => {
    const queue = numbers(4);
    expect(() => queue.tryPutMany(7 as unknown as number[])).toThrow(
      /^tryPutMany needs an array of values, got /,
    );
    queue.close();
    expect(() => queue.tryPutMany([1])).toThrow(ClosedError);
    // Nothing of this call went in: the message does not count the values before `from`.
    expect(() => queue.tryPutMany([1, 2, 3], 1)).toThrow(/put on a closed SharedQueue$/);
  });

  it('a batch put of nothing returns at once on an open queue and throws on a closed one', async () => {
    const queue = numbers(4);
    expect(queue.tryPutMany([])).toBe(0);
    expect(queue.tryPutMany([1, 2], 2)).toBe(0);
    queue.putManySync(new Float64Array(0));
    await queue.putMany([]);
    expect(queue.size).toBe(0);
    queue.close();
    expect(() => queue.tryPutMany([])).toThrow(ClosedError);
    expect(() => queue.tryPutMany([1, 2], 2)).toThrow(ClosedError);
    expect(() => queue.putManySync([])).toThrow(ClosedError);
    await expect(queue.putMany(new Float64Array(0))).rejects.toThrow(ClosedError);
  });
});

describe('SharedQueue.tryGetMany', () => {
  it('returns [] or 0 at once when the queue is empty', () => {
    const queue = numbers(8);
    expect(queue.tryGetMany(4)).toEqual([]);
    expect(queue.tryGetMany(4, new Float64Array(4))).toBe(0);
  });

  it('writes into a typed array, at most min(max, into.length), oldest first', () => {
    const queue = numbers(16);
    queue.putManySync(new Float64Array([10, 11, 12, 13, 14, 15]));
    const into = new Float64Array(4);
    expect(queue.tryGetMany(100, into)).toBe(4);
    expect(Array.from(into)).toEqual([10, 11, 12, 13]);
    expect(queue.tryGetMany(1, into)).toBe(1);
    expect(into[0]).toBe(14);
    expect(queue.tryGetMany(8)).toEqual([15]);
  });

  it('drains a closed queue, then throws ClosedError; close({ immediate }) throws at once', () => {
    const queue = numbers(8);
    queue.putManySync([1, 2, 3]);
    queue.close();
    expect(queue.tryGetMany(2)).toEqual([1, 2]);
    expect(queue.tryGetMany(2, new Float64Array(2))).toBe(1);
    expect(() => queue.tryGetMany(2)).toThrow(ClosedError);
    const dropped = numbers(8);
    dropped.putManySync([1, 2, 3]);
    dropped.close({ immediate: true });
    expect(() => dropped.tryGetMany(2)).toThrow(ClosedError);
  });

  it('names the problem with a bad max or into', () => {
    const queue = numbers(8);
    expect(() => queue.tryGetMany(0)).toThrow(RangeError);
    expect(() => queue.tryGetMany(1.5)).toThrow(RangeError);
    expect(() => queue.tryGetMany(2, new Int32Array(2) as unknown as Float64Array)).toThrow(
      /tryGetMany\(max, into\) needs a non-empty Float64Array for codec 'float64'/,
    );
    expect(() => queue.tryGetMany(2, new Float64Array(0))).toThrow(TypeError);
    const words = new SharedQueue<string>({ capacity: 4, codec: 'utf8', name: 'words' });
    expect(() => words.tryGetMany(2, new Float64Array(2))).toThrow(TypeError);
  });

  it('returns the items before an undecodable one, then throws its CodecError, then the rest', () => {
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    const picky: Codec<string> = {
      name: 'picky',
      encode: (value, target) => encoder.encodeInto(value, target).written,
      decode(source) {
        const text = decoder.decode(source);
        if (text === 'bad') throw new Error('cannot decode it');
        return text;
      },
    };
    const queue = new SharedQueue<string>({ capacity: 8, codec: picky, slotSize: 16 });
    queue.putManySync(['a', 'bad', 'c']);
    expect(queue.tryGetMany(10)).toEqual(['a']);
    expect(() => queue.tryGetMany(10)).toThrow(CodecError);
    expect(queue.tryGetMany(10)).toEqual(['c']);
  });
});

describe("batch puts read the caller's array once, before any claim", () => {
  it('a plain array with getters: each value read once, and what was checked is what goes in', () => {
    const queue = numbers(8);
    let reads = 0;
    const values = { length: 3 } as { length: number; [index: number]: number };
    for (let i = 0; i < 3; i++) {
      Object.defineProperty(values, i, {
        get: () => {
          reads++;
          // A number when checked; anything else on a second read (which must not happen).
          return reads <= 3 ? 10 + i : 'changed';
        },
      });
    }
    queue.putManySync(values);
    expect(reads).toBe(3);
    expect(queue.tryGetMany(8)).toEqual([10, 11, 12]);
  });

  it('a Proxy of a Float64Array whose trap throws puts nothing and leaves no claim behind', () => {
    const queue = numbers(8);
    let calls = 0;
    const proxy = new Proxy(new Float64Array([1, 2, 3]), {
      get(target, key) {
        // The third element read throws: under a claim it would leave the claim unpublished.
        if (key === '2' && ++calls >= 1) throw new Error('trap refused');
        return Reflect.get(target, key) as unknown;
      },
    });
    expect(() => queue.tryPutMany(proxy)).toThrow('trap refused');
    expect(() => queue.putManySync(proxy)).toThrow('trap refused');
    expect(queue.size).toBe(0);
    // The queue goes on: nothing is stuck at its head.
    queue.putManySync(new Float64Array([7, 8]));
    expect(queue.getManySync(4, { timeout: 0 })).toEqual([7, 8]);
  });
});

describe('try batches beside blocking calls', () => {
  it('wakes a getter blocked in another worker, and a closed, drained queue ends it', async () => {
    const queue = numbers(64);
    const consumer = startWorker('queue-consumer', { queue: queue.handle, id: 0, mode: 'batch' });
    const result = nextMessage<{ values: Float64Array }>(consumer);
    const sent: number[] = [];
    // The consumer blocks in getManySync whenever the queue is empty; every batch here has to
    // wake it. Puts that do not fit are retried after a pause (the consumer makes room).
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 5_000; i += 50) {
      const batch = Float64Array.from({ length: 50 }, (_, k) => i + k);
      for (let done = 0; done < batch.length;) {
        const put = queue.tryPutMany(batch.subarray(done));
        if (put === 0) Atomics.wait(pause, 0, 0, 1);
        done += put;
      }
      sent.push(...batch);
    }
    queue.close();
    const { values } = await result;
    expect(Array.from(values)).toEqual(sent);
  });
});
