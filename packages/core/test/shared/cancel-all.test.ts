// cancelAll(reason?) on the shared waiting primitives: every call waiting at that moment (async
// here, blocking in workers) gives up with CancelledError (or the reason, in the same agent),
// the count says how many were waiting, the state is untouched and later calls are unaffected.
import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError,
  SharedBarrier,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedRLock,
  SharedSemaphore,
  select,
  setTracer,
  snapshot,
  type TraceEvent,
} from '../../src/index.js';
import { eventually, nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

/**
 * A queue of 2 slots (full for a put, empty for a get) whose attempt method `method` (the
 * queue's own, wrapped) cancels on its third call, after it failed, and then makes room (takes
 * the 1) or puts an item (a 9): the next attempt would succeed, but the cancelled call must not
 * make it. `attempts()` says how many were made.
 */
function cancelOnThirdAttempt(
  name: string,
  method: string,
  puts: boolean,
): { q: SharedQueue<number>; attempts: () => number } {
  const q = new SharedQueue<number>({ capacity: 2, codec: 'float64', name: `spin-${name}` });
  if (puts) q.putManySync(new Float64Array([1, 2]));
  const inner = q as unknown as Record<string, (...args: unknown[]) => unknown>;
  const attempt = inner[method]!.bind(q);
  let attempts = 0;
  inner[method] = (...args: unknown[]) => {
    const result = attempt(...args);
    if (++attempts === 3) {
      expect(q.cancelAll()).toBe(0); // spinning: not counted as a sleeper
      if (puts) expect(q.tryGet()).toEqual({ ok: true, value: 1 });
      else expect(q.tryPut(9)).toBe(true);
    }
    return result;
  };
  return { q, attempts: () => attempts };
}

/** Lets pending waits and promise callbacks run. */
const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

/** Settles `p` into `{ value }` or `{ error }`. */
function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** Waits until `count` agents of the registry wait on the primitive named `name`. */
function waitersOf(name: string, count: number): Promise<true> {
  return eventually(() =>
    snapshot().agents.filter((a) => a.state === 'waiting' && a.waitingOn?.primitive.name === name)
      .length >= count
      ? true
      : undefined,
  );
}

describe('cancelAll on shared primitives (one agent)', () => {
  it('SharedSemaphore: waiters give up, no permit taken, later acquires work', async () => {
    const sem = new SharedSemaphore(0, { name: 'sem' });
    const a = settle(sem.acquire());
    const b = settle(sem.acquire(2));
    await turn();
    expect(sem.cancelAll()).toBe(2);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.error).toBeInstanceOf(CancelledError);
    expect((ra.error as Error).message).toBe('sem: acquire was cancelled by cancelAll()');
    expect(rb.error).toBeInstanceOf(CancelledError);
    expect(sem.value).toBe(0);
    expect(sem.cancelAll()).toBe(0);
    const later = sem.acquire({ timeout: 10_000 });
    sem.release();
    await later;
    expect(sem.value).toBe(0);
  });

  it('SharedEvent: waiters reject with the given reason in this agent, the flag is untouched', async () => {
    const ev = new SharedEvent({ name: 'ev' });
    const waiting = [settle(ev.wait()), settle(ev.wait({ timeout: 60_000 }))];
    await turn();
    const reason = new Error('shutting down');
    expect(ev.cancelAll(reason)).toBe(2);
    for (const r of await Promise.all(waiting)) expect(r.error).toBe(reason);
    expect(ev.isSet).toBe(false);
    const later = ev.wait({ timeout: 10_000 });
    ev.set();
    await later;
    // A set event: nobody waits, cancelAll changes nothing.
    expect(ev.cancelAll()).toBe(0);
    expect(ev.isSet).toBe(true);
  });

  it('SharedLock: waiters give up, the holder keeps the lock', async () => {
    // (A SharedRLock's holder agent re-enters instead of waiting: see the worker tests.)
    for (const lock of [new SharedLock({ name: 'l' })]) {
      lock.acquireSync();
      const waiting = settle(lock.acquire());
      await turn();
      expect(lock.cancelAll()).toBe(1);
      expect((await waiting).error).toBeInstanceOf(CancelledError);
      expect(lock.locked).toBe(true);
      lock.release();
      expect(lock.locked).toBe(false);
      await lock.acquire({ timeout: 10_000 }); // later callers unaffected
      lock.release();
    }
  });

  it('SharedBarrier: parties give up, the round starts afresh (not broken)', async () => {
    const barrier = new SharedBarrier(3, { name: 'b' });
    const waiting = [settle(barrier.wait()), settle(barrier.wait())];
    await turn();
    expect(barrier.cancelAll()).toBe(2);
    for (const r of await Promise.all(waiting)) expect(r.error).toBeInstanceOf(CancelledError);
    expect(barrier.broken).toBe(false);
    const indexes = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    expect(indexes.sort()).toEqual([0, 1, 2]);
    // A broken barrier stays broken: cancelAll is not a reset.
    barrier.abort();
    expect(barrier.cancelAll()).toBe(0);
    expect(barrier.broken).toBe(true);
  });

  it('SharedQueue: waiting gets and puts give up, items stay, the queue stays open', async () => {
    const empty = new SharedQueue<number>({ capacity: 2, codec: 'float64', name: 'empty' });
    const gets = [settle(empty.get()), settle(empty.get({ timeout: 60_000 }))];
    await waitersOf('empty', 1);
    await turn();
    expect(empty.cancelAll()).toBe(2);
    for (const r of await Promise.all(gets)) expect(r.error).toBeInstanceOf(CancelledError);
    expect(empty.tryPut(1)).toBe(true);
    expect(await empty.get({ timeout: 10_000 })).toBe(1);

    const full = new SharedQueue<number>({ capacity: 1, codec: 'float64', name: 'full' });
    full.tryPut(7);
    const put = settle(full.put(8));
    const reason = new Error('stop putting');
    await waitersOf('full', 1);
    expect(full.cancelAll(reason)).toBe(1);
    expect((await put).error).toBe(reason);
    expect(full.size).toBe(1);
    expect(full.closed).toBe(false);
    const later = full.put(9, { timeout: 10_000 });
    expect(full.tryGet()).toEqual({ ok: true, value: 7 });
    await later;
    expect(full.tryGet()).toEqual({ ok: true, value: 9 });
  });

  // A blocking call spins before it sleeps (a batch call before it even makes its sleep record:
  // SharedQueue.putManySpin); it has started to wait all the same, so a cancelAll() made during
  // the spin must end it having put or taken nothing, even if what it waits for comes right after
  // the cancel. The queue's own attempt method is wrapped: its third attempt (inside the spin)
  // fails, then cancels and makes the next attempt able to succeed (room for the put, an item
  // for the get). A call that read the cancel epoch only after its spin would sleep through the
  // cancel and time out; one that did not check it between attempts would put or take.
  it.each([
    ['putSync', 'putOnce'],
    ['putManySync', 'putBatch'],
    ['getSync', 'take'],
    ['getManySync', 'takeMany'],
  ] as const)(
    'SharedQueue.%s: a cancelAll() while the call spins cancels it, even with room (or an item) right after',
    (call, method) => {
      const puts = call.startsWith('put');
      const { q, attempts } = cancelOnThirdAttempt(call, method, puts);
      const wait = { timeout: 10_000 };
      expect(() => {
        if (call === 'putSync') q.putSync(3, wait);
        else if (call === 'putManySync') q.putManySync(new Float64Array([3]), wait);
        else if (call === 'getSync') q.getSync(wait);
        else q.getManySync(1, new Float64Array(1), wait);
      }).toThrow(CancelledError);
      expect(attempts()).toBe(3);
      // The cancelled call put or took nothing.
      if (puts) expect(q.getManySync(2)).toEqual([2]);
      else expect(q.getManySync(2)).toEqual([9]);
    },
  );

  it('a SharedQueue cancelAll ends a select() with a case on it', async () => {
    const a = new SharedQueue<number>({ capacity: 2, codec: 'float64', name: 'sa' });
    const b = new SharedQueue<number>({ capacity: 2, codec: 'float64', name: 'sb' });
    const waiting = settle(select([{ get: a }, { get: b }]));
    await turn();
    b.cancelAll();
    expect((await waiting).error).toBeInstanceOf(CancelledError);
    a.tryPut(1);
    expect(await select([{ get: a }, { get: b }])).toEqual({ index: 0, closed: false, value: 1 });
  });

  it('a select() woken by cancelAll() takes nothing, not even an item that came after the cancel', async () => {
    const q = new SharedQueue<number>({ capacity: 2, codec: 'float64', name: 'sel-late' });
    const waiting = settle(select([{ get: q }]));
    await turn();
    q.cancelAll();
    expect(q.tryPut(1)).toBe(true); // before the select runs again
    expect((await waiting).error).toBeInstanceOf(CancelledError);
    expect(q.size).toBe(1);
    const full = new SharedQueue<number>({ capacity: 1, codec: 'float64', name: 'sel-late-put' });
    full.tryPut(7);
    const putting = settle(select([{ put: full, value: 8 }]));
    await turn();
    full.cancelAll();
    expect(full.tryGet()).toEqual({ ok: true, value: 7 }); // room, before the select runs again
    expect((await putting).error).toBeInstanceOf(CancelledError);
    expect(full.size).toBe(0);
  });

  // The same rule for the async calls (their spin runs at once, inside the call) and for the
  // blocking single calls' hinted spins on a queue of 16 slots or more (putSync waits for room
  // for an eighth of the ring, getSync for an eighth of it to be ready: the hint is wrapped
  // here, since the spin checks it before any attempt).
  it.each([
    ['put', 'putOnce'],
    ['get', 'take'],
  ] as const)(
    'SharedQueue.%s: a cancelAll() while the call spins cancels it, even with room (or an item) right after',
    async (call, method) => {
      const { q, attempts } = cancelOnThirdAttempt(call, method, call === 'put');
      const outcome = await settle<unknown>(call === 'put' ? q.put(3) : q.get());
      expect(outcome.error).toBeInstanceOf(CancelledError);
      expect(attempts()).toBe(3);
      expect(q.size).toBe(1);
    },
  );

  it.each([
    ['putSync', 'roomAhead'],
    ['getSync', 'readyAhead'],
  ] as const)(
    'SharedQueue.%s on 16 slots: a cancelAll() during its hinted spin cancels it, even with room (an item) right after',
    (call, hint) => {
      const q = new SharedQueue<number>({ capacity: 16, codec: 'float64', name: `hint-${call}` });
      if (call === 'putSync') q.putManySync(new Float64Array(16));
      const ring = (q as unknown as { ring: Record<string, (count: number) => boolean> }).ring;
      const ready = ring[hint]!.bind(ring);
      let checks = 0;
      ring[hint] = (count: number) => {
        if (++checks === 3) {
          expect(q.cancelAll()).toBe(0); // spinning: not counted as a sleeper
          // Room (items) for the hint: an eighth of the ring, 2 slots.
          if (call === 'putSync') expect(q.getManySync(2)).toEqual([0, 0]);
          else q.putManySync(new Float64Array([5, 6]));
        }
        return ready(count);
      };
      const wait = { timeout: 10_000 };
      expect(() => (call === 'putSync' ? q.putSync(9, wait) : q.getSync(wait))).toThrow(
        CancelledError,
      );
      expect(q.size).toBe(call === 'putSync' ? 14 : 2);
    },
  );

  it('SharedCondition: waiters give up with the lock taken back', async () => {
    const lock = new SharedLock();
    const cond = new SharedCondition(lock, { name: 'cond' });
    await lock.acquire();
    const waiting = settle(cond.wait().finally(() => lock.release()));
    await turn();
    expect(cond.cancelAll()).toBe(1);
    expect((await waiting).error).toBeInstanceOf(CancelledError);
    expect(cond.waiting).toBe(0);
    expect(lock.locked).toBe(false);
  });

  it('ends a select() waiting on a SharedEvent; the queue keeps its item', async () => {
    const ev = new SharedEvent({ name: 'stop' });
    const q = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const waiting = settle(select([{ get: q }, { wait: ev }]));
    await turn();
    ev.cancelAll();
    expect((await waiting).error).toBeInstanceOf(CancelledError);
    q.tryPut(1);
    expect(q.size).toBe(1);
  });

  it('a cancelled wait ends in the trace and in the registry (no stale wait)', async () => {
    const events: TraceEvent[] = [];
    const previous = setTracer({ event: (e) => void events.push(e) });
    try {
      const sem = new SharedSemaphore(0, { name: 'traced' });
      const waiting = settle(sem.acquire());
      await waitersOf('traced', 1);
      sem.cancelAll();
      await waiting;
      const mine = events.filter((e) => e.name === 'traced').map((e) => e.kind);
      expect(mine.slice(-2)).toEqual(['acquire', 'abort']);
      const stillWaiting = snapshot().agents.some(
        (a) => a.state === 'waiting' && a.waitingOn?.primitive.name === 'traced',
      );
      expect(stillWaiting).toBe(false);
    } finally {
      setTracer(previous);
    }
  });
});

