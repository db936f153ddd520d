import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  Event,
  LifoQueue,
  PriorityQueue,
  Queue,
  SharedQueue,
  TimeoutError,
  select,
  setScheduler,
} from '../../src/index.js';
import { flush, track } from '../sync/helpers.js';

/** What `select` replaces: a get from each queue, raced, the losers aborted. */
async function raceWithAbort<T>(queues: Queue<T>[]): Promise<T> {
  const controller = new AbortController();
  try {
    return await Promise.race(queues.map((q) => q.get({ signal: controller.signal })));
  } finally {
    controller.abort();
  }
}

describe('select', () => {
  it('takes an item that is there now, from the first ready case in order', async () => {
    const a = new Queue<number>();
    const b = new Queue<string>();
    await b.put('b');
    await a.put(1);
    const r = await select([{ get: a }, { get: b }]);
    expect(r).toEqual({ index: 0, closed: false, value: 1 });
    expect(b.size).toBe(1);
  });

  it('waits for the first case to become ready and does only that one', async () => {
    const a = new Queue<number>({ name: 'a' });
    const b = new Queue<number>({ name: 'b' });
    const pending = track(select([{ get: a }, { get: b }]));
    await flush();
    expect(pending.state).toBe('pending');
    expect(a.waitingGetters + b.waitingGetters).toBe(2);
    await b.put(2);
    await a.put(1); // in the same turn: must stay in a
    await flush();
    expect(pending.value).toEqual({ index: 1, closed: false, value: 2 });
    expect(a.size).toBe(1);
    expect(a.waitingGetters + b.waitingGetters).toBe(0);
  });

  it('never loses an item where Promise.race + abort does', async () => {
    const lossy = [new Queue<number>(), new Queue<number>()];
    const raced = raceWithAbort(lossy);
    await lossy[0]!.put(1);
    await lossy[1]!.put(2); // both gets were served before the abort could land
    expect(await raced).toBe(1);
    expect(lossy[0]!.size + lossy[1]!.size).toBe(0); // 2 was taken by the loser and is gone

    const safe = [new Queue<number>(), new Queue<number>()];
    const selected = select([{ get: safe[0]! }, { get: safe[1]! }]);
    await safe[0]!.put(1);
    await safe[1]!.put(2);
    expect(await selected).toEqual({ index: 0, closed: false, value: 1 });
    expect(safe[1]!.tryGet()).toEqual({ ok: true, value: 2 }); // still there
  });

  it('puts into the first queue with room, and waits for room when all are full', async () => {
    const a = new Queue<string>({ capacity: 1 });
    const b = new Queue<string>({ capacity: 1 });
    await a.put('x');
    expect(
      await select([
        { put: a, value: 'y' },
        { put: b, value: 'y' },
      ]),
    ).toEqual({
      index: 1,
      closed: false,
      value: undefined,
    });
    const pending = select([
      { put: a, value: 'z' },
      { put: b, value: 'z' },
    ]);
    expect(await b.get()).toBe('y'); // room in b: the select puts there, and only there
    expect(await pending).toMatchObject({ index: 1 });
    expect([a.size, b.size]).toEqual([1, 1]);
    expect(await b.get()).toBe('z');
    expect(await a.get()).toBe('x');
  });

  it('waits for an event with the queues, and reports a closed queue as Go does', async () => {
    const jobs = new Queue<number>();
    const stop = new Event();
    const stopped = select([{ get: jobs }, { wait: stop }]);
    stop.set();
    expect(await stopped).toEqual({ index: 1, closed: false, value: undefined });
    expect(jobs.waitingGetters).toBe(0);

    const waiting = select([{ get: jobs }], {});
    jobs.close();
    expect(await waiting).toEqual({ index: 0, closed: true, value: undefined });
    expect(await select([{ get: jobs }])).toMatchObject({ closed: true }); // closed now
    await expect(select([{ put: jobs, value: 1 }])).rejects.toThrow(ClosedError);
  });

  it('gives up after its timeout or on abort, having taken nothing', async () => {
    const a = new Queue<number>({ name: 'a' });
    await expect(select([{ get: a }], { timeout: 1, name: 'pick' })).rejects.toThrow(
      new TimeoutError('pick: select timed out after 1 ms', 1),
    );
    await expect(select([{ get: a }], { timeout: 0 })).rejects.toThrow(TimeoutError);
    const controller = new AbortController();
    const aborted = select([{ get: a }], { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(a.waitingGetters).toBe(0);
    await a.put(7);
    expect(a.tryGet()).toEqual({ ok: true, value: 7 }); // nobody took it
    await expect(select([{ get: a }], { signal: AbortSignal.abort('early') })).rejects.toBe(
      'early',
    );
  });

  it('waits with a timeout longer than a timer can hold (2^31 ms and more)', async () => {
    const a = new Queue<number>();
    const pending = track(select([{ get: a }], { timeout: 2 ** 31 + 5 }));
    await new Promise((resolve) => setTimeout(resolve, 20)); // a plain setTimeout would fire in ~1 ms
    expect(pending.state).toBe('pending');
    await a.put(1);
    await flush();
    expect(pending.value).toEqual({ index: 0, closed: false, value: 1 });
  });

  it('works with LifoQueue and PriorityQueue, and refuses other queues', async () => {
    const lifo = new LifoQueue<number>();
    const prio = new PriorityQueue<number>();
    await prio.put(3);
    await prio.put(1);
    expect(await select([{ get: lifo }, { get: prio }])).toMatchObject({ index: 1, value: 1 });
    // A look-alike is refused (a SharedQueue is a case too since select went shared).
    const lookAlike = { tryGet: () => ({ ok: false }), get: () => Promise.resolve(1) };
    await expect(select([{ get: lookAlike as unknown as Queue<number> }])).rejects.toThrow(
      /cases\[0\] must be \{ get: queue \}.*Queue, LifoQueue, PriorityQueue, SharedQueue/,
    );
    const shared = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    shared.tryPut(4);
    expect(await select([{ get: lifo }, { get: shared }])).toMatchObject({ index: 1, value: 4 });
    await expect(select([])).rejects.toThrow(TypeError);
  });

  it('keeps its place in each queue: an earlier getter is served first', async () => {
    const a = new Queue<number>();
    const first = track(a.get());
    const second = track(select([{ get: a }]));
    await a.put(1);
    await a.put(2);
    await flush();
    expect(first.value).toBe(1);
    expect(second.value).toEqual({ index: 0, closed: false, value: 2 });
  });

  it('takes one item even when a scheduler delays the winner', async () => {
    const later: (() => void)[] = [];
    const previous = setScheduler({ resume: (resume) => later.push(resume) });
    try {
      const a = new Queue<number>();
      const b = new Queue<number>();
      const selected = track(select([{ get: a }, { get: b }]));
      await a.put(1); // serves the select's waiter in a; its resumption is delayed
      await b.put(2); // must not be served to the select's waiter in b
      expect(b.size).toBe(1);
      later.splice(0).forEach((resume) => resume());
      await flush();
      expect(selected.value).toEqual({ index: 0, closed: false, value: 1 });
    } finally {
      setScheduler(previous);
    }
  });

  it('property: concurrent selects, puts and timeouts take every item at most once and lose none', async () => {
    type Step =
      | { kind: 'put'; queue: number }
      | { kind: 'select'; queues: number[]; timeout: boolean }
      | { kind: 'tick' };
    const step = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), queue: fc.integer({ min: 0, max: 2 }) }),
      fc.record({
        kind: fc.constant('select' as const),
        queues: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
        timeout: fc.boolean(),
      }),
      fc.constant({ kind: 'tick' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps: Step[]) => {
        const queues = [0, 1, 2].map((i) => new Queue<number>({ capacity: 2, name: `q${i}` }));
        const put: number[] = [];
        const taken: number[] = [];
        const puts: Promise<unknown>[] = [];
        const selects: Promise<unknown>[] = [];
        let next = 0;
        for (const s of steps) {
          if (s.kind === 'put') {
            const value = next++;
            puts.push(queues[s.queue]!.put(value).then(() => put.push(value)));
          } else if (s.kind === 'select') {
            const cases = s.queues.map((i) => ({ get: queues[i]! }));
            selects.push(
              select(cases, s.timeout ? { timeout: 1 } : { timeout: 50 }).then(
                (r) => void (r.closed ? undefined : taken.push(r.value)),
                (error: unknown) => {
                  if (!(error instanceof TimeoutError)) throw error;
                },
              ),
            );
          } else {
            await Promise.resolve();
          }
        }
        await Promise.all(selects); // each ends by an item, or by its timeout
        // Drain what is left; taking items lets blocked putters in, so repeat until all are in.
        const left: number[] = [];
        let done = false;
        const allPut = Promise.all(puts).then(() => (done = true));
        while (!done) {
          for (const q of queues) for (let r = q.tryGet(); r.ok; r = q.tryGet()) left.push(r.value);
          await flush();
        }
        await allPut;
        for (const q of queues) for (let r = q.tryGet(); r.ok; r = q.tryGet()) left.push(r.value);
        expect([...taken, ...left].sort((x, y) => x - y)).toEqual([...put].sort((x, y) => x - y));
        expect(queues.every((q) => q.waitingGetters === 0 && q.waitingPutters === 0)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
