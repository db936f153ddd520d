// SharedQueue.waitForRoom: a producer that found the queue full waits until at most half its
// slots are taken, woken once for that, not for every slot a get frees. (What it saves a main
// thread feeding workers is measured in bench/pipeline.bench.mjs, never asserted here.)
import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError,
  ClosedError,
  setTracer,
  SharedQueue,
  TimeoutError,
  WaitGraphRecorder,
  type TraceEvent,
} from '../../src/index.js';
import { nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(async () => {
  setTracer(undefined);
  await terminateAll();
});

/** Whether `promise` is still pending after a few turns of the event loop. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const timer = new Promise((resolve) => setTimeout(() => resolve(marker), 20));
  return (await Promise.race([promise, timer])) === marker;
}

function full(capacity: number, oneToOne = false): SharedQueue<number> {
  const queue = new SharedQueue<number>({ capacity, codec: 'int32', name: 'room', oneToOne });
  for (let i = 0; i < capacity; i++) expect(queue.tryPut(i)).toBe(true);
  return queue;
}

describe('SharedQueue.waitForRoom', () => {
  it('resolves at once while at most half the slots are taken', async () => {
    const queue = new SharedQueue<number>({ capacity: 8, codec: 'int32', name: 'room' });
    await queue.waitForRoom();
    for (let i = 0; i < 4; i++) queue.tryPut(i);
    await queue.waitForRoom();
    const one = full(1);
    expect(await pending(one.waitForRoom())).toBe(true); // capacity 1: waits for empty
    one.tryGet();
    one.close();
  });

  for (const oneToOne of [false, true]) {
    it(`waits through gets that leave more than half taken, then wakes (${oneToOne ? 'one-to-one' : 'many-to-many'})`, async () => {
      const queue = full(8, oneToOne);
      let woken = false;
      const room = queue.waitForRoom().then(() => (woken = true));
      for (let i = 0; i < 3; i++) {
        expect(queue.tryGet()).toEqual({ ok: true, value: i });
        expect(await pending(room), `after ${i + 1} gets`).toBe(true);
      }
      expect(woken).toBe(false);
      expect(await queue.get()).toBe(3); // 4 of 8 left: half
      await room;
      expect(queue.size).toBe(4);
      // The sleeper count is back to zero: nothing is left counted as waiting.
      expect(queue.cancelAll()).toBe(0);
    });
  }

  it('wakes on the batch get that leaves half the slots free', async () => {
    const queue = full(16);
    const room = queue.waitForRoom();
    expect(queue.tryGetMany(7)).toHaveLength(7);
    expect(await pending(room)).toBe(true);
    expect(queue.tryGetMany(1)).toEqual([7]);
    await room;
  });

  it('rejects with ClosedError on a closed queue, and when the queue closes while it waits', async () => {
    const queue = full(4);
    const waiting = queue.waitForRoom().catch((error: unknown) => error);
    queue.close();
    expect(await waiting).toBeInstanceOf(ClosedError);
    await expect(queue.waitForRoom()).rejects.toBeInstanceOf(ClosedError);
    // Even with room: nothing can be put any more.
    const empty = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'closed' });
    empty.close();
    await expect(empty.waitForRoom()).rejects.toThrow(/closed/);
  });

  it('gives up on a timeout, an abort and cancelAll(), counted as a waiting put', async () => {
    const queue = full(4);
    await expect(queue.waitForRoom({ timeout: 5 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const aborted = queue.waitForRoom({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('enough'));
    expect(await aborted).toEqual(new Error('enough'));
    const cancelled = queue.waitForRoom().catch((e: unknown) => e);
    expect(await pending(cancelled)).toBe(true);
    expect(queue.cancelAll()).toBe(1);
    expect(await cancelled).toBeInstanceOf(CancelledError);
    expect(queue.size).toBe(4);
  });

  it('is traced as a wait for room that ends with a wake, which diagnoses leave behind', async () => {
    const events: TraceEvent[] = [];
    const recorder = new WaitGraphRecorder();
    setTracer({
      event: (e) => {
        events.push(e);
        recorder.event(e);
      },
      agent: () => 'feeder',
    });
    const queue = full(4);
    const room = queue.waitForRoom();
    expect(await pending(room)).toBe(true);
    const waiting = recorder.graph(performance.now()).waits;
    expect(waiting.map((w) => [w.party, w.for])).toEqual([['feeder', 'space']]);
    queue.tryGetMany(2);
    await room;
    expect(events.map((e) => e.kind).slice(-3)).toEqual(['wait', 'get', 'wake']);
    expect(events.find((e) => e.kind === 'wait')?.detail).toMatchObject({ for: 'room' });
    expect(recorder.graph(performance.now()).waits).toEqual([]);
  });

  it('waitForRoomSync: a blocked worker is woken by the get here that leaves half', async () => {
    const queue = full(8);
    const waiter = startWorker('room-waiter', { queue: queue.handle });
    expect(await nextMessage(waiter)).toBe('waiting');
    const woken = nextMessage<{ size: number }>(waiter);
    for (let i = 0; i < 3; i++) queue.tryGet();
    expect(await pending(woken)).toBe(true); // 5 of 8 taken
    queue.tryGet();
    expect((await woken).size).toBeLessThanOrEqual(4);
    // Blocking here, with room or not: times out, and says so.
    expect(() => full(2).waitForRoomSync({ timeout: 5 })).toThrow(TimeoutError);
    queue.waitForRoomSync(); // 4 of 8: at once
    queue.close();
    expect(() => queue.waitForRoomSync()).toThrow(ClosedError);
  });

  it('a producer feeding a worker through it loses, doubles and reorders nothing', async () => {
    const queue = new SharedQueue<number>({ capacity: 8, codec: 'float64', name: 'fed' });
    const consumer = startWorker('queue-consumer', { queue: queue.handle, id: 0, mode: 'single' });
    const taken = nextMessage<{ values: Float64Array }>(consumer);
    const count = 20_000;
    for (let i = 0; i < count; i++) {
      if (queue.tryPut(i)) continue;
      await queue.waitForRoom();
      if (!queue.tryPut(i)) await queue.put(i);
    }
    queue.close();
    const { values } = await taken;
    expect(values).toHaveLength(count);
    for (let i = 0; i < count; i++) if (values[i] !== i) expect(values[i]).toBe(i);
  });
});
