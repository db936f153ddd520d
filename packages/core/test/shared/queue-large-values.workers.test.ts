// Values larger than a slot across real workers (issue 13), held to issue 10's bar: MPMC with
// values of every size is exactly-once and in order per producer; a worker terminated in the
// middle of a spanning put or get never wedges the queue (a dead producer's span becomes holes
// the getters pass, a dead consumer's span is freed and counted as one item taken with it);
// random kills lose nothing that is not accounted to a dead consumer by name, double nothing.
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClosedError,
  SharedQueue,
  SharedRegistry,
  sharedRegistry,
  useRegistry,
} from '../../src/index.js';
import {
  eventually,
  messageWith as message,
  nextMessage,
  seeded as generator,
  startWorker,
  terminateAll,
} from './workers.js';

afterEach(terminateAll);

type Item = [number, number, string];

/** Resolves with `promise`, or rejects with "hung" after `ms` (a hang guard, not a speed check). */
function guarded<T>(promise: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: hung (no answer in ${ms} ms)`)), ms);
  });
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}

interface Run {
  queue: SharedQueue<Item>;
  workers: Worker[];
  agents: number[];
  finished: Promise<Record<string, unknown> | 'exited'>[];
  seen: Int32Array;
  progress: Int32Array;
  dups: Int32Array;
  disorder: Int32Array;
  go(): void;
}

/** Starts `producers` x `consumers` large-agent workers on a fresh queue; `go()` starts them. */
async function startRun(options: {
  producers: number;
  consumers: number;
  items: number;
  seed: number;
  capacity: number;
  slotSize: number;
  maxPad: number;
}): Promise<Run> {
  const { producers, consumers, items, seed } = options;
  const queue = new SharedQueue<Item>({
    capacity: options.capacity,
    codec: 'json',
    slotSize: options.slotSize,
    name: `large#${seed}`,
  });
  const buffers = {
    seen: new SharedArrayBuffer(producers * items * 4),
    progress: new SharedArrayBuffer(producers * 4),
    dups: new SharedArrayBuffer(4),
    disorder: new SharedArrayBuffer(4),
    start: new SharedArrayBuffer(4),
  };
  const common = { handle: queue.handle, items, producers, maxPad: options.maxPad, ...buffers };
  const roles = [
    ...Array.from({ length: producers }, (_, index) => ({ role: 'producer', index })),
    ...Array.from({ length: consumers }, (_, index) => ({ role: 'consumer', index })),
  ];
  const workers = roles.map((r, i) =>
    startWorker('large-agent', { ...common, ...r, seed: seed * 16 + i + 1 }),
  );
  const finished = workers.map((w) => message(w, 'done'));
  const ready = await Promise.all(workers.map((w) => message(w, 'ready')));
  const agents = ready.map((m) => (m === 'exited' ? 0 : (m.agent as number)));
  const start = new Int32Array(buffers.start);
  return {
    queue,
    workers,
    agents,
    finished,
    seen: new Int32Array(buffers.seen),
    progress: new Int32Array(buffers.progress),
    dups: new Int32Array(buffers.dups),
    disorder: new Int32Array(buffers.disorder),
    go: () => {
      Atomics.store(start, 0, 1);
      Atomics.notify(start, 0);
    },
  };
}

describe('SharedQueue: large values between workers', () => {
  it('2 producers x 2 consumers, values of 1 to 14 slots: exactly once, in order per producer', async () => {
    const items = 600;
    const run = await startRun({
      producers: 2,
      consumers: 2,
      items,
      seed: 7,
      capacity: 16,
      slotSize: 16,
      maxPad: 200,
    });
    run.go();
    await guarded(Promise.all(run.finished.slice(0, 2)), 'producers');
    run.queue.close();
    await guarded(Promise.all(run.finished.slice(2)), 'consumers after close()');
    expect(Atomics.load(run.dups, 0)).toBe(0);
    expect(Atomics.load(run.disorder, 0)).toBe(0);
    const missing = [...run.seen].flatMap((tag, i) => (tag === 0 ? [i] : []));
    expect(missing).toEqual([]);
    // Both consumers took part, and the queue's books balance.
    expect(new Set(run.seen)).toEqual(new Set([1, 2]));
    const figures = run.queue.figures();
    const put = figures.reduce((n, f) => n + f.claimedPuts - f.holes, 0);
    const got = figures.reduce((n, f) => n + f.got, 0);
    expect([put, got]).toEqual([2 * items, 2 * items]);
    expect(run.queue.size).toBe(0);
  }, 120_000);
});

