import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  EMPTY,
  LifoQueue,
  PriorityQueue,
  Queue,
  TimeoutError,
  setTracer,
  type TraceEvent,
} from '../../src/index.js';
import { flush, track } from '../sync/helpers.js';

describe('Queue construction', () => {
  it('is unbounded by default, or bounded by capacity', () => {
    expect(new Queue().capacity).toBe(Infinity);
    expect(new Queue({ capacity: Infinity }).capacity).toBe(Infinity);
    expect(new Queue({ capacity: 3 }).capacity).toBe(3);
    expect(new Queue().name).toMatch(/^Queue#\d+$/);
    expect(new LifoQueue().kind).toBe('LifoQueue');
    expect(new PriorityQueue({ name: 'jobs' }).name).toBe('jobs');
  });

  it('validates capacity, name and compare, naming the field', () => {
    expect(() => new Queue({ capacity: 0 })).toThrow(
      'capacity must be a positive safe integer or Infinity, got 0',
    );
    expect(() => new Queue({ capacity: 2.5 })).toThrow(RangeError);
    expect(() => new Queue({ capacity: '3' as unknown as number })).toThrow(
      new TypeError('capacity must be a number, got the string "3"'),
    );
    expect(() => new LifoQueue({ capacity: -1 })).toThrow(RangeError);
    expect(() => new Queue({ name: 1 as unknown as string })).toThrow(/name must be a string/);
    expect(() => new Queue([] as unknown as object)).toThrow(/options must be an object/);
    expect(() => new PriorityQueue({ compare: 1 as unknown as () => number })).toThrow(
      /compare must be a function/,
    );
  });
});

describe('Queue put and get', () => {
  it('is FIFO and reports size', async () => {
    const q = new Queue<number>({ capacity: 3 });
    await q.put(1);
    await q.put(2);
    expect(q.size).toBe(2);
    expect(await q.get()).toBe(1);
    expect(await q.get()).toBe(2);
    expect(q.size).toBe(0);
  });

  it('keeps order across ring-buffer growth and wrap-around', async () => {
    const q = new Queue<number>();
    const out: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 37; i++) await q.put(round * 100 + i);
      for (let i = 0; i < 30; i++) out.push(await q.get());
    }
    while (q.size > 0) out.push(await q.get());
    const expected = [];
    for (let round = 0; round < 5; round++)
      for (let i = 0; i < 37; i++) expected.push(round * 100 + i);
    expect(out).toEqual(expected);
  });

  it('put waits while full; a get lets the oldest waiting putter in', async () => {
    const q = new Queue<string>({ capacity: 1 });
    await q.put('a');
    const b = track(q.put('b'));
    const c = track(q.put('c'));
    await flush();
    expect(b.state).toBe('pending');
    expect(q.waitingPutters).toBe(2);
    expect(q.tryPut('x')).toBe(false);
    expect(await q.get()).toBe('a');
    // 'b' is in the queue now, before any newcomer.
    expect(q.size).toBe(1);
    expect(q.tryPut('x')).toBe(false);
    await flush();
    expect(b.state).toBe('fulfilled');
    expect(c.state).toBe('pending');
    expect(await q.get()).toBe('b');
    expect(await q.get()).toBe('c');
    expect(c.state).toBe('fulfilled');
  });

  it('getters wait while empty and are served in FIFO order', async () => {
    const q = new Queue<number>();
    const got: string[] = [];
    const getters = ['g0', 'g1', 'g2'].map((g) => q.get().then((v) => got.push(`${g}=${v}`)));
    expect(q.waitingGetters).toBe(3);
    await q.put(10);
    // Handed straight to g0: the queue stays empty, a tryGet gets nothing.
    expect(q.size).toBe(0);
    expect(q.tryGet()).toBe(EMPTY);
    await q.put(11);
    await q.put(12);
    await Promise.all(getters);
    expect(got).toEqual(['g0=10', 'g1=11', 'g2=12']);
  });

  it('tryPut and tryGet never wait', () => {
    const q = new Queue<number>({ capacity: 1 });
    expect(q.tryGet()).toBe(EMPTY);
    expect(q.tryPut(1)).toBe(true);
    expect(q.tryPut(2)).toBe(false);
    expect(q.tryGet()).toEqual({ ok: true, value: 1 });
    expect(q.tryGet()).toEqual({ ok: false });
  });

  it('passes any value through untouched, including undefined', async () => {
    const q = new Queue<unknown>();
    const obj = { a: 1 };
    await q.put(undefined);
    await q.put(obj);
    expect(await q.get()).toBeUndefined();
    expect(await q.get()).toBe(obj);
  });

  it('a timed-out put never lands; a timed-out get takes nothing', async () => {
    const q = new Queue<number>({ capacity: 1, name: 'q' });
    await q.put(1);
    await expect(q.put(2, { timeout: 5 })).rejects.toThrow(
      new TimeoutError('q: put timed out after 5 ms', 5),
    );
    expect(q.waitingPutters).toBe(0);
    expect(await q.get()).toBe(1);
    expect(q.size).toBe(0);
    await expect(q.get({ timeout: 5 })).rejects.toThrow('q: get timed out after 5 ms');
    await q.put(3);
    expect(q.size).toBe(1);
    expect(await q.get()).toBe(3);
    await expect(q.get({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('an aborted getter in the same tick as a put: the item goes to the next live getter or stays', async () => {
    const q = new Queue<number>();
    const c = new AbortController();
    const aborted = track(q.get({ signal: c.signal }));
    const live = track(q.get());
    c.abort(new Error('no'));
    await q.put(1);
    await q.put(2);
    await flush();
    expect(aborted.state).toBe('rejected');
    expect(live.value).toBe(1);
    expect(q.size).toBe(1);
    expect(await q.get()).toBe(2);
  });

  it('put before abort in the same tick: the getter keeps the item', async () => {
    const q = new Queue<number>();
    const c = new AbortController();
    const getter = track(q.get({ signal: c.signal }));
    await q.put(7);
    c.abort(new Error('late'));
    await flush();
    expect(getter.state).toBe('fulfilled');
    expect(getter.value).toBe(7);
    expect(q.size).toBe(0);
  });

  it('abort of a waiting putter at the same tick as a get: exactly one outcome', async () => {
    for (const abortFirst of [true, false]) {
      const q = new Queue<string>({ capacity: 1 });
      await q.put('a');
      const c = new AbortController();
      const putter = track(q.put('b', { signal: c.signal }));
      if (abortFirst) c.abort('x');
      expect(await q.get()).toBe('a');
      if (!abortFirst) c.abort('x');
      await flush();
      if (abortFirst) {
        expect(putter.state).toBe('rejected');
        expect(q.size).toBe(0);
      } else {
        expect(putter.state).toBe('fulfilled');
        expect(q.tryGet()).toEqual({ ok: true, value: 'b' });
      }
    }
  });

  it('rejects bad wait options without changing the queue', async () => {
    const q = new Queue<number>();
    await expect(q.put(1, { timeout: Number.NaN })).rejects.toThrow(RangeError);
    expect(q.size).toBe(0);
    await expect(q.get({ signal: 'x' as unknown as AbortSignal })).rejects.toThrow(TypeError);
  });
});

describe('Queue close (Python 3.13 shutdown)', () => {
  it('later puts throw ClosedError; gets drain, then throw ClosedError', async () => {
    const q = new Queue<number>({ name: 'jobs' });
    await q.put(1);
    await q.put(2);
    q.close();
    expect(q.closed).toBe(true);
    await expect(q.put(3)).rejects.toThrow(new ClosedError('jobs: put() on a closed queue'));
    expect(() => q.tryPut(3)).toThrow(ClosedError);
    expect(await q.get()).toBe(1);
    expect(q.tryGet()).toEqual({ ok: true, value: 2 });
    await expect(q.get()).rejects.toThrow('jobs: get() on a closed and drained queue');
    expect(() => q.tryGet()).toThrow(ClosedError);
  });

  it("rejects waiting getters and putters; a waiting putter's item is not added", async () => {
    const empty = new Queue<number>();
    const getters = [empty.get(), empty.get()];
    empty.close();
    for (const g of getters) await expect(g).rejects.toBeInstanceOf(ClosedError);

    const full = new Queue<number>({ capacity: 1 });
    await full.put(1);
    const putter = full.put(2);
    full.close();
    await expect(putter).rejects.toBeInstanceOf(ClosedError);
    expect(full.size).toBe(1);
    expect(await full.get()).toBe(1);
    await expect(full.get()).rejects.toBeInstanceOf(ClosedError);
  });

  it('immediate drops the items left and counts them done for join', async () => {
    const q = new Queue<number>();
    await q.put(1);
    await q.put(2);
    await q.put(3);
    expect(await q.get()).toBe(1);
    const joined = track(q.join());
    q.close({ immediate: true });
    expect(q.size).toBe(0);
    await expect(q.get()).rejects.toBeInstanceOf(ClosedError);
    await flush();
    expect(joined.state).toBe('pending'); // item 1 is still being worked on
    q.taskDone();
    await flush();
    expect(joined.state).toBe('fulfilled');
  });

  it('is idempotent, and immediate after a plain close still drops the rest', async () => {
    const q = new Queue<number>();
    await q.put(1);
    q.close();
    q.close();
    expect(q.size).toBe(1);
    q.close({ immediate: true });
    expect(q.size).toBe(0);
    expect(() => q.close({ immediate: 'yes' as unknown as boolean })).toThrow(
      /immediate must be a boolean/,
    );
  });

  it('async iteration yields every item in order and ends on close', async () => {
    const q = new Queue<number>({ capacity: 2 });
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const n of q) seen.push(n);
    })();
    for (let i = 0; i < 10; i++) await q.put(i);
    q.close();
    await consumer;
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('async iteration rethrows errors other than ClosedError', async () => {
    const q = new Queue<number>();
    const iterator = q[Symbol.asyncIterator]();
    const next = iterator.next();
    // Only an abort or a timeout could fail a get; the iterator uses no options, so close works.
    q.close();
    expect(await next).toEqual({ done: true, value: undefined });
  });
});

describe('Queue taskDone and join', () => {
  it('join resolves once every item put is marked done', async () => {
    const q = new Queue<number>();
    await q.join(); // nothing unfinished
    await q.put(1);
    await q.put(2);
    expect(q.unfinishedTasks).toBe(2);
    const joined = track(q.join());
    await q.get();
    q.taskDone();
    await flush();
    expect(joined.state).toBe('pending');
    await q.get();
    q.taskDone();
    await flush();
    expect(joined.state).toBe('fulfilled');
  });

  it('taskDone too many times throws RangeError', () => {
    const q = new Queue<number>({ name: 'q' });
    expect(() => q.taskDone()).toThrow(
      new RangeError('q: taskDone() called more times than items were put'),
    );
  });

  it('join takes a timeout', async () => {
    const q = new Queue<number>();
    await q.put(1);
    await expect(q.join({ timeout: 5 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('counts items handed straight to a getter and items let in from a waiting putter', async () => {
    const q = new Queue<number>({ capacity: 1 });
    const g = q.get();
    await q.put(1);
    expect(await g).toBe(1);
    await q.put(2);
    const p = q.put(3);
    await q.get();
    await p;
    expect(q.unfinishedTasks).toBe(3);
  });
});

describe('LifoQueue', () => {
  it('gives back the newest item first', async () => {
    const q = new LifoQueue<string>({ capacity: 3 });
    await q.put('a');
    await q.put('b');
    await q.put('c');
    expect(q.tryPut('d')).toBe(false);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['c', 'b', 'a']);
  });
});

describe('PriorityQueue', () => {
  it('gives back the smallest first by default', async () => {
    const q = new PriorityQueue<number>();
    for (const n of [5, 1, 4, 2, 3, 9, 0]) await q.put(n);
    const out = [];
    while (q.size > 0) out.push(await q.get());
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 9]);
  });

  it('orders by compare and keeps equal items in put order', async () => {
    const q = new PriorityQueue<{ p: number; n: string }>({
      compare: (a, b) => a.p - b.p,
    });
    const items = [
      { p: 2, n: 'a' },
      { p: 1, n: 'b' },
      { p: 2, n: 'c' },
      { p: 1, n: 'd' },
      { p: 2, n: 'e' },
      { p: 0, n: 'f' },
      { p: 1, n: 'g' },
    ];
    for (const it of items) await q.put(it);
    const out = [];
    while (q.size > 0) out.push((await q.get()).n);
    expect(out.join('')).toBe('fbdgace');
  });

  it('matches a sort on many random items', async () => {
    const q = new PriorityQueue<number>({ capacity: 1000 });
    const input = Array.from({ length: 500 }, (_, i) => (i * 7919) % 211);
    for (const n of input) expect(q.tryPut(n)).toBe(true);
    const out = [];
    for (let r = q.tryGet(); r.ok; r = q.size > 0 ? q.tryGet() : { ok: false }) out.push(r.value);
    expect(out).toEqual([...input].sort((a, b) => a - b));
  });

  it('a full priority queue lets the waiting putter in after a get', async () => {
    const q = new PriorityQueue<number>({ capacity: 2 });
    await q.put(5);
    await q.put(3);
    const p = q.put(1);
    expect(await q.get()).toBe(3);
    await p;
    expect(await q.get()).toBe(1);
    expect(await q.get()).toBe(5);
  });
});

describe('PriorityQueue with a compare that throws', () => {
  // A compare that throws is a bug in the caller's code; it must still not lose or double items.
  const picky = (a: number, b: number) => {
    if (a === 13 || b === 13) throw new Error('13 is unlucky');
    return a - b;
  };

  it('a put whose compare throws rejects and adds nothing', async () => {
    const q = new PriorityQueue<number>({ compare: picky });
    await q.put(5);
    await q.put(2);
    await expect(q.put(13)).rejects.toThrow('13 is unlucky');
    expect(() => q.tryPut(13)).toThrow('13 is unlucky');
    expect(q.size).toBe(2);
    expect(q.unfinishedTasks).toBe(2);
    expect([await q.get(), await q.get()]).toEqual([2, 5]);
  });

  it('a get whose compare throws rejects and takes nothing', async () => {
    let armed = false;
    const q = new PriorityQueue<number>({
      compare: (a, b) => {
        if (armed) throw new Error('compare broke');
        return a - b;
      },
    });
    for (const n of [4, 1, 3, 2]) await q.put(n);
    armed = true;
    await expect(q.get()).rejects.toThrow('compare broke');
    expect(q.size).toBe(4);
    armed = false;
    const out: number[] = [];
    while (q.size > 0) out.push(await q.get());
    expect(out.sort()).toEqual([1, 2, 3, 4]);
  });

  it('a waiting putter whose item cannot be compared fails; the next putter gets the slot', async () => {
    const q = new PriorityQueue<number>({ capacity: 2, compare: picky });
    await q.put(1);
    await q.put(2);
    const bad = q.put(13);
    const good = q.put(3);
    expect(await q.get()).toBe(1);
    await expect(bad).rejects.toThrow('13 is unlucky');
    await good;
    expect(q.size).toBe(2);
    expect(q.waitingPutters).toBe(0);
    expect([await q.get(), await q.get()]).toEqual([2, 3]);
  });
});

describe('Queue tracing', () => {
  it('reports put/get with size and capacity, and waits with what they wait for', async () => {
    const events: TraceEvent[] = [];
    const previous = setTracer({ event: (e) => events.push(e) });
    try {
      const q = new Queue<number>({ capacity: 1 });
      await q.put(1);
      const p = q.put(2);
      await q.get();
      await p;
      q.close();
    } finally {
      setTracer(previous);
    }
    expect(events.map((e) => [e.kind, e.detail])).toEqual([
      ['created', { capacity: 1 }],
      ['put', { size: 1, capacity: 1 }],
      ['wait', { size: 1, capacity: 1, for: 'not_full' }],
      ['get', { size: 0, capacity: 1 }],
      ['put', { size: 1, capacity: 1 }],
      ['close', { immediate: false, size: 1 }],
    ]);
  });
});
