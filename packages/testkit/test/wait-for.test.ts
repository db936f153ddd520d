import { Barrier, Condition, Event, Lock, Queue, Semaphore, type TraceEvent } from '@baton/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WaitForTracker, task, withDeadlockTimeout } from '../src/index.js';
import { normalise, rejection } from './normalise.js';

/**
 * What core traces when `agent` waits for (`acquire`) or takes (`acquired`) Lock `name`, and
 * when that wait times out. Only what quiescence reads: the recorder itself (cycles, hand-offs,
 * queues, semaphores...) is tested on core's own synthetic events in
 * packages/core/test/diagnose/graph.test.ts.
 */
function lock(
  kind: 'acquire' | 'acquired' | 'timeout',
  agent: string,
  name: string,
  time: number,
  timeout?: number,
): TraceEvent {
  const detail = timeout === undefined ? {} : { detail: { timeout } };
  return { kind, agent, primitive: 'Lock', id: 1, name, time, ...detail };
}

describe('WaitForTracker: quiescence', () => {
  it('is quiescent once every live task waits with no timeout, and says so after each wait', () => {
    const t = new WaitForTracker();
    let told = 0;
    t.onBlock = () => told++;
    t.started('a');
    t.started('b');
    t.event(lock('acquired', 'b', 'l', 0));
    t.event(lock('acquire', 'a', 'l', 1, 50));
    expect(t.blocked()).toEqual(new Set(['a']));
    expect(t.quiescent()).toBe(false); // b runs, and a times out by itself
    t.event(lock('timeout', 'a', 'l', 50));
    t.event(lock('acquire', 'a', 'l', 60));
    expect(t.quiescent()).toBe(false); // b runs
    t.finished('b');
    expect(t.alive).toEqual(new Set(['a']));
    expect(t.quiescent()).toBe(true);
    expect(told).toBe(3); // two waits and a finish
  });
});

describe('stall explanations with real primitives', () => {
  it('names a lost wake-up on a condition', async () => {
    const error = await rejection(
      withDeadlockTimeout(async () => {
        const ready = new Condition(new Lock({ name: 'm' }), { name: 'ready' });
        await task('notifier', () => ready.runExclusive(() => ready.notify()));
        await task('waiter', () => ready.runExclusive(() => ready.wait()));
      }, 60_000),
    );
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "stalled: every task is blocked and no timer is pending (found before the <t> timeout)
      blocked:
        waiter waits on Condition ready since <t> (at test/wait-for.test.ts:<line>); it was last notified <t> before this wait began (a lost wake-up?)
      finished: notifier"
    `);
  });

  it('puts a woken condition waiter, not its notifier, in the queue for the lock', async () => {
    // Condition.notify() queues for the lock on the waiter's behalf from the notifier's call;
    // core names the waiter as the agent of that lock wait, which began at its items.wait().
    const error = await rejection(
      withDeadlockTimeout(async () => {
        const m = new Lock({ name: 'm' });
        const items = new Condition(m, { name: 'items' });
        const never = new Event({ name: 'never' });
        await Promise.all([
          task('consumer', async () => {
            await m.acquire();
            await items.wait();
            m.release();
          }),
          task('producer', async () => {
            await m.acquire();
            items.notify();
            await never.wait(); // forgets to release m first
            m.release();
          }),
        ]);
      }, 60_000),
    );
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "stalled: every task is blocked and no timer is pending (found before the <t> timeout)
      blocked:
        consumer waits for Lock m since <t> (at test/wait-for.test.ts:<line>), held by producer since <t> (acquired at test/wait-for.test.ts:<line>)
        producer waits for Event never to be set since <t> (at test/wait-for.test.ts:<line>); nobody has set it yet"
    `);
  });

  it("names where a notified waiter asked for its lock back, not the notifier's release", async () => {
    // The consumer gets m back inside the producer's release(): that line is not where the
    // consumer asked for m; its items.wait() is.
    const error = await rejection(
      withDeadlockTimeout(async () => {
        const m = new Lock({ name: 'm' });
        const items = new Condition(m, { name: 'items' });
        const never = new Event({ name: 'never' });
        await Promise.all([
          task('consumer', async () => {
            await m.acquire();
            await items.wait(); // <- consumer asks for m back here
            await never.wait(); // forgets to release m first
          }),
          task('producer', async () => {
            await m.acquire();
            items.notify();
            m.release(); // <- producer hands m over here
            await m.acquire();
          }),
        ]);
      }, 60_000),
    );
    const source = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
    const lineOf = (marker: string): number => source.findIndex((l) => l.includes(marker)) + 1;
    expect(error.message).toMatch(
      new RegExp(
        `held by consumer since [^(]*\\(acquired at test/wait-for\\.test\\.ts:${lineOf('<- consumer asks')}:`,
      ),
    );
    expect(error.message).not.toContain(`wait-for.test.ts:${lineOf('<- producer hands')}:`);
  });

  it('names an empty queue whose producer is still running elsewhere', async () => {
    const error = await rejection(
      withDeadlockTimeout(async () => {
        const jobs = new Queue<number>({ capacity: 4, name: 'jobs' });
        await task('producer', () => jobs.put(1));
        await task('consumer', async () => {
          await jobs.get();
          await jobs.get();
        });
      }, 60_000),
    );
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "stalled: every task is blocked and no timer is pending (found before the <t> timeout)
      blocked:
        consumer waits for an item in Queue jobs since <t> (at test/wait-for.test.ts:<line>), which is empty (0/4); no producer is left (producer finished)
      finished: producer"
    `);
  });

  it('names a semaphore that nobody will release', async () => {
    const error = await rejection(
      withDeadlockTimeout(async () => {
        const slots = new Semaphore(0, { name: 'slots' });
        await task('worker', () => slots.acquire());
      }, 60_000),
    );
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "stalled: every task is blocked and no timer is pending (found before the <t> timeout)
      blocked:
        worker waits for a permit of Semaphore slots since <t> (at test/wait-for.test.ts:<line>); no other task has taken one to give back (a release that never came?)"
    `);
  });

  it('names a barrier a party never reached', async () => {
    const error = await rejection(
      withDeadlockTimeout(async () => {
        const start = new Barrier(3, { name: 'start' });
        await Promise.all([
          task('a', () => start.wait()),
          task('b', () => start.wait()),
          task('c', async () => {}),
        ]);
      }, 60_000),
    );
    expect(normalise(error.message)).toMatchInlineSnapshot(`
      "stalled: every task is blocked and no timer is pending (found before the <t> timeout)
      blocked:
        a waits at Barrier start (2 of 3 arrived) since <t> (at test/wait-for.test.ts:<line>); c finished without arriving?
        b waits at Barrier start (2 of 3 arrived) since <t> (at test/wait-for.test.ts:<line>); c finished without arriving?
      finished: c"
    `);
  });
});
