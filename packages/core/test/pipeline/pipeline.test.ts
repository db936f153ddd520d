import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  PipelineError,
  Queue,
  filter,
  flatMap,
  map,
  pipeline,
  setTracer,
  type StageContext,
  type TraceEvent,
} from '../../src/index.js';

/** Resolves after `turns` trips through the macrotask queue (a random "delay" without timers). */
function turns(count: number): Promise<void> {
  let p = Promise.resolve();
  for (let i = 0; i < count; i++) p = p.then(() => new Promise<void>((r) => setImmediate(r)));
  return p;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('pipeline: composing', () => {
  it('runs map, filter and flatMap in order and collects the items', async () => {
    const { items, stats } = await pipeline<number, string>({
      source: range(10),
      stages: [
        map((x: number) => x * 3, { name: 'triple' }),
        filter((x: number) => x % 2 === 0, { name: 'even' }),
        flatMap((x: number) => [`${x}a`, `${x}b`], { name: 'split' }),
      ],
      capacity: 2,
    }).run();
    expect(items).toEqual(['0a', '0b', '6a', '6b', '12a', '12b', '18a', '18b', '24a', '24b']);
    expect(stats.map((s) => s.name)).toEqual(['source', 'triple', 'even', 'split', 'sink']);
    expect(stats.map((s) => [s.itemsIn, s.itemsOut])).toEqual([
      [0, 10],
      [10, 10],
      [10, 5],
      [5, 10],
      [10, 0],
    ]);
    for (const s of stats) {
      expect(s.peakQueueDepth).toBeLessThanOrEqual(s.capacity);
      expect(s.blockedOnGetMs).toBeGreaterThanOrEqual(0);
      expect(s.blockedOnPutMs).toBeGreaterThanOrEqual(0);
      expect(s.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('takes every kind of source', async () => {
    const collect = async (source: Parameters<typeof pipeline<number>>[0]['source']) =>
      (await pipeline<number, number>({ source }).run()).items;
    expect(await collect([1, 2, 3])).toEqual([1, 2, 3]);
    expect(await collect(new Set([4, 5]))).toEqual([4, 5]);
    expect(
      await collect(function* () {
        yield 1;
        yield 2;
      }),
    ).toEqual([1, 2]);
    expect(
      await collect(async function* () {
        await turns(1);
        yield 7;
      }),
    ).toEqual([7]);
    expect(
      await collect(async (put) => {
        for (let i = 0; i < 5; i++) await put(i);
      }),
    ).toEqual([0, 1, 2, 3, 4]);
    const queue = new Queue<number>();
    for (const x of [9, 8]) queue.tryPut(x);
    queue.close();
    expect(await collect(queue)).toEqual([9, 8]);
  });

  it('fans in several producers and fans out to several consumers', async () => {
    const seen: [number, number][] = [];
    const byConsumer = new Map<number, number[]>();
    const { items, stats } = await pipeline<[number, number]>({
      source: async (put, { index }) => {
        for (let i = 0; i < 50; i++) {
          await put([index, i]);
          if (i % 7 === 0) await turns(1);
        }
      },
      producers: 3,
      sink: async ([producer, i]: [number, number], { index }) => {
        seen.push([producer, i]);
        const list = byConsumer.get(index) ?? [];
        list.push(producer * 1000 + i);
        byConsumer.set(index, list);
        await turns(index);
      },
      consumers: 3,
      capacity: 4,
    }).run();
    expect(items).toEqual([]);
    expect(seen).toHaveLength(150);
    expect(new Set(seen.map(([p, i]) => `${p}:${i}`)).size).toBe(150);
    // Each producer's items leave one FIFO queue in order, so every consumer sees them in order.
    for (const list of byConsumer.values()) {
      for (const producer of [0, 1, 2]) {
        const mine = list.filter((v) => Math.floor(v / 1000) === producer);
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    }
    expect(byConsumer.size).toBeGreaterThan(1);
    expect(stats[0]?.concurrency).toBe(3);
    expect(stats.at(-1)?.itemsIn).toBe(150);
  });

  it('keeps input order in an ordered parallel stage under random delays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(4), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        async (delays, concurrency, capacity) => {
          let inFlight = 0;
          let peak = 0;
          const { items } = await pipeline<number, number>({
            source: delays.map((_, i) => i),
            stages: [
              map(
                async (i: number) => {
                  inFlight++;
                  peak = Math.max(peak, inFlight);
                  await turns(delays[i] ?? 0);
                  inFlight--;
                  return i * 2;
                },
                { concurrency, ordered: true },
              ),
            ],
            capacity,
          }).run();
          expect(items).toEqual(delays.map((_, i) => i * 2));
          expect(peak).toBeLessThanOrEqual(concurrency);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps every item exactly once in an unordered parallel stage', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(4), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, concurrency) => {
          const { items } = await pipeline<number, number>({
            source: delays.map((_, i) => i),
            stages: [
              flatMap(
                async (i: number) => {
                  await turns(delays[i] ?? 0);
                  return i % 3 === 0 ? [] : [i];
                },
                { concurrency },
              ),
            ],
            capacity: 3,
          }).run();
          const expected = delays.map((_, i) => i).filter((i) => i % 3 !== 0);
          expect([...items].sort((a, b) => a - b)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('runs the ordered mode for filter and flatMap too', async () => {
    const { items } = await pipeline<number, number>({
      source: range(30),
      stages: [
        filter(async (x: number) => (await turns(x % 4), x % 2 === 0), {
          concurrency: 5,
          ordered: true,
        }),
        flatMap(
          async function* (x: number) {
            await turns(3 - (x % 4));
            yield x;
            yield -x;
          },
          { concurrency: 3, ordered: true },
        ),
      ],
    }).run();
    expect(items).toEqual(range(30).flatMap((x) => (x % 2 === 0 ? [x, -x] : [])));
  });
});

describe('pipeline: backpressure', () => {
  it('a slow sink bounds the producer lead to the queue capacities', async () => {
    let produced = 0;
    let consumed = 0;
    let lead = 0;
    const capacity = 3;
    const { stats } = await pipeline<number>({
      source: function* () {
        for (let i = 0; i < 200; i++) {
          produced++;
          yield i;
        }
      },
      stages: [map((x: number) => x + 1), map((x: number) => x * 2, { capacity: 2 })],
      sink: async () => {
        consumed++;
        lead = Math.max(lead, produced - consumed);
        await turns(2);
      },
      capacity,
    }).run();
    // Items held between the source and the sink: one being put by the source, the three
    // queues (3 + 3 + 2), one in each stage's hands.
    expect(lead).toBeLessThanOrEqual(1 + capacity + 1 + capacity + 1 + 2);
    expect(consumed).toBe(200);
    expect(stats[0]?.blockedOnPutMs).toBeGreaterThan(0);
    expect(stats.map((s) => s.peakQueueDepth)).toEqual([3, 3, 2, 0]);
  });
});

describe('pipeline: errors and abort', () => {
  type Where = 'source' | 'first' | 'second' | 'sink';

  /** Builds a pipeline that throws at `where` on item `at`, and watches what is still running. */
  function faulty(where: Where, at: number, concurrency: number, ordered: boolean) {
    const live = { calls: 0, sourceOpen: false };
    const boom = new Error(`boom at ${where} ${at}`);
    const step = (name: Where) => async (x: number, ctx: StageContext) => {
      live.calls++;
      try {
        await turns(x % 3);
        if (where === name && x === at) throw boom;
        expect(ctx.stage).toBe(name === 'sink' ? 'sink' : name);
        return x;
      } finally {
        live.calls--;
      }
    };
    const p = pipeline<number>({
      source: function* () {
        live.sourceOpen = true;
        try {
          for (let i = 0; i < 100; i++) {
            if (where === 'source' && i === at) throw boom;
            yield i;
          }
        } finally {
          live.sourceOpen = false;
        }
      },
      stages: [
        map(step('first'), { name: 'first', concurrency, ordered }),
        filter(async (x: number, ctx: StageContext) => (await step('second')(x, ctx)) >= 0, {
          name: 'second',
          concurrency,
          ordered,
        }),
      ],
      sink: step('sink'),
      consumers: 2,
      capacity: 2,
    });
    return { p, live, boom };
  }

  it('the first error stops every part and names its stage, at any point', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Where>('source', 'first', 'second', 'sink'),
        fc.nat(99),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (where, at, concurrency, ordered) => {
          const { p, live, boom } = faulty(where, at, concurrency, ordered);
          const error = await p.run().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(PipelineError);
          expect((error as PipelineError).stage).toBe(where);
          expect((error as PipelineError).cause).toBe(boom);
          expect((error as Error).message).toContain(`'${where}'`);
          // Nothing left running once run() settled.
          expect(live.calls).toBe(0);
          expect(live.sourceOpen).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an ordered stage fails at once, not when the failed item would be emitted', async () => {
    // Item 0 ends only when the pipeline stops; item 1 fails. Waiting for item 0's turn before
    // reporting item 1's error would never end.
    const error = await pipeline<number>({
      source: [0, 1, 2, 3],
      stages: [
        map(
          async (x: number, { signal }: StageContext) => {
            if (x === 1) throw new RangeError('item 1 fails');
            await new Promise((resolve) => signal.addEventListener('abort', resolve));
            return x;
          },
          { name: 'slow', concurrency: 2, ordered: true },
        ),
      ],
    })
      .run()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).stage).toBe('slow');
    expect((error as PipelineError).cause).toEqual(new RangeError('item 1 fails'));
  }, 20_000);

  it('an abort at any point stops everything and rejects with the reason', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(120),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (after, concurrency, ordered) => {
          const { p, live } = faulty('source', -1, concurrency, ordered);
          const controller = new AbortController();
          const reason = new Error('stop');
          let seen = 0;
          // Abort right after the `after`-th item taken from any of the pipeline's queues.
          const tracer = setTracer({
            event: (e: TraceEvent) => {
              if (e.kind === 'get' && e.primitive === 'Queue' && ++seen === after) {
                controller.abort(reason);
              }
            },
          });
          let error: unknown;
          try {
            await p.run({ signal: controller.signal });
          } catch (e) {
            error = e;
          } finally {
            setTracer(tracer);
          }
          if (controller.signal.aborted) expect(error).toBe(reason);
          else expect(error).toBeUndefined();
          expect(live.calls).toBe(0);
          expect(live.sourceOpen).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives each function a signal that aborts when the pipeline stops', async () => {
    let signal: AbortSignal | undefined;
    const error = await pipeline({
      source: [1, 2, 3],
      stages: [
        map(
          (x: number, ctx: StageContext) => {
            signal = ctx.signal;
            if (x === 2) throw new RangeError('two');
            return x;
          },
          { name: 'check' },
        ),
      ],
    })
      .run()
      .catch((e: unknown) => e);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).cause).toBeInstanceOf(RangeError);
  });

  it('rejects at once with the reason of an already aborted signal', async () => {
    let pulled = 0;
    const reason = new Error('no');
    await expect(
      pipeline({
        source: function* () {
          pulled++;
          yield 1;
        },
      }).run({ signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(pulled).toBe(0);
  });

  it('reports a ClosedError from a user function as a failure of that stage', async () => {
    const error = await pipeline({
      source: [1],
      stages: [map(() => Promise.reject(new ClosedError('mine')), { name: 'closer' })],
    })
      .run()
      .catch((e: unknown) => e);
    expect((error as PipelineError).stage).toBe('closer');
  });
});

describe('pipeline: validation', () => {
  it('names the bad option', () => {
    expect(() => map((x) => x, { concurrency: 0 })).toThrow(/concurrency must be a positive/);
    expect(() => map((x) => x, { capacity: 1.5 })).toThrow(/capacity/);
    expect(() => map((x) => x, { ordered: 'yes' as unknown as boolean })).toThrow(/ordered/);
    expect(() => map((x) => x, { placement: 'gpu' as 'thread' })).toThrow(/placement/);
    expect(() => map((x) => x, { codec: 'xml' as 'json' })).toThrow(/codec must be one of/);
    expect(() => map(42 as unknown as () => void)).toThrow(/map stage needs a function/);
    expect(() => map((x: number) => x, { placement: 'worker' })).toThrow(
      /a function cannot be sent to a worker/,
    );
    expect(() => pipeline({ source: 5 as unknown as number[] })).toThrow(/source must be/);
    expect(() => pipeline({ source: 'abc' as unknown as string[] })).toThrow(/source must be/);
    expect(() => pipeline({ source: [1], producers: 2 })).toThrow(/producers: 2 needs a function/);
    expect(() => pipeline({ source: [1], capacity: -1 })).toThrow(RangeError);
    expect(() => pipeline({ source: [1], consumers: 0 })).toThrow(/consumers/);
    expect(() => pipeline({ source: [1], sink: 3 as unknown as () => void })).toThrow(/sink/);
    expect(() => pipeline({ source: [1], stages: [{} as never] })).toThrow(/stages\[0\]/);
    expect(() =>
      pipeline({
        source: [1],
        stages: [map((x) => x, { name: 'a' }), map((x) => x, { name: 'a' })],
      }),
    ).toThrow(/'a' is used twice/);
  });

  it('rejects a bad run option', async () => {
    await expect(pipeline({ source: [1] }).run({ signal: {} as AbortSignal })).rejects.toThrow(
      /signal must be an AbortSignal/,
    );
  });

  it('fails a flatMap stage whose function returns no iterable', async () => {
    const error = await pipeline({ source: [1], stages: [flatMap(() => 5 as never)] })
      .run()
      .catch((e: unknown) => e);
    expect((error as PipelineError).stage).toBe('flatMap#1');
    expect((error as PipelineError).cause).toBeInstanceOf(TypeError);
  });
});

describe('pipeline: tracing', () => {
  it('reports its shape, each part as it ends, and the end', async () => {
    const events: TraceEvent[] = [];
    const previous = setTracer({ event: (e) => events.push(e) });
    try {
      await pipeline({
        source: [1, 2],
        stages: [map((x: number) => x, { name: 'id' })],
        name: 'p',
      }).run();
    } finally {
      setTracer(previous);
    }
    const mine = events.filter((e) => e.primitive === 'Pipeline');
    expect(mine[0]?.kind).toBe('created');
    expect(mine[0]?.detail?.parts).toEqual([
      { name: 'source', kind: 'source', placement: 'thread', concurrency: 1 },
      { name: 'id', kind: 'map', placement: 'thread', concurrency: 1 },
      { name: 'sink', kind: 'sink', placement: 'thread', concurrency: 1 },
    ]);
    expect(mine.filter((e) => e.kind === 'close').map((e) => e.detail?.stage)).toEqual([
      'source',
      'id',
      'sink',
      undefined,
    ]);
    const queueNames = new Set(events.filter((e) => e.primitive === 'Queue').map((e) => e.name));
    expect(queueNames).toEqual(new Set(['p: source -> id', 'p: id -> sink']));
  });
});
