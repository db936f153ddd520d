// The gate's recording mode and gateStep(): a free run of real workers records the order in
// which their steps took effect, and a run steered through that order does the same thing,
// down to the same lost updates on a plain Int32Array. Steps on the program's own state park
// and are named like a primitive's operations.
import { afterEach, describe, expect, it } from 'vitest';
import {
  gateStep,
  gateStepAsync,
  GateController,
  GateError,
  isSteered,
  SharedLock,
  SharedRegistry,
  sharedRegistry,
} from '../../src/index.js';
import { nextMessage, startWorker, terminateAll } from './workers.js';

let gate: GateController | undefined;

afterEach(async () => {
  gate?.detach();
  gate = undefined;
  await terminateAll();
});

type Done = { done: true; parks: string[] };

/** Two workers doing `rounds` unlocked read-modify-writes each, on fresh shared memory. */
function counters(rounds: number) {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const log = new Int32Array(new SharedArrayBuffer(4 * (1 + 4 * rounds)));
  const finished = new Set<string>();
  const workers = [0, 1].map((index) =>
    startWorker('gate-steps', {
      name: `adder ${index}`,
      mode: 'counter',
      registry: sharedRegistry().handle,
      counter,
      log,
      index,
      rounds,
    }),
  );
  const done = workers.map((w, index) =>
    nextMessage<Done>(w).then((message) => {
      finished.add(`adder ${index}`);
      return message;
    }),
  );
  const result = () => ({ counter: counter[0], log: [...log.subarray(1, 1 + (log[0] ?? 0))] });
  // A worker whose code returned stays alive (running) until it exits: settled all the same.
  const settleOptions = {
    timeout: 20_000,
    finished: (agent: { name: string }) => finished.has(agent.name),
  };
  return { done, result, settleOptions };
}

/** The names of recorded agent ids. */
function names(controller: GateController, ids: number[]): string[] {
  const byId = new Map(controller.agents().map((a) => [a.id, a.name]));
  return ids.map((id) => byId.get(id) ?? `#${id}`);
}

/** Waits until `count` live agents are parked (each worker parks at its first step). */
async function parkedCount(controller: GateController, count: number): Promise<void> {
  const start = Date.now();
  while (controller.parked().length < count) {
    // A hang guard (a worker that failed to start), not a speed assertion.
    if (Date.now() - start > 20_000) throw new Error(`fewer than ${count} parked`);
    await controller.changed(50);
  }
}

/** Steers the parked workers through `schedule` (agent names), one settled step at a time. */
async function follow(
  controller: GateController,
  schedule: string[],
  options: ReturnType<typeof counters>['settleOptions'],
) {
  for (const [i, next] of schedule.entries()) {
    expect(await controller.settle(options)).toBe(true);
    const parked = controller.parked().find((p) => p.name === next);
    if (parked === undefined) throw new Error(`step ${i}: ${next} is not parked`);
    controller.release(parked.id);
  }
}

