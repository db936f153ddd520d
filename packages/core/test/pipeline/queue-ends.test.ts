// pipeline() with queues at its ends: a queue as the source (read until closed and drained)
// and a queue as the sink (every item put into it, the queue left open).
import { describe, expect, it } from 'vitest';
import { ClosedError, map, pipeline, PipelineError, Queue, SharedQueue } from '../../src/index.js';

describe('pipeline with queues as source and sink', () => {
  it('reads a Queue source until it is closed and puts into a Queue sink', async () => {
    const input = new Queue<number>({ capacity: 2 });
    const output = new Queue<number>({ capacity: 4 });
    const feeding = (async () => {
      for (let i = 1; i <= 6; i++) await input.put(i);
      input.close();
    })();
    const collected: number[] = [];
    const draining = (async () => {
      for await (const n of output) collected.push(n);
    })();
    const result = await pipeline<number, number>({
      source: input,
      stages: [map((x: number) => x * 10)],
      sink: output,
    }).run();
    await feeding;
    // The pipeline leaves its sink queue open: whoever owns it closes it.
    expect(output.closed).toBe(false);
    output.close();
    await draining;
    expect(collected.sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(result.items).toEqual([]);
    expect(result.stats.at(-1)?.itemsIn).toBe(6);
  });

  it('marks each item of a Queue source done, so join() on it resolves', async () => {
    const input = new Queue<number>({ capacity: 8 });
    for (let i = 0; i < 5; i++) await input.put(i);
    input.close();
    const { items } = await pipeline<number, number>({ source: input }).run();
    expect(items).toEqual([0, 1, 2, 3, 4]);
    expect(input.unfinishedTasks).toBe(0);
    await input.join();
  });

  it('a failing stage stops a pipeline whose queue source is never closed', async () => {
    const input = new Queue<number>({ capacity: 4 });
    await input.put(1);
    const error = await pipeline({
      source: input,
      stages: [
        map(() => {
          throw new Error('boom');
        }),
      ],
    })
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    // The source's waiting get was called off without a trace: a later item stays in the queue.
    await input.put(2);
    expect(input.tryGet()).toEqual({ ok: true, value: 2 });
  });

  it('puts into a SharedQueue sink, waiting while it is full', async () => {
    const output = new SharedQueue<number>({ capacity: 2, codec: 'float64' });
    const run = pipeline<number, number>({ source: [1, 2, 3, 4], sink: output }).run();
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push(await output.get());
    await run;
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it('fails with PipelineError when the sink queue was closed by someone else', async () => {
    const output = new Queue<number>({ capacity: 1 });
    output.close();
    const error = await pipeline({ source: [1], sink: output })
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).cause).toBeInstanceOf(ClosedError);
  });

  it('refuses a sink that is neither a function nor a queue', () => {
    expect(() => pipeline({ source: [1], sink: { put: 1 } as never })).toThrow(
      /sink must be a function or a queue/,
    );
  });
});
