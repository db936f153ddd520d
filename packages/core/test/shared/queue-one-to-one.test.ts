// A one-to-one SharedQueue (oneToOne: true) in one agent, through the public API: the option,
// its handle, close and close({ immediate }), waiting calls, iteration and the books. Its roles
// across agents: queue-one-to-one.workers.test.ts; its ring: one-to-one-ring.test.ts.
import { describe, expect, it } from 'vitest';
import { ClosedError, HandleError, select, SharedQueue, TimeoutError } from '../../src/index.js';
import { ONE_TO_ONE } from '../../src/shared/queue/layout.js';

describe('SharedQueue({ oneToOne: true })', () => {
  it('validates the option, naming it', () => {
    expect(
      () => new SharedQueue({ capacity: 4, codec: 'float64', oneToOne: 'yes' as never }),
    ).toThrow(new TypeError('oneToOne must be a boolean, got the string "yes"'));
  });

  it('travels in the buffer: from(handle) is one-to-one too, a forged word is a HandleError', () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'float64', oneToOne: true });
    expect(queue.oneToOne).toBe(true);
    expect(queue.handle.oneToOne).toBe(true);
    const other = SharedQueue.from(queue.handle);
    expect(other.oneToOne).toBe(true);
    expect(new SharedQueue({ capacity: 4, codec: 'float64' }).oneToOne).toBe(false);
    // Two objects of one agent share its roles.
    queue.putSync(1);
    other.putSync(2);
    expect(other.getManySync(4)).toEqual([1, 2]);
    new Int32Array(queue.handle.buffer)[ONE_TO_ONE] = 2;
    expect(() => SharedQueue.from(queue.handle)).toThrow(HandleError);
    expect(() => SharedQueue.from(queue.handle)).toThrow(/one-to-one word 2 is not 0 or 1/);
  });

  it('close(): puts throw, gets drain what is left, then throw; close({ immediate }) drops it', async () => {
    const queue = new SharedQueue<string>({
      capacity: 8,
      codec: 'utf8',
      slotSize: 4,
      oneToOne: true,
    });
    queue.putManySync(['a', 'a long value', 'b']);
    queue.close();
    expect(() => queue.tryPut('c')).toThrow(ClosedError);
    await expect(queue.put('c')).rejects.toThrow(ClosedError);
    expect(queue.getSync()).toBe('a');
    expect(await queue.getMany(8)).toEqual(['a long value', 'b']);
    expect(() => queue.tryGet()).toThrow(ClosedError);
    const dropping = new SharedQueue<number>({ capacity: 8, codec: 'int32', oneToOne: true });
    dropping.putManySync([1, 2, 3]);
    dropping.close({ immediate: true });
    expect(dropping.size).toBe(0);
    expect(() => dropping.getSync()).toThrow(ClosedError);
  });

  it('wakes an async getter on a put and an async putter on a get; times out when nothing comes', async () => {
    const queue = new SharedQueue<number>({ capacity: 2, codec: 'float64', oneToOne: true });
    const got = queue.get();
    await queue.put(5);
    expect(await got).toBe(5);
    queue.putManySync([1, 2]);
    const put = queue.put(3);
    expect(queue.tryGet()).toEqual({ ok: true, value: 1 });
    await put;
    expect(queue.getManySync(4)).toEqual([2, 3]);
    await expect(queue.get({ timeout: 5 })).rejects.toThrow(TimeoutError);
    expect(() => queue.getSync({ timeout: 5 })).toThrow(TimeoutError);
  });

  it('ends iteration when closed and drained; counts what this agent put and got', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'float64', oneToOne: true });
    const out: number[] = [];
    const reading = (async () => {
      for await (const value of queue) out.push(value);
    })();
    for (let i = 0; i < 10; i++) await queue.put(i);
    queue.close();
    await reading;
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [mine] = queue.figures();
    expect(mine).toMatchObject({ claimedPuts: 10, got: 10, holes: 0, lost: 0 });
    expect(queue.losses()).toEqual([]);
  });

  it('serves select(): a get case takes (and holds the consumer role), a put case puts', async () => {
    const queue = new SharedQueue<number>({ capacity: 1, codec: 'float64', oneToOne: true });
    const waiting = select([{ get: queue }]);
    expect(await select([{ put: queue, value: 7 }])).toMatchObject({ index: 0 });
    expect(await waiting).toEqual({ index: 0, closed: false, value: 7 });
    queue.close();
    expect(await select([{ get: queue }])).toMatchObject({ index: 0, closed: true });
  });
});