/** Starts a span victim that claims (as `role`) and is then terminated; resolves once it is dead. */
async function killInSpan(
  queue: SharedQueue<string>,
  role: 'producer' | 'producer-written' | 'consumer',
  name: string,
  span = 3,
): Promise<number> {
  const victim = startWorker('span-victim', { handle: queue.handle, role, name, span });
  const claim = await nextMessage<{ claimed: number; agent: number }>(victim);
  await victim.terminate();
  await eventually(() => (sharedRegistry().hasExited(claim.agent) ? true : undefined));
  return claim.claimed;
}

/** Runs `steps` in a survivor worker and resolves with what each step did. */
function survive(queue: SharedQueue<string>, steps: unknown[][]): Promise<unknown[]> {
  const survivor = startWorker('queue-survivor', { handle: queue.handle, steps });
  return guarded(nextMessage<unknown[]>(survivor), `survivor ${JSON.stringify(steps)}`);
}

describe('SharedQueue: a worker terminated in the middle of a spanning put or get', () => {
  for (const role of ['producer', 'producer-written'] as const) {
    it(`a dead producer's span (${role === 'producer' ? 'claimed' : 'written, not published'}) becomes holes that getters pass`, async () => {
      const queue = new SharedQueue<string>({
        capacity: 8,
        codec: 'utf8',
        slotSize: 8,
        name: 'dead-span-producer',
      });
      expect(await killInSpan(queue, role, 'doomed producer')).toBe(0);
      const big = 'b'.repeat(20); // 3 slots
      expect(queue.tryPut('after')).toBe(true);
      expect(queue.tryPut(big)).toBe(true);
      // The ring has 8 slots: 3 dead, 1 + 3 ours; a 2-slot value waits for the holes to go.
      expect(
        await survive(queue, [
          ['tryPut', 'c'.repeat(12)],
          ['getSync', { timeout: 5_000 }],
          ['getSync', { timeout: 5_000 }],
          ['putSync', 'c'.repeat(12), { timeout: 5_000 }],
          ['getSync', { timeout: 5_000 }],
          ['tryGet'],
        ]),
      ).toEqual([false, 'after', big, 'put', 'c'.repeat(12), 'empty']);
      // Nothing of the dead producer's value was put: its span counts as one hole.
      const figures = queue.figures();
      const dead = figures.find((f) => f.holes > 0);
      expect(dead).toMatchObject({ claimedPuts: 1, holes: 1 });
      expect(queue.size).toBe(0);
    });
  }

  it("wakes a put waiting for room when a getter passes a dead producer's span of holes", async () => {
    const queue = new SharedQueue<string>({
      capacity: 4,
      codec: 'utf8',
      slotSize: 8,
      name: 'dead-span-room',
    });
    // The dead producer's span takes the whole ring: a put waits for room.
    await killInSpan(queue, 'producer', 'doomed producer', 4);
    const controller = new AbortController();
    const put = queue.put('x'.repeat(20), { signal: controller.signal }).then(
      () => 'put',
      (error: unknown) => (error instanceof Error ? error.name : String(error)),
    );
    // A getter repairs the span (holes), passes the holes (freeing their slots), and finds
    // nothing, or the put's value if the put was woken and got in first.
    const [got] = await survive(queue, [['tryGet']]);
    // The put must have been woken by the freed slots: asleep, nothing else would wake it.
    try {
      expect(await guarded(put, 'put after the holes were passed', 10_000)).toBe('put');
    } finally {
      controller.abort(new Error('test over'));
    }
    expect(got === 'empty' ? queue.getSync() : got).toBe('x'.repeat(20));
  });

  it("close() ends a get blocked behind a dead producer's span", async () => {
    const queue = new SharedQueue<string>({
      capacity: 8,
      codec: 'utf8',
      slotSize: 8,
      name: 'dead-span-close',
    });
    await killInSpan(queue, 'producer', 'doomed producer');
    queue.close();
    await expect(guarded(queue.get(), 'get after close()')).rejects.toBeInstanceOf(ClosedError);
  });

  it("a dead consumer's span is freed for producers and counted as one item taken with it", async () => {
    const queue = new SharedQueue<string>({
      capacity: 4,
      codec: 'utf8',
      slotSize: 8,
      name: 'dead-span-consumer',
    });
    const big = 'g'.repeat(30); // 4 slots: the whole ring
    queue.putSync(big);
    expect(await killInSpan(queue, 'consumer', 'doomed consumer')).toBe(0);
    expect(
      await survive(queue, [
        ['putSync', 'x'.repeat(25), { timeout: 5_000 }],
        ['getSync', { timeout: 5_000 }],
        ['tryGet'],
      ]),
    ).toEqual(['put', 'x'.repeat(25), 'empty']);
    expect(queue.losses()).toEqual([
      { agent: expect.objectContaining({ name: 'doomed consumer' }), items: 1 },
    ]);
  });
});

