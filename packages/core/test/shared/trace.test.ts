// Shared primitives report to the tracer of the agent they are used in, with the same
// subject fields (kind, id, name) as the in-thread ones.
import { afterEach, describe, expect, it } from 'vitest';
import { SharedLock, SharedQueue, setTracer, type TraceEvent } from '../../src/index.js';

afterEach(() => {
  setTracer(undefined);
});

describe('tracing of shared primitives', () => {
  it('reports lock and queue events with the primitive, its registry id and its name', async () => {
    const events: TraceEvent[] = [];
    setTracer({ event: (e) => events.push(e), agent: () => 'tester' });
    const lock = new SharedLock({ name: 'traced lock' });
    await lock.acquire();
    const waiting = lock.acquire({ timeout: 10 }).catch(() => 'timed out');
    expect(await waiting).toBe('timed out');
    lock.release();
    const queue = new SharedQueue<number>({ capacity: 2, codec: 'int32', name: 'traced queue' });
    await queue.put(1);
    await queue.get();
    queue.close();

    const kinds = events.map((e) => `${e.primitive}:${e.kind}`);
    expect(kinds).toEqual([
      'SharedLock:created',
      'SharedLock:acquired',
      'SharedLock:acquire',
      'SharedLock:timeout',
      'SharedLock:release',
      'SharedQueue:created',
      'SharedQueue:put',
      'SharedQueue:get',
      'SharedQueue:close',
    ]);
    const put = events.find((e) => e.kind === 'put');
    expect(put?.detail).toMatchObject({ size: 1, capacity: 2 });
    expect(put?.name).toBe('traced queue');
    expect(put?.agent).toBe('tester');
    expect(events[0]?.id).toBe(lock.id);
  });
});
