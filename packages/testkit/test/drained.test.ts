import { Queue } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { AssertionError, assertDrained, task } from '../src/index.js';
import '../src/vitest.js';
import { rejection } from './normalise.js';

/** Consumes until the queue is closed and drained. */
async function drain(queue: Queue<number>, got: number[]): Promise<void> {
  for await (const x of queue) got.push(x);
}

describe('drained', () => {
  it('passes after a clean close: empty, nobody waiting, every consumer finished', async () => {
    const queue = new Queue<number>({ capacity: 2, name: 'jobs' });
    const got: number[] = [];
    const consumers = {
      c1: task('c1', () => drain(queue, got)),
      c2: task('c2', () => drain(queue, got)),
    };
    for (const x of [1, 2, 3, 4, 5]) await queue.put(x);
    queue.close();
    await assertDrained(queue, { consumers });
    await expect(queue).toBeDrained({ consumers: Object.values(consumers) });
    expect(got).toConsumeExactlyOnce([1, 2, 3, 4, 5]);
  });

  it('names what is left: not closed, items, waiters, unfinished consumers', async () => {
    const queue = new Queue<number>({ capacity: 4, name: 'jobs' });
    const consumers = {
      c1: task('c1', () => drain(queue, [])),
      c2: task('c2', () => queue.get()),
    };
    await queue.put(1);
    await queue.put(2);
    await queue.put(3);
    const error = await rejection(assertDrained(queue, { consumers }));
    expect(error).toBeInstanceOf(AssertionError);
    expect(error.message).toMatchInlineSnapshot(
      `"expected queue jobs drained: it was not closed; 1 task still waits in get(); c1 has not finished"`,
    );
    queue.close();
    await expect(queue).toBeDrained({ consumers });
  });

  it('names items left behind after close', async () => {
    const queue = new Queue<number>({ capacity: 4, name: 'jobs' });
    await queue.put(1);
    queue.close();
    const error = await rejection(expect(queue).toBeDrained());
    expect(error.message).toMatchInlineSnapshot(
      `"expected queue jobs drained: it still holds 1 item"`,
    );
    await expect(queue).not.toBeDrained();
  });
});
