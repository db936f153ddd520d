// select() / selectSync() over SharedQueues and SharedEvents (mixed with in-thread ones):
// exactly one case done, no wake-up of the queues' wake-one scheme swallowed, and exactly-once
// delivery under producers in real workers with timeouts and aborts racing the puts.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClosedError,
  Event,
  Queue,
  SharedEvent,
  SharedQueue,
  TimeoutError,
  select,
  selectSync,
} from '../../src/index.js';
import { nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

/** Resolves with `p`'s value, or rejects if it has not settled after `ms` (a hang guard). */
function within<T>(p: Promise<T>, ms = 20_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** Lets pending waits and promise callbacks run. */
const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('select over shared queues and events', () => {
  it('takes what is there now, from the first ready case in order, mixing both worlds', async () => {
    const local = new Queue<string>();
    const shared = new SharedQueue<number>({ capacity: 4, codec: 'float64' });
    shared.tryPut(2);
    await local.put('x');
    const r = await select([{ get: shared }, { get: local }]);
    expect(r).toEqual({ index: 0, closed: false, value: 2 });
    expect(local.size).toBe(1);
    const r2 = await select([{ get: shared }, { get: local }]);
    expect(r2).toEqual({ index: 1, closed: false, value: 'x' });
  });

  it('waits for a put on a shared queue, and for an in-thread put, doing only that case', async () => {
    const a = new SharedQueue<number>({ capacity: 4, codec: 'float64', name: 'a' });
    const b = new Queue<number>({ name: 'b' });
    const first = select([{ get: a }, { get: b }]);
    await turn();
    a.tryPut(1);
    expect(await within(first)).toEqual({ index: 0, closed: false, value: 1 });
    expect(b.waitingGetters).toBe(0);

    const second = select([{ get: a }, { get: b }]);
    await turn();
    await b.put(2);
    a.tryPut(3); // in the same turn: stays in a
    expect(await within(second)).toEqual({ index: 1, closed: false, value: 2 });
    expect(a.size).toBe(1);
  });

  it('puts into a shared queue when room appears', async () => {
    const q = new SharedQueue<number>({ capacity: 1, codec: 'float64' });
    q.tryPut(1);
    const putting = select([{ put: q, value: 2 }]);
    await turn();
    expect(q.tryGet()).toEqual({ ok: true, value: 1 });
    expect(await within(putting)).toEqual({ index: 0, closed: false, value: undefined });
    expect(q.tryGet()).toEqual({ ok: true, value: 2 });
  });

  it('sees a SharedEvent set, even one cleared again at once', async () => {
    const stop = new SharedEvent({ name: 'stop' });
    const q = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const waiting = select([{ get: q }, { wait: stop }]);
    await turn();
    stop.set();
    stop.clear();
    expect(await within(waiting)).toEqual({ index: 1, closed: false, value: undefined });
    stop.set();
    expect(await select([{ get: q }, { wait: stop }])).toMatchObject({ index: 1 });
    const local = new Event();
    const mixed = select([{ wait: local }, { get: q }]);
    await turn();
    local.set();
    expect(await within(mixed)).toMatchObject({ index: 0 });
  });

  it('closed queues: a get case resolves closed once drained; a put case rejects', async () => {
    const q = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    q.tryPut(1);
    q.close();
    expect(await select([{ get: q }])).toEqual({ index: 0, closed: false, value: 1 });
    expect(await select([{ get: q }])).toEqual({ index: 0, closed: true, value: undefined });
    await expect(select([{ put: q, value: 2 }])).rejects.toBeInstanceOf(ClosedError);

    const later = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const other = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const waiting = select([{ get: other }, { get: later }]);
    await turn();
    later.close();
    expect(await within(waiting)).toEqual({ index: 1, closed: true, value: undefined });
  });

  it('times out or aborts having taken nothing, and leaves no sleeper counted', async () => {
    const a = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const b = new Queue<number>();
    await expect(select([{ get: a }, { get: b }], { timeout: 0 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    await expect(select([{ get: a }, { get: b }], { timeout: 20 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    const controller = new AbortController();
    const aborted = select([{ get: a }, { get: b }], { signal: controller.signal });
    await turn();
    controller.abort(new Error('enough'));
    await expect(aborted).rejects.toThrow('enough');
    expect(b.waitingGetters).toBe(0);
    // Nothing was taken, and a plain getter is still woken by the next put.
    const getter = a.get();
    await turn();
    a.tryPut(7);
    expect(await within(getter)).toBe(7);
  });

  it('hands on a wake-up it does not use: a getter sleeping behind a select is not stranded', async () => {
    for (let round = 0; round < 20; round++) {
      const a = new SharedQueue<number>({ capacity: 4, codec: 'float64', name: 'a' });
      const b = new SharedQueue<number>({ capacity: 4, codec: 'float64', name: 'b' });
      // The select sleeps on a's word first, then the plain getter: a's put wakes one sleeper,
      // the select (first in the word's list) ...
      const selecting = select([{ get: b }, { get: a }]);
      await turn();
      const getter = a.get();
      await turn();
      a.tryPut(1);
      b.tryPut(2); // ... which then takes b's item (case 0 first) and must pass a's wake on.
      expect(await within(selecting)).toEqual({ index: 0, closed: false, value: 2 });
      expect(await within(getter, 10_000)).toBe(1);
    }
  });

  it('a select that times out or aborts right after being woken passes the wake-up on', async () => {
    for (let round = 0; round < 30; round++) {
      const a = new SharedQueue<number>({ capacity: 4, codec: 'float64' });
      const other = new Queue<number>();
      const controller = new AbortController();
      const selecting = select([{ get: other }, { get: a }], {
        signal: controller.signal,
        timeout: round % 2 === 0 ? 50 : Infinity,
      }).catch((e: unknown) => e);
      await turn();
      const getter = a.get();
      await turn();
      // A put on the in-thread queue and on the shared one in the same turn, then an abort.
      void other.put(0);
      a.tryPut(1);
      controller.abort(new Error('abort'));
      const r = await within(selecting);
      const fromA = (r as { index?: number }).index === 1 ? 1 : 0;
      if (fromA === 0) expect(await within(getter, 10_000)).toBe(1);
      else getter.catch(() => undefined);
      expect(a.size).toBe(0);
    }
  });

  it('refuses bad input with a clear error', async () => {
    const q = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    await expect(select([])).rejects.toThrow(/non-empty array of cases/);
    await expect(select([{ get: {} as never }])).rejects.toThrow(/cases\[0\] must be/);
    await expect(select([{ get: q }], { timeout: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(select([{ get: q }], { name: 3 as never })).rejects.toThrow(/name must be/);
    expect(() => selectSync([{ get: new Queue<number>() }])).toThrow(
      /cases\[0\] must be .*SharedQueue or SharedEvent/,
    );
    expect(() => selectSync([{ get: q }], { timeout: Number.NaN })).toThrow(/timeout/);
    expect(() => selectSync([])).toThrow(/selectSync\(\) needs a non-empty array/);
  });

  it('selectSync on the main thread (Node may block): takes now, or times out', () => {
    const a = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const b = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    b.tryPut(5);
    expect(selectSync([{ get: a }, { get: b }])).toEqual({ index: 1, closed: false, value: 5 });
    expect(() => selectSync([{ get: a }, { get: b }], { timeout: 5 })).toThrow(TimeoutError);
    const stop = new SharedEvent();
    stop.set();
    expect(selectSync([{ get: a }, { wait: stop }], { timeout: 5 })).toMatchObject({ index: 1 });
  });
});

describe('select over shared queues: property', () => {
  it('selects, plain gets, puts, timeouts and aborts in any order take every item exactly once', async () => {
    type Step =
      | { kind: 'put'; queue: number }
      | { kind: 'select'; queues: number[]; end: 'timeout' | 'abort' | 'wait' }
      | { kind: 'get'; queue: number }
      | { kind: 'tick' };
    const step = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), queue: fc.integer({ min: 0, max: 2 }) }),
      fc.record({
        kind: fc.constant('select' as const),
        queues: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
        end: fc.constantFrom('timeout' as const, 'abort' as const, 'wait' as const),
      }),
      fc.record({ kind: fc.constant('get' as const), queue: fc.integer({ min: 0, max: 1 }) }),
      fc.constant({ kind: 'tick' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps: Step[]) => {
        // Two shared queues (0, 1) and an in-thread one (2), all small so puts wait too.
        const queues = [
          new SharedQueue<number>({ capacity: 2, codec: 'float64', name: 'p0' }),
          new SharedQueue<number>({ capacity: 2, codec: 'float64', name: 'p1' }),
          new Queue<number>({ capacity: 2, name: 'p2' }),
        ];
        const put: number[] = [];
        const taken: number[] = [];
        const pending: Promise<unknown>[] = [];
        const puts: Promise<unknown>[] = [];
        let next = 0;
        const expected = (error: unknown): void => {
          if (!(error instanceof TimeoutError) && error !== 'aborted') throw error;
        };
        for (const s of steps) {
          if (s.kind === 'put') {
            const value = next++;
            const q = queues[s.queue] as SharedQueue<number> | Queue<number>;
            puts.push(q.put(value).then(() => put.push(value)));
          } else if (s.kind === 'select') {
            const controller = new AbortController();
            const cases = s.queues.map((i) => ({ get: queues[i]! }));
            const options =
              s.end === 'timeout'
                ? { timeout: 1 }
                : s.end === 'abort'
                  ? { signal: controller.signal }
                  : { timeout: 100 };
            if (s.end === 'abort') setTimeout(() => controller.abort('aborted'), 0);
            pending.push(
              select(cases, options).then(
                (r) => void (r.closed ? undefined : taken.push(r.value as number)),
                expected,
              ),
            );
          } else if (s.kind === 'get') {
            const q = queues[s.queue] as SharedQueue<number>;
            pending.push(q.get({ timeout: 100 }).then((v) => void taken.push(v), expected));
          } else {
            await new Promise((resolve) => setTimeout(resolve, 0));
          }
        }
        await Promise.all(pending); // each ends with an item, its timeout or its abort
        // Drain what is left, letting blocked puts in as room appears.
        for (;;) {
          let got = false;
          for (const q of queues) {
            const r = q.tryGet();
            if (r.ok) {
              taken.push(r.value);
              got = true;
            }
          }
          if (!got && put.length === next) break;
          if (!got) await new Promise((resolve) => setTimeout(resolve, 0));
        }
        await Promise.all(puts);
        expect([...taken].sort((a, b) => a - b)).toEqual([...put].sort((a, b) => a - b));
        expect(new Set(taken).size).toBe(taken.length);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});

describe('select across workers', () => {
  it('selectSync blocks in a worker until a put, a close or a set', async () => {
    const a = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const b = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const stop = new SharedEvent();
    const data = { queues: [a.handle, b.handle], events: [stop.handle] };

    let worker = startWorker('select-blocked', data);
    expect(await nextMessage(worker)).toBe('ready');
    b.tryPut(9);
    expect(await nextMessage(worker)).toEqual({ result: { index: 1, closed: false, value: 9 } });

    worker = startWorker('select-blocked', data);
    expect(await nextMessage(worker)).toBe('ready');
    stop.set();
    expect(await nextMessage(worker)).toEqual({
      result: { index: 2, closed: false, value: undefined },
    });
    stop.clear();

    worker = startWorker('select-blocked', { queues: [a.handle], events: [] });
    expect(await nextMessage(worker)).toBe('ready');
    a.close();
    expect(await nextMessage(worker)).toEqual({
      result: { index: 0, closed: true, value: undefined },
    });
  });

  it('exactly once: 2 producer workers, a selectSync worker, an async select with timeouts and aborts, and a plain getter', async () => {
    const count = 4000;
    const a = new SharedQueue<number>({ capacity: 8, codec: 'float64', name: 'a' });
    const b = new SharedQueue<number>({ capacity: 8, codec: 'float64', name: 'b' });
    const local = new Queue<number>({ capacity: 4 });
    const queues = [a.handle, b.handle];
    const consumer = startWorker('select-consumer', { queues, name: 'select worker' });
    const consumed = nextMessage<{ taken: number[]; timeouts: number }>(consumer);
    const producers = [1, 2].map((id) => startWorker('select-producer', { queues, id, count }));
    const produced = Promise.all(producers.map((p) => nextMessage(p)));
    // In-thread items too, put while the select runs.
    const localCount = 500;
    const localPuts = (async () => {
      for (let i = 0; i < localCount; i++) await local.put(3e7 + i);
    })();

    const taken: number[] = [];
    let timeouts = 0;
    let aborts = 0;
    // A plain getter on a sleeps next to the selects: it must keep getting woken.
    const plain = (async () => {
      for (;;) {
        try {
          taken.push(await a.get());
        } catch (error) {
          if (error instanceof ClosedError) return;
          throw error;
        }
      }
    })();
    let open: (SharedQueue<number> | Queue<number>)[] = [a, b, local];
    let round = 0;
    let produceDone = false;
    void produced.then(async () => {
      await localPuts;
      produceDone = true;
      a.close();
      b.close();
      local.close();
    });
    while (open.length > 0) {
      round++;
      const controller = new AbortController();
      const cases = open.map((q) => ({ get: q }));
      // Abort after 0-2 turns of the event loop, or time out after 0-2 ms, racing the puts.
      let abortTimer: ReturnType<typeof setTimeout> | undefined;
      if (round % 3 === 0) abortTimer = setTimeout(() => controller.abort('stop'), round % 2);
      try {
        const r = await select(cases, {
          signal: controller.signal,
          timeout: round % 3 === 1 ? round % 3 : Infinity,
        });
        if (r.closed) open = open.filter((_, i) => i !== r.index);
        else taken.push(r.value as number);
      } catch (error) {
        if (error instanceof TimeoutError) timeouts++;
        else if (error === 'stop') aborts++;
        else throw error;
      } finally {
        clearTimeout(abortTimer);
      }
    }
    await within(plain, 30_000);
    const worker = await within(consumed, 30_000);
    expect(produceDone).toBe(true);
    const all = [...taken, ...worker.taken].sort((x, y) => x - y);
    const expected = [
      ...[1, 2].flatMap((id) => Array.from({ length: count }, (_, i) => id * 1e7 + i)),
      ...Array.from({ length: localCount }, (_, i) => 3e7 + i),
    ].sort((x, y) => x - y);
    expect(all.length).toBe(expected.length);
    expect(all).toEqual(expected); // none lost, none doubled
    // The races were exercised (not a speed assertion: counts of what happened).
    expect(timeouts + aborts + worker.timeouts).toBeGreaterThan(0);
  }, 120_000);
});