describe('cancelAll racing a worker that starts to wait', () => {
  for (const kind of ['SharedLock', 'SharedSemaphore'] as const) {
    it(`${kind}: a waiter counted by cancelAll always gives up; none is left stranded`, async () => {
      const rounds = 40;
      const primitive =
        kind === 'SharedLock'
          ? new SharedLock({ name: 'race' })
          : new SharedSemaphore(0, { name: 'race' });
      if (primitive instanceof SharedLock) primitive.acquireSync();
      const turn = new Int32Array(new SharedArrayBuffer(4));
      const worker = startWorker('cancel-race', {
        kind,
        handle: primitive.handle,
        turn: turn.buffer,
        rounds,
      });
      const results: { round: number; ended: string }[] = [];
      worker.on('message', (m: { round: number; ended: string }) => results.push(m));
      for (let round = 1; round <= rounds; round++) {
        Atomics.store(turn, 0, round);
        Atomics.notify(turn, 0);
        // Vary where the cancel lands: before, during or after the worker starts to wait.
        const until = performance.now() + (round % 4) * 0.05;
        while (performance.now() < until);
        const count = primitive.cancelAll();
        // Either the result comes, or the worker (not cancelled: it read the epoch after the
        // cancel) waits: then let it through.
        await eventually(() =>
          results.length === round ||
          snapshot().agents.some((a) => a.name === 'racer' && a.state === 'waiting')
            ? true
            : undefined,
        );
        if (results.length < round) {
          primitive.release();
          await eventually(() => (results.length === round ? true : undefined));
          if (primitive instanceof SharedLock) primitive.acquireSync();
        }
        const r = results[round - 1]!;
        expect(r.round).toBe(round);
        if (count > 0) expect(r.ended).toBe('CancelledError');
        else expect(['CancelledError', 'ok']).toContain(r.ended);
      }
    }, 120_000);
  }
});

