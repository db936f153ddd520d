// The gate: a controller attached to the registry steers real workers one shared-primitive
// operation at a time. A lock-order inversion with no pause between the two acquires (which a
// plain run almost never deadlocks) is made to deadlock on purpose; a schedule replays exactly;
// detaching releases every worker.
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  findDeadlock,
  GateController,
  GateError,
  SharedBarrier,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedSemaphore,
  type ParkedAgent,
} from '../../src/index.js';
import { nextMessage, startWorker, terminateAll } from './workers.js';

let gate: GateController | undefined;

afterEach(async () => {
  gate?.detach();
  gate = undefined;
  await terminateAll();
});

/** Waits until `count` agents are parked (each worker parks at its first operation). */
async function parkedCount(controller: GateController, count: number): Promise<ParkedAgent[]> {
  const start = Date.now();
  for (;;) {
    const parked = controller.parked();
    if (parked.length >= count) return parked;
    // A hang guard (a worker that failed to start), not a speed assertion.
    if (Date.now() - start > 20_000) throw new Error(`${parked.length} of ${count} parked`);
    await controller.changed(100);
  }
}

/** A tiny seeded random (mulberry32): the same seed picks the same workers. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Steps the parked agents until none is parked, picking each step with `pick`, and returns the
 * steps taken as `name:op:primitive`.
 */
async function drive(
  controller: GateController,
  pick: (parked: ParkedAgent[], step: number) => ParkedAgent,
): Promise<string[]> {
  const steps: string[] = [];
  for (let step = 0; ; step++) {
    expect(await controller.settle()).toBe(true);
    const parked = controller.parked().sort((a, b) => a.name.localeCompare(b.name));
    if (parked.length === 0) return steps;
    const next = pick(parked, step);
    steps.push(`${next.name}:${next.op}:${next.primitive?.name ?? '?'}`);
    controller.release(next.id);
  }
}

