// A one-to-one SharedQueue (oneToOne: true) across worker_threads: its roles. A second agent
// that puts or gets while the first lives gets RoleError and changes nothing; once a watched
// producer or consumer has died, the next agent takes its role over, and every item it left
// published comes out once, in order. (Streaming and fault injection: queue.workers.test.ts and
// faults-one-to-one.workers.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { sharedRegistry, SharedQueue } from '../../src/index.js';
import { eventually, nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

interface Report {
  agent: number;
  put?: number;
  values?: number[];
  ok?: boolean;
  name?: string;
  message?: string;
}

function agent(data: Record<string, unknown>): {
  worker: ReturnType<typeof startWorker>;
  report: Promise<Report>;
} {
  const worker = startWorker('pair-agent', data);
  return { worker, report: nextMessage<Report>(worker) };
}

describe('one-to-one SharedQueue roles across worker_threads', () => {
  it('refuses a second producer and a second consumer while the first lives, with RoleError naming both', async () => {
    const queue = new SharedQueue<number>({
      capacity: 8,
      codec: 'float64',
      name: 'pair',
      oneToOne: true,
    });
    await queue.put(1); // the main thread is the producer now
    const intruder = await agent({
      handle: queue.handle,
      name: 'intruder',
      action: 'tryPut',
      base: 2,
    }).report;
    expect(intruder.name).toBe('RoleError');
    expect(intruder.message).toMatch(
      /^pair: put by 'intruder' on a one-to-one SharedQueue, whose producer is '[^']+'/,
    );
    const consumer = await agent({
      handle: queue.handle,
      name: 'consumer',
      action: 'get',
      count: 1,
    }).report;
    expect(consumer.values).toEqual([1]);
    // The consumer worker still lives (its report was its last act, but it is watched until it
    // exits): wait for its exit, then the main thread may take the consumer role over.
    await eventually(() => (sharedRegistry().hasExited(consumer.agent) ? true : undefined));
    const intruding = await agent({
      handle: queue.handle,
      name: 'late producer',
      action: 'tryPut',
      base: 3,
    }).report;
    expect(intruding.name).toBe('RoleError');
    expect(queue.size).toBe(0);
    expect(queue.tryPut(4)).toBe(true);
    expect(queue.tryGet()).toEqual({ ok: true, value: 4 });
  });

  it('hands an exited producer role to the next agent: nothing it published is lost or doubled', async () => {
    const queue = new SharedQueue<number>({
      capacity: 64,
      codec: 'float64',
      name: 'relay',
      oneToOne: true,
    });
    const first = agent({
      handle: queue.handle,
      name: 'first',
      action: 'put',
      count: 40,
      hold: true,
    });
    const firstReport = await first.report;
    expect(firstReport.put).toBe(40);
    // While it lives (blocked, holding the role), a second producer is refused.
    const refused = await agent({
      handle: queue.handle,
      name: 'second',
      action: 'tryPut',
      base: 100,
    }).report;
    expect(refused.message).toMatch(/whose producer is 'first'/);
    await first.worker.terminate();
    await eventually(() => (sharedRegistry().hasExited(firstReport.agent) ? true : undefined));
    const third = await agent({
      handle: queue.handle,
      name: 'third',
      action: 'put',
      count: 20,
      base: 1000,
    }).report;
    expect(third.put).toBe(20);
    const got = await queue.getMany(100);
    expect(got).toEqual([
      ...Array.from({ length: 40 }, (_, i) => i),
      ...Array.from({ length: 20 }, (_, i) => 1000 + i),
    ]);
    const figures = new Map(queue.figures().map((f) => [f.id, f]));
    expect(figures.get(firstReport.agent)?.claimedPuts).toBe(40);
    expect(figures.get(third.agent)?.claimedPuts).toBe(20);
  });

  it('hands an exited consumer role to the next agent, which takes what is left in order', async () => {
    const queue = new SharedQueue<number>({
      capacity: 32,
      codec: 'json',
      slotSize: 8,
      name: 'json pair',
      oneToOne: true,
    });
    const values = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 'x'.repeat(20) + i : i));
    // 4 values of 3 slots and 8 of 1: 20 of the 32 slots, so the main thread never blocks.
    queue.putManySync(values as never[], { timeout: 5_000 });
    const first = await agent({ handle: queue.handle, name: 'reader 1', action: 'get', count: 5 })
      .report;
    expect(first.values).toEqual(values.slice(0, 5));
    await eventually(() => (sharedRegistry().hasExited(first.agent) ? true : undefined));
    const second = await agent({ handle: queue.handle, name: 'reader 2', action: 'get', count: 7 })
      .report;
    expect(second.values).toEqual(values.slice(5));
    expect(queue.size).toBe(0);
  });
});