describe('SharedQueue: large values under random kills', () => {
  it('2 x 2 workers, one killed at a random instant per trial: nothing doubled, nothing lost unaccounted, nobody hangs', async () => {
    const trials = Number(process.env.LARGE_FAULT_TRIALS ?? 6);
    const base = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
    const items = 300;
    let kills = 0;
    let attributedTotal = 0;
    for (let t = 0; t < trials; t++) {
      const seed = base + t;
      const random = generator(seed);
      const registry = SharedRegistry.create();
      useRegistry(registry);
      const run = await startRun({
        producers: 2,
        consumers: 2,
        items,
        seed,
        capacity: 8 + random(8),
        slotSize: 16,
        maxPad: 100,
      });
      const victim = random(4);
      const threshold = random(2 * items);
      const done = new Set<number>();
      run.finished.forEach((f, i) => void f.then(() => done.add(i)));
      run.go();
      // Kill when the producers have put `threshold` items (or none can come any more).
      await guarded(
        new Promise<void>((resolve) => {
          const check = (): void => {
            const put = Atomics.load(run.progress, 0) + Atomics.load(run.progress, 1);
            const flowing = [0, 1].some((p) => !done.has(p) && p !== victim);
            if (done.has(victim)) return resolve();
            if (put < threshold && flowing) return void setImmediate(check);
            kills++;
            void run.workers[victim]!.terminate().then(() => resolve());
          };
          check();
        }),
        `trial ${seed}: kill`,
      );
      await eventually(() =>
        done.has(victim) || registry.hasExited(run.agents[victim]!) ? true : undefined,
      );
      const producers = [0, 1].filter((p) => p !== victim || done.has(p));
      await guarded(Promise.all(producers.map((p) => run.finished[p])), `trial ${seed}: producers`);
      run.queue.close();
      const consumers = [2, 3].filter((c) => c !== victim || done.has(c));
      await guarded(
        Promise.all(consumers.map((c) => run.finished[c])),
        `trial ${seed}: consumers after close()`,
      );
      // Accounting, as in faults.workers.test.ts: published = seen + in a dead consumer's hands.
      const figures = new Map(run.queue.figures().map((f) => [f.id, f]));
      let published = 0;
      for (const p of [0, 1]) {
        const f = figures.get(run.agents[p]!);
        const put = (f?.claimedPuts ?? 0) - (f?.holes ?? 0);
        published += put;
        if (p !== victim) expect(put, `trial ${seed}: producer ${p} put every item`).toBe(items);
        else expect(put).toBeGreaterThanOrEqual(Atomics.load(run.progress, p));
      }
      const recorded = [0, 0];
      for (const tag of run.seen) if (tag > 0) recorded[tag - 1]!++;
      let attributed = 0;
      for (const c of [0, 1]) {
        const got = figures.get(run.agents[2 + c]!)?.got ?? 0;
        if (2 + c !== victim) expect(got, `trial ${seed}: consumer ${c}`).toBe(recorded[c]);
        else attributed += got - recorded[c]!;
      }
      attributedTotal += attributed;
      expect(attributed).toBeGreaterThanOrEqual(0);
      expect(Atomics.load(run.dups, 0), `trial ${seed}: doubled`).toBe(0);
      expect(Atomics.load(run.disorder, 0), `trial ${seed}: out of order`).toBe(0);
      expect(published - recorded[0]! - recorded[1]! - attributed, `trial ${seed}: lost`).toBe(0);
      expect(run.queue.size).toBe(0);
      await terminateAll();
    }
    console.log(
      `large values under random kills: ${trials} trials, ${kills} workers killed, ${attributedTotal} items attributed to dead consumers, 0 lost otherwise, 0 doubled`,
    );
  }, 300_000);
});