describe('GateController with real workers', () => {
  it('makes a lock-order inversion with no pauses deadlock on purpose, by stepping', async () => {
    const a = new SharedLock({ name: 'alpha' });
    const b = new SharedLock({ name: 'beta' });
    gate = GateController.attach();
    const workers: Worker[] = [
      startWorker('gated', { name: 'west', mode: 'two-locks', first: a.handle, second: b.handle }),
      startWorker('gated', { name: 'east', mode: 'two-locks', first: b.handle, second: a.handle }),
    ];
    const parked = await parkedCount(gate, 2);
    expect(parked.map((p) => `${p.name} ${p.op} ${p.primitive?.name}`).sort()).toEqual([
      'east acquire beta',
      'west acquire alpha',
    ]);
    // Each takes its first lock, then each asks for the other's.
    expect((await gate.step('west')).map((p) => `${p.name} ${p.op} ${p.primitive?.name}`)).toEqual(
      expect.arrayContaining(['west acquire beta']),
    );
    await gate.step('east');
    await gate.step('west');
    const after = await gate.step('east');
    expect(after).toEqual([]);
    expect(gate.agents().map((x) => x.state)).toEqual(['waiting', 'waiting']);
    const deadlock = findDeadlock();
    expect(deadlock?.kind).toBe('cycle');
    expect(deadlock?.agents.map((x) => x.name).sort()).toEqual(['east', 'west']);
    expect(deadlock?.message).toMatch(/west waits for SharedLock beta since .*, held by east/);
    await Promise.all(workers.map((w) => w.terminate()));
  });

  it('lets the same inversion finish when one worker is stepped through first', async () => {
    const a = new SharedLock({ name: 'alpha 2' });
    const b = new SharedLock({ name: 'beta 2' });
    gate = GateController.attach();
    const west = startWorker('gated', {
      name: 'west',
      mode: 'two-locks',
      first: a.handle,
      second: b.handle,
    });
    const east = startWorker('gated', {
      name: 'east',
      mode: 'two-locks',
      first: b.handle,
      second: a.handle,
    });
    const done = [nextMessage(west), nextMessage(east)];
    await parkedCount(gate, 2);
    const steps = await drive(
      gate,
      (parked) => parked.find((p) => p.name === 'west') ?? parked[0]!,
    );
    expect(steps).toEqual([
      'west:acquire:alpha 2',
      'west:acquire:beta 2',
      'west:release:beta 2',
      'west:release:alpha 2',
      'east:acquire:beta 2',
      'east:acquire:alpha 2',
      'east:release:alpha 2',
      'east:release:beta 2',
    ]);
    expect(await Promise.all(done)).toEqual(['done', 'done']);
  });

  it('replays a schedule exactly: the same steps, the same lost updates', async () => {
    const run = async (pick: (parked: ParkedAgent[], step: number) => ParkedAgent) => {
      const lock = new SharedLock({ name: 'counter lock' });
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const log = new Int32Array(new SharedArrayBuffer(4 * 64));
      gate = GateController.attach();
      const workers = [0, 1].map((index) =>
        startWorker('gated', {
          name: `adder ${index}`,
          mode: 'racy',
          lock: lock.handle,
          counter,
          log,
          index,
          rounds: 3,
        }),
      );
      const done = workers.map((w) => nextMessage(w));
      await parkedCount(gate, 2);
      const steps = await drive(gate, pick);
      await Promise.all(done);
      gate.detach();
      gate = undefined;
      await terminateAll();
      return { steps, counter: counter[0], log: [...log.subarray(1, 1 + (log[0] ?? 0))] };
    };
    const rng = random(7);
    const first = await run((parked) => parked[Math.floor(rng() * parked.length)]!);
    const schedule = first.steps.map((s) => s.split(':')[0]!);
    const again = await run((parked, step) => {
      const next = parked.find((p) => p.name === schedule[step]);
      if (next === undefined) throw new Error(`step ${step}: ${schedule[step]} is not parked`);
      return next;
    });
    expect(again).toEqual(first);
    // 2 workers x 3 rounds x 4 lock operations.
    expect(first.steps).toHaveLength(24);
    // Interleaved reads and writes lose updates under some schedules; the replay loses the same.
    expect(first.counter).toBe(first.log[first.log.length - 1]);
  });

  it('finds the lost update: a schedule that interleaves the two read-modify-writes', async () => {
    const lock = new SharedLock({ name: 'counter lock 2' });
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const log = new Int32Array(new SharedArrayBuffer(4 * 16));
    gate = GateController.attach();
    const workers = [0, 1].map((index) =>
      startWorker('gated', {
        name: `adder ${index}`,
        mode: 'racy',
        lock: lock.handle,
        counter,
        log,
        index,
        rounds: 1,
      }),
    );
    const done = workers.map((w) => nextMessage(w));
    await parkedCount(gate, 2);
    // Both read 0 before either writes.
    const order = [
      'adder 0',
      'adder 0',
      'adder 1',
      'adder 1',
      'adder 0',
      'adder 0',
      'adder 1',
      'adder 1',
    ];
    await drive(gate, (parked, step) => parked.find((p) => p.name === order[step])!);
    await Promise.all(done);
    expect(counter[0]).toBe(1); // two increments, one lost
  });

  it('parks before every kind of shared operation, sync and async, and names it', async () => {
    const semaphore = new SharedSemaphore(1, { name: 'slots' });
    const event = new SharedEvent({ name: 'ready' });
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'jobs' });
    const condition = new SharedCondition(new SharedLock({ name: 'm' }), { name: 'items' });
    const barrier = new SharedBarrier(1, { name: 'start' });
    gate = GateController.attach();
    const worker = startWorker('gated', {
      name: 'tourist',
      mode: 'tour',
      semaphore: semaphore.handle,
      event: event.handle,
      queue: queue.handle,
      condition: condition.handle,
      barrier: barrier.handle,
    });
    const done = nextMessage(worker);
    await parkedCount(gate, 1);
    const steps = await drive(gate, (parked) => parked[0]!);
    expect(steps.map((s) => s.replace(/^tourist:/, ''))).toEqual([
      'acquire:slots',
      'release:slots',
      'set:ready',
      'clear:ready',
      'put:jobs',
      'get:jobs',
      'put:jobs',
      'get:jobs',
      'put:jobs',
      'get:jobs',
      'put:jobs',
      'get:jobs',
      'acquire:m',
      'notify:items',
      'release:m',
      'wait:start',
      'acquire:slots',
      'set:ready',
      'wait:ready',
      'close:jobs',
    ]);
    await done;
  });

  it('notifies each park, detach releases every parked worker, and a second controller is refused while attached', async () => {
    const a = new SharedLock({ name: 'gamma' });
    const b = new SharedLock({ name: 'delta' });
    gate = GateController.attach();
    expect(() => GateController.attach()).toThrow(GateError);
    const workers = [
      startWorker('gated', { name: 'one', mode: 'two-locks', first: a.handle, second: b.handle }),
      startWorker('gated', { name: 'two', mode: 'two-locks', first: a.handle, second: b.handle }),
    ];
    const done = workers.map((w) => nextMessage(w));
    const seen: string[][] = [];
    const stop = gate.onChange((parked) => seen.push(parked.map((p) => p.name).sort()));
    await parkedCount(gate, 2);
    // Told of each park (a hang guard, not a speed assertion).
    for (let i = 0; i < 200 && !seen.some((names) => names.length === 2); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    stop();
    expect(seen).toContainEqual(['one', 'two']);
    gate.detach();
    expect(gate.attached).toBe(false);
    expect(await Promise.all(done)).toEqual(['done', 'done']);
    // Attaching again works once detached.
    gate = GateController.attach();
    expect(gate.attached).toBe(true);
  });
});
