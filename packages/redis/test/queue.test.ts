import {
  ClosedError,
  CodecError,
  map,
  pipeline,
  SharedQueue,
  TimeoutError,
  type PlainData,
} from '@baton/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Delivery, RedisQueue } from '../src/index.js';
import { blockedInRead, eventually, open, redisUrl, uniqueName } from './helpers.js';

const opened: RedisQueue<unknown>[] = [];
async function queue<T>(
  options: Partial<Parameters<typeof open<T>>[0]> = {},
): Promise<RedisQueue<T>> {
  const q = await open<T>({ name: uniqueName('q'), ...options });
  opened.push(q as RedisQueue<unknown>);
  return q;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.destroy()));
});

describe('RedisQueue: put, get, taskDone, join', () => {
  it('passes items in order and acknowledges them', async () => {
    const q = await queue<number>({ capacity: 8 });
    for (const n of [1, 2, 3]) await q.put(n);
    expect((await q.stats()).length).toBe(3);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(await q.get());
    expect(got).toEqual([1, 2, 3]);
    expect((await q.stats()).pending).toBe(3);
    for (const n of got) expect(await q.taskDone(n)).toBe(true);
    await q.join();
    const stats = await q.stats();
    expect(stats).toMatchObject({ length: 0, pending: 0, put: 3, acked: 3 });
  });

  it('carries values through core codecs', async () => {
    const json = await queue<{ a: number[] }>();
    await json.put({ a: [1, 2] });
    expect(await json.get()).toEqual({ a: [1, 2] });
    const f64 = await queue<number>({ codec: 'float64' });
    await f64.put(Math.PI);
    expect(await f64.get()).toBe(Math.PI);
    const utf8 = await queue<string>({ codec: 'utf8' });
    await utf8.put('héllo ✓');
    expect(await utf8.get()).toBe('héllo ✓');
  });

  it('receive() shows the delivery; taskDone takes the Delivery', async () => {
    const q = await queue<string>({ codec: 'utf8' });
    await q.put('x');
    const d = await q.receive();
    expect(d).toBeInstanceOf(Delivery);
    expect(d).toMatchObject({ value: 'x', deliveries: 1, redelivered: false });
    expect(await q.taskDone(d)).toBe(true);
    await expect(q.taskDone(d)).rejects.toThrow(RangeError);
  });

  it('a second process (connection) shares the queue; join waits for every ack', async () => {
    const name = uniqueName('shared');
    const a = await queue<number>({ name, capacity: 4 });
    const b = await queue<number>({ name });
    expect(b.capacity).toBe(4);
    await a.put(10);
    let joined = false;
    const join = a.join().then(() => (joined = true));
    const item = await b.receive();
    expect(item.value).toBe(10);
    expect(joined).toBe(false);
    await b.taskDone(item);
    await join;
    expect(joined).toBe(true);
  });

  it('put waits while capacity items are unacknowledged', async () => {
    const q = await queue<number>({ capacity: 2 });
    await q.put(1);
    await q.put(2);
    await expect(q.put(3, { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    // Getting is not enough: room comes back with the acknowledgement.
    const first = await q.receive();
    await expect(q.put(3, { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    const put = q.put(3);
    await q.taskDone(first);
    await put;
    expect((await q.stats()).put).toBe(3);
  });
});

describe('RedisQueue: timeouts, abort, close', () => {
  it('get times out or aborts, leaving no trace', async () => {
    const q = await queue<number>();
    await expect(q.get({ timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const reason = new Error('stop');
    const got = q.get({ signal: controller.signal });
    controller.abort(reason);
    await expect(got).rejects.toBe(reason);
    await expect(q.get({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    // An item put now reaches the next get, not an abandoned one.
    await q.put(5);
    expect(await q.get()).toBe(5);
  });

  it('close() ends a get blocked in another process; put then throws ClosedError', async () => {
    const name = uniqueName('close');
    // Reads block for 10 minutes: past the test's timeout, so only CLIENT UNBLOCK ends one.
    const slow = { pollInterval: 600_000, claimIdle: 1_200_000 };
    const a = await queue<number>({ name, ...slow });
    const b = await queue<number>({ name, ...slow });
    const blocked = b.get();
    await blockedInRead(b as RedisQueue<unknown>);
    await a.close();
    await expect(blocked).rejects.toBeInstanceOf(ClosedError);
    await expect(a.put(1)).rejects.toBeInstanceOf(ClosedError);
    await expect(b.put(1)).rejects.toBeInstanceOf(ClosedError);
    expect(b.closed).toBe(true);
  });

  it('close() drains: items left are still got, then ClosedError; for await ends', async () => {
    const name = uniqueName('drain');
    const a = await queue<number>({ name });
    const b = await queue<number>({ name });
    for (const n of [1, 2, 3]) await a.put(n);
    await a.close();
    expect(() => a.tryPut(4)).toThrow(ClosedError);
    const seen: number[] = [];
    for await (const n of b) seen.push(n);
    expect(seen).toEqual([1, 2, 3]);
    expect(await a.stats()).toMatchObject({ length: 0, closed: 'drain', acked: 3 });
    await expect(b.get()).rejects.toBeInstanceOf(ClosedError);
  });

  it('close({ immediate: true }) drops what is left and ends gets at once', async () => {
    const name = uniqueName('immediate');
    const a = await queue<number>({ name });
    const b = await queue<number>({ name });
    for (const n of [1, 2, 3]) await a.put(n);
    await a.close({ immediate: true });
    await expect(b.get()).rejects.toBeInstanceOf(ClosedError);
    expect(await a.stats()).toMatchObject({ length: 0, closed: 'immediate', dropped: 3 });
    await a.join();
    // A later drain close does not reopen the drained items.
    await b.close();
    expect((await b.stats()).closed).toBe('immediate');
  });

  it('a get waiting on a closed queue ends once the last pending item is acknowledged', async () => {
    const name = uniqueName('last');
    const slow = { pollInterval: 600_000, claimIdle: 1_200_000 };
    const a = await queue<number>({ name, ...slow });
    const b = await queue<number>({ name, ...slow });
    await a.put(1);
    const item = await a.receive();
    await a.close();
    let settled = false;
    const waiting = b.get().finally(() => (settled = true));
    // The item is pending with `a`: b must wait (it could be reclaimed if a died).
    await blockedInRead(b as RedisQueue<unknown>);
    expect(settled).toBe(false);
    await a.taskDone(item);
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('RedisQueue: bad input', () => {
  it('refuses bad options with typed errors naming them', async () => {
    const redis = redisUrl();
    await expect(RedisQueue.open({ name: '' })).rejects.toThrow(/name must be a non-empty/);
    await expect(RedisQueue.open({ name: 'x', redis, capacity: 0 })).rejects.toThrow(RangeError);
    await expect(RedisQueue.open({ name: 'x', redis, capacity: 1.5 })).rejects.toThrow(
      /capacity must be a positive safe integer, got 1.5/,
    );
    await expect(
      RedisQueue.open({ name: 'x', redis, codec: 'yaml' as unknown as 'json' }),
    ).rejects.toThrow(/codec must be one of/);
    await expect(RedisQueue.open({ name: 'x', redis, claimIdle: -1 })).rejects.toThrow(/claimIdle/);
    await expect(
      RedisQueue.open({ name: 'x', redis, maxDeliveries: 'many' as unknown as number }),
    ).rejects.toThrow(TypeError);
  });

  it('refuses a capacity other than the existing queue’s', async () => {
    const name = uniqueName('cap');
    await queue<number>({ name, capacity: 3 });
    await expect(open({ name, capacity: 5 })).rejects.toThrow(
      /capacity 5 differs from the capacity 3/,
    );
  });

  it('refuses bad wait options, unencodable values and unknown acks; nothing is put', async () => {
    const q = await queue<number>({ codec: 'int32' });
    await expect(q.put(1, { timeout: -1 })).rejects.toThrow(RangeError);
    await expect(q.get({ timeout: 'soon' as unknown as number })).rejects.toThrow(TypeError);
    const utf8 = await queue<string>({ codec: 'utf8' });
    await expect(utf8.put(42 as unknown as string)).rejects.toBeInstanceOf(CodecError);
    await expect(utf8.taskDone('never got')).rejects.toThrow(/no delivery of it is outstanding/);
    await expect(q.close({ immediate: 'yes' as unknown as boolean })).rejects.toThrow(TypeError);
    expect((await utf8.stats()).put).toBe(0);
  });

  it('an undecodable item goes to the dead-letter stream with a CodecError', async () => {
    const name = uniqueName('garbage');
    const text = await queue<string>({ name, codec: 'utf8' });
    const json = await queue<unknown>({ name, codec: 'json' });
    await text.put('{not json');
    const error = await json.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodecError);
    expect((error as CodecError).bytes).toBeDefined();
    const dead = await json.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]?.reason).toMatch(/^undecodable/);
    expect((await json.stats()).length).toBe(0);
  });
});

describe('RedisQueue in pipelines', () => {
  it('is the sink of one pipeline and the source of another (as in two processes)', async () => {
    const name = uniqueName('pipe');
    const producerSide = await queue<number>({ name, capacity: 4 });
    const consumerSide = await queue<number>({ name });
    const consuming = pipeline<number, number>({
      source: consumerSide,
      stages: [map((x: number) => x + 1)],
    }).run();
    await pipeline<number, number>({
      source: Array.from({ length: 20 }, (_, i) => i),
      stages: [map((x: number) => x * 2)],
      sink: producerSide,
    }).run();
    await producerSide.close();
    const { items } = await consuming;
    expect(items.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i + 1));
    expect(await producerSide.stats()).toMatchObject({ length: 0, put: 20, acked: 20 });
  });

  it('carries the same data as a SharedQueue, through the same codec', async () => {
    const shared = new SharedQueue<PlainData>({ capacity: 4, codec: 'binary' });
    const redis = await queue<PlainData>({ codec: 'binary' });
    const value = { id: 7, tags: ['a', 'b'], ok: true, score: 1.5, none: null };
    shared.putSync(value);
    await redis.put(value);
    expect(await redis.get()).toEqual(shared.getSync());
  });
});

describe('RedisQueue: recovery', () => {
  it('reclaims an item left unacknowledged past claimIdle; past maxDeliveries it is dead-lettered', async () => {
    const name = uniqueName('reclaim');
    const options = { name, claimIdle: 150, maxDeliveries: 2, pollInterval: 50 };
    const first = await queue<string>({ ...options, codec: 'utf8' });
    const second = await queue<string>({ ...options, codec: 'utf8' });
    await first.put('job');
    const one = await first.receive(); // then "dies": never acknowledges
    expect(one.deliveries).toBe(1);
    const two = await second.receive(); // reclaimed once idle for claimIdle
    expect(two).toMatchObject({ id: one.id, value: 'job', deliveries: 2, redelivered: true });
    // The slow first consumer's ack now finds the item taken over: it reports false, once.
    expect(await first.taskDone(one)).toBe(true);
    expect(await second.taskDone(two)).toBe(false);

    await first.put('poison');
    const a = await first.receive();
    const b = await second.receive();
    expect([a.deliveries, b.deliveries]).toEqual([1, 2]);
    // A third delivery would pass maxDeliveries: the item goes to the dead-letter stream.
    await expect(second.get({ timeout: 1000 })).rejects.toBeInstanceOf(TimeoutError);
    await eventually('the item is dead-lettered', async () => (await first.stats()).dead === 1);
    const [dead] = await first.deadLetters();
    expect(dead).toMatchObject({
      source: a.id,
      value: 'poison',
      deliveries: 2,
      reason: 'max-deliveries',
    });
    expect(await first.stats()).toMatchObject({ length: 0, pending: 0 });
    await first.join();
  });

  it('touch() keeps a slow handler’s item from being reclaimed; false once it was', async () => {
    const name = uniqueName('touch');
    const options = { name, claimIdle: 1000, pollInterval: 50 };
    const slow = await queue<number>(options);
    const other = await queue<number>(options);
    await slow.put(1);
    const item = await slow.receive();
    const stolen = other.receive();
    let taken = false;
    void stolen.then(() => (taken = true));
    // Touch every 100 ms for longer than claimIdle: the other consumer never gets the item.
    const start = Date.now();
    while (Date.now() - start < 1500) {
      expect(await slow.touch(item)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(taken).toBe(false);
    // Stop touching: once idle past claimIdle it is reclaimed, and touch() says so.
    const again = await stolen;
    expect(again).toMatchObject({ id: item.id, deliveries: 2 });
    expect(await slow.touch(item)).toBe(false);
    expect(await other.taskDone(again)).toBe(true);
  });

  it('a put waiting for room gives up on abort, adding nothing', async () => {
    const q = await queue<number>({ capacity: 1 });
    await q.put(1);
    const controller = new AbortController();
    const reason = new Error('enough');
    const put = q.put(2, { signal: controller.signal });
    controller.abort(reason);
    await expect(put).rejects.toBe(reason);
    expect((await q.stats()).put).toBe(1);
  });
});