describe('cancelAll across workers', () => {
  const cases = [
    { kind: 'SharedSemaphore', make: () => new SharedSemaphore(0, { name: 'x-sem' }) },
    { kind: 'SharedEvent', make: () => new SharedEvent({ name: 'x-ev' }) },
    { kind: 'SharedBarrier', make: () => new SharedBarrier(4, { name: 'x-barrier' }) },
    {
      kind: 'SharedQueue',
      make: () => new SharedQueue<number>({ capacity: 2, codec: 'float64', name: 'x-queue' }),
    },
    {
      kind: 'SharedLock',
      make: () => {
        const lock = new SharedLock({ name: 'x-lock' });
        lock.acquireSync();
        return lock;
      },
    },
    {
      kind: 'SharedRLock',
      make: () => {
        const lock = new SharedRLock({ name: 'x-rlock' });
        lock.acquireSync();
        return lock;
      },
    },
    {
      kind: 'SharedCondition',
      make: () => new SharedCondition(new SharedLock(), { name: 'x-cond' }),
    },
  ] as const;

  for (const c of cases) {
    it(`${c.kind}: two blocked workers and an async waiter here all give up; the next wait works`, async () => {
      const primitive = c.make();
      const handle = primitive.handle;
      const workers = [1, 2].map((i) =>
        startWorker('cancel-waiter', { kind: c.kind, handle, name: `${c.kind} waiter ${i}` }),
      );
      const ended = workers.map((w) => nextMessage<{ ended: string; message?: string }>(w));
      ended.forEach((p) => p.catch(() => undefined)); // awaited below; a failed test terminates
      // An async waiter in this agent too (not for an RLock, which this agent holds and would
      // re-enter, nor a condition, whose lock this agent would have to hold).
      const here =
        primitive instanceof SharedCondition || primitive instanceof SharedRLock
          ? undefined
          : settle<unknown>(
              primitive instanceof SharedEvent || primitive instanceof SharedBarrier
                ? primitive.wait()
                : primitive instanceof SharedQueue
                  ? primitive.get()
                  : (primitive as SharedSemaphore | SharedLock | SharedRLock).acquire(),
            );
      await waitersOf(primitive.name, here === undefined ? 2 : 3);
      expect(primitive.cancelAll()).toBe(here === undefined ? 2 : 3);
      for (const r of await Promise.all(ended)) {
        expect(r).toEqual({
          ended: 'CancelledError',
          message: expect.stringContaining('cancelled by cancelAll()'),
        });
      }
      if (here !== undefined) expect((await here).error).toBeInstanceOf(CancelledError);
      // Later callers are unaffected: a new blocked worker is served normally.
      const next = startWorker('cancel-waiter', { kind: c.kind, handle, name: `${c.kind} next` });
      const done = nextMessage<{ ended: string }>(next);
      await waitersOf(primitive.name, 1);
      if (primitive instanceof SharedBarrier) {
        // A fresh round: the three other parties arrive here, and everyone passes.
        await Promise.all([primitive.wait(), primitive.wait(), primitive.wait()]);
      } else if (primitive instanceof SharedQueue) primitive.tryPut(1);
      else if (primitive instanceof SharedSemaphore) primitive.release();
      else if (primitive instanceof SharedEvent) primitive.set();
      else if (primitive instanceof SharedCondition) {
        await primitive.lock.acquire();
        primitive.notify();
        primitive.lock.release();
      } else primitive.release();
      expect(await done).toEqual({ ended: 'ok' });
    }, 60_000);
  }
});
