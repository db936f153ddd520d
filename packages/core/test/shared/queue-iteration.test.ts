// issue 13 for SharedQueue: the handle keeps the value type through from(), and a blocking
// `for (const x of queue)` (for workers) ends when the queue is closed and drained.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { SharedQueue, type SharedQueueHandle } from '../../src/index.js';

describe('SharedQueue handle type and blocking iteration', () => {
  it('SharedQueue.from(queue.handle) keeps T', () => {
    const queue = new SharedQueue<{ id: number }>({ capacity: 4, codec: 'json' });
    const handle = queue.handle;
    expectTypeOf(handle).toEqualTypeOf<SharedQueueHandle<{ id: number }>>();
    const opened = SharedQueue.from(handle);
    expectTypeOf(opened).toEqualTypeOf<SharedQueue<{ id: number }>>();
    opened.putSync({ id: 1 });
    expect(queue.getSync()).toEqual({ id: 1 });
    // A structured clone of the handle (what a worker receives) opens the same queue.
    expect(SharedQueue.from(structuredClone(handle)).capacity).toBe(4);
  });

  it('for (const x of queue) yields every item, then ends at close()', () => {
    const queue = new SharedQueue<number>({ capacity: 8, codec: 'int32' });
    queue.putManySync([1, 2, 3]);
    queue.close();
    const seen: number[] = [];
    for (const x of queue) seen.push(x);
    expect(seen).toEqual([1, 2, 3]);
  });
});
