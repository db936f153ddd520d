import { Lock, getTracer, setTracer, type TraceEvent } from '@baton/core';
import { describe, expect, it } from 'vitest';
import {
  DeadlockError,
  currentTask,
  namesFollowAwait,
  task,
  withDeadlockTimeout,
} from '../src/index.js';
import '../src/vitest.js';
import { normalise, rejection } from './normalise.js';

describe('task', () => {
  it('names the code it runs, across await', async () => {
    expect(namesFollowAwait).toBe(true);
    expect(currentTask()).toBeUndefined();
    const seen: (string | undefined)[] = [];
    await Promise.all([
      task('first', async () => {
        seen.push(currentTask());
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(currentTask());
      }),
      task('second', async () => {
        await Promise.resolve();
        seen.push(currentTask());
      }),
    ]);
    expect(seen.sort()).toEqual(['first', 'first', 'second']);
    expect(currentTask()).toBeUndefined();
  });

  it('returns the result and passes errors through, thrown or rejected', async () => {
    await expect(task('t', () => 42)).resolves.toBe(42);
    await expect(
      task('t', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(task('t', async () => Promise.reject(new Error('async')))).rejects.toThrow(
      'async',
    );
  });

  it('rejects a missing name or function', () => {
    expect(() => task('', () => 1)).toThrow('task: name must be a non-empty string, got ');
    expect(() => task('x', 1 as never)).toThrow('task: fn must be a function, got number');
  });
});

describe('tracing during a watch', () => {
  it('keeps feeding the tracer installed before, and restores it afterwards', async () => {
    const events: TraceEvent[] = [];
    const mine = { event: (e: TraceEvent) => events.push(e) };
    const previous = setTracer(mine);
    try {
      await withDeadlockTimeout(async () => {
        const lock = new Lock({ name: 'seen' });
        await task('holder', () => lock.runExclusive(() => undefined));
      }, 5000);
      expect(getTracer()).toBe(mine);
      expect(events.map((e) => `${e.agent} ${e.kind} ${e.name}`)).toEqual([
        'main created seen',
        'holder acquired seen',
        'holder release seen',
      ]);
    } finally {
      setTracer(previous);
    }
  });

  it('turns tracing off again when the watch ends', async () => {
    const before = getTracer();
    await withDeadlockTimeout(() => undefined, 1000);
    expect(getTracer()).toBe(before);
  });

  it('fails toResolveWithin on a promise with what it saw since it started watching', async () => {
    const lock = new Lock({ name: 'busy' });
    await lock.acquire();
    const waiting = task('late', () => lock.acquire());
    const error = await rejection(expect(waiting).toResolveWithin(50));
    expect(error).not.toBeInstanceOf(DeadlockError);
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "stalled: not finished within <t>
      nobody was seen waiting on a primitive (waits that began before the watch are not seen)
      (given a promise, only what happened after the watch began is known: pass a function that starts the work to see all of it)"
    `);
    lock.release();
    await waiting;
    lock.release();
  });
});