describe('recording a free run of workers, and replaying it', () => {
  it('records every step of a free run, and a steered run through that order ends the same', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const registry = sharedRegistry();
      gate = GateController.attach(registry, { mode: 'record' });
      expect(gate.mode).toBe('record');
      const free = counters(40);
      const parks = await Promise.all(free.done);
      // A free run parks nobody.
      expect(parks.flatMap((p) => p.parks)).toEqual([]);
      const order = names(gate, gate.recorded());
      expect(order).toHaveLength(2 * 2 * 40);
      expect(gate.passes).toBe(order.length);
      const first = free.result();
      gate.detach();
      await terminateAll();

      gate = GateController.attach(registry);
      const steered = counters(40);
      await parkedCount(gate, 2);
      await follow(gate, order, steered.settleOptions);
      await Promise.all(steered.done);
      expect(steered.result()).toEqual(first);
      // The steered run's own record is the order it was steered through.
      expect(names(gate, gate.recorded())).toEqual(order);
      gate.detach();
      gate = undefined;
      await terminateAll();
    }
  });

  it('parks a step on the program’s own state, names its operation, and calls onPark first', async () => {
    gate = GateController.attach();
    const run = counters(1);
    const seen: string[] = [];
    await parkedCount(gate, 2);
    for (;;) {
      expect(await gate.settle(run.settleOptions)).toBe(true);
      const parked = gate.parked().sort((a, b) => a.name.localeCompare(b.name));
      const next = parked[0];
      if (next === undefined) break;
      seen.push(`${next.name} ${next.op}`);
      gate.release(next.id);
    }
    const done = await Promise.all(run.done);
    expect(seen).toEqual(['adder 0 read', 'adder 0 write', 'adder 1 read', 'adder 1 write']);
    expect(done.map((d) => d.parks)).toEqual([
      ['read', 'write'],
      ['read', 'write'],
    ]);
    expect(run.result().counter).toBe(2);
  });

  it('a step that waits for a lock lets the record lock go, and a primitive inside a step parks once', async () => {
    const lock = new SharedLock({ name: 'tally lock' });
    const counter = new Int32Array(new SharedArrayBuffer(4));
    gate = GateController.attach(sharedRegistry(), { mode: 'record' });
    const start = () =>
      [0, 1].map((index) =>
        nextMessage<Done>(
          startWorker('gate-steps', {
            name: `taker ${index}`,
            mode: 'locked',
            registry: sharedRegistry().handle,
            lock: lock.handle,
            counter,
            index,
            rounds: 200,
          }),
        ),
      );
    // Contended: a worker waiting for the lock inside its step must not hold up the holder's
    // release step (that would hang here).
    await Promise.all(start());
    expect(counter[0]).toBe(400);
    expect(gate.recorded()).toHaveLength(2 * 200 * 3);

    // Steered: the acquire inside the step parks once, as the step, not again as SharedLock's.
    gate.setMode('steer');
    expect(gate.mode).toBe('steer');
    await terminateAll();
    Atomics.store(counter, 0, 0);
    const [one] = [0].map(() =>
      nextMessage<Done>(
        startWorker('gate-steps', {
          name: 'alone',
          mode: 'locked',
          registry: sharedRegistry().handle,
          lock: lock.handle,
          counter,
          index: 0,
          rounds: 1,
        }),
      ),
    );
    const ops: string[] = [];
    for (let i = 0; i < 3; i++) {
      let parked = gate.parked();
      while (parked.length === 0) {
        await gate.changed(50);
        parked = gate.parked();
      }
      ops.push(parked[0]!.op);
      await gate.step(parked[0]!.id, { timeout: 20_000 });
    }
    expect(ops).toEqual(['acquire', 'write', 'release']);
    expect((await one)?.parks).toEqual(['acquire', 'write', 'release']);
  });

  it('switching from steering to recording lets every parked worker go, recorded', async () => {
    gate = GateController.attach();
    const run = counters(5);
    await parkedCount(gate, 2);
    gate.setMode('record');
    await Promise.all(run.done);
    expect(run.result().counter).toBeGreaterThan(0);
    expect(gate.recorded()).toHaveLength(2 * 2 * 5);
  });

  it('detached, a step is just its action; the controller’s own steps never park nor record', async () => {
    const registry = SharedRegistry.create({ maxAgents: 4, maxPrimitives: 4 });
    const cell = new Int32Array(new SharedArrayBuffer(4));
    expect(gateStep('write', () => Atomics.add(cell, 0, 1), { registry })).toBe(0);
    expect(await gateStepAsync('read', async () => Atomics.load(cell, 0), { registry })).toBe(1);
    expect(isSteered(registry)).toBe(false);
    const controller = GateController.attach(registry);
    // Its own agent: not steered, so this returns at once (parking here would hang the test).
    expect(isSteered(registry)).toBe(false);
    expect(gateStep('write', () => Atomics.add(cell, 0, 1), { registry })).toBe(1);
    controller.setMode('record');
    gateStep('read', () => Atomics.load(cell, 0), { registry });
    expect(controller.recorded()).toEqual([]);
    controller.detach();
  });

  it('refuses a bad mode and a bad record capacity, naming them', () => {
    const registry = SharedRegistry.create({ maxAgents: 4, maxPrimitives: 4, record: 2 });
    expect(() => GateController.attach(registry, { mode: 'fast' as 'steer' })).toThrow(
      /mode must be 'steer' or 'record', got "fast"/,
    );
    expect(() => SharedRegistry.create({ record: -1 })).toThrow(
      /record must be an integer from 0 to 16777216, got number -1/,
    );
    const controller = GateController.attach(registry, { mode: 'record' });
    expect(() => GateController.attach(registry)).toThrow(GateError);
    expect(controller.recorded()).toEqual([]);
    controller.detach();
    expect(() => controller.setMode('steer')).toThrow(/detached/);
  });
});
