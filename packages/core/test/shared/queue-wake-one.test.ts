// Async getters and putters of a SharedQueue are woken one per item (issue 10 item 7): with
// thousands asleep, every getter still gets exactly one item and every putter puts its one.
// (How the cost per put stays flat is measured in bench/, never asserted here.)
import { describe, expect, it } from 'vitest';
import { SharedQueue } from '../../src/index.js';

describe('SharedQueue: one wake-up per item', () => {
  it('10,000 sleeping async getters each get exactly one item', async () => {
    const queue = new SharedQueue<number>({ capacity: 64, codec: 'int32', name: 'many-getters' });
    const getters = Array.from({ length: 10_000 }, () => queue.get());
    for (let i = 0; i < 10_000; i++) await queue.put(i);
    const got = await Promise.all(getters);
    expect(new Set(got).size).toBe(10_000);
    expect(got.reduce((a, b) => a + b, 0)).toBe((10_000 * 9_999) / 2);
    expect(queue.size).toBe(0);
  });

  it('10,000 sleeping async putters on a full queue each put exactly one item', async () => {
    const queue = new SharedQueue<number>({ capacity: 16, codec: 'int32', name: 'many-putters' });
    for (let i = 0; i < 16; i++) queue.tryPut(-1);
    const putters = Array.from({ length: 10_000 }, (_, i) => queue.put(i));
    const got: number[] = [];
    while (got.length < 10_016) got.push(await queue.get());
    await Promise.all(putters);
    expect(got.filter((v) => v === -1)).toHaveLength(16);
    expect(new Set(got.filter((v) => v >= 0)).size).toBe(10_000);
  });

  it('a getter aborted while asleep passes no wake-up by: the others still get every item', async () => {
    const queue = new SharedQueue<number>({ capacity: 8, codec: 'int32', name: 'aborts' });
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    const getters = controllers.map((c) => queue.get({ signal: c.signal }).catch(() => 'aborted'));
    for (let i = 0; i < 50; i += 2) controllers[i]!.abort(new Error('gave up'));
    for (let i = 0; i < 25; i++) await queue.put(i);
    const results = await Promise.all(getters);
    expect(results.filter((r) => r === 'aborted')).toHaveLength(25);
    expect(new Set(results.filter((r) => r !== 'aborted')).size).toBe(25);
  });
});
