import {
  analyseWaits,
  Barrier,
  Condition,
  Event,
  Lock,
  Queue,
  Semaphore,
  type TraceEvent,
} from '@baton/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WaitForTracker, formatWaitFor, task, withDeadlockTimeout } from '../src/index.js';
import { normalise, rejection } from './normalise.js';

/** A synthetic trace event, as core would emit it. */
function ev(
  kind: TraceEvent['kind'],
  agent: string,
  primitive: string,
  name: string,
  time: number,
  detail?: Record<string, unknown>,
): TraceEvent {
  return { kind, agent, primitive, id: name.length, name, time, ...(detail ? { detail } : {}) };
}

describe('WaitForTracker (synthetic events)', () => {
  it('finds a three-way cycle and prints it as a cycle', () => {
    const t = new WaitForTracker();
    for (const [who, lock] of [
      ['A', 'a'],
      ['B', 'bb'],
      ['C', 'ccc'],
    ] as const) {
      t.started(who);
      t.event(ev('acquired', who, 'Lock', lock, 0));
    }
    t.event(ev('acquire', 'A', 'Lock', 'bb', 100));
    t.event(ev('acquire', 'B', 'Lock', 'ccc', 200));
    t.event(ev('acquire', 'C', 'Lock', 'a', 300));
    expect(t.quiescent()).toBe(true);
    const graph = t.graph(1300);
    expect(analyseWaits(graph).cycle?.map((e) => e.from)).toEqual(['A', 'B', 'C']);
    expect(formatWaitFor(graph)).toMatchInlineSnapshot(`
      "cycle:
        A waits for Lock bb since 1.2 s, held by B since 1.3 s
        B waits for Lock ccc since 1.1 s, held by C since 1.3 s
        C waits for Lock a since 1.0 s, held by A since 1.3 s
        and so back to A"
    `);
  });

  it("follows a lock released by another task than its holder (the lesson's hand-off)", () => {
    const t = new WaitForTracker();
    t.event(ev('acquired', 'producer', 'Lock', 'consumer_lock', 0));
    t.event(ev('release', 'consumer', 'Lock', 'consumer_lock', 10));
    t.event(ev('acquired', 'producer', 'Lock', 'consumer_lock', 20));
    t.event(ev('acquire', 'consumer', 'Lock', 'consumer_lock', 30));
    const graph = t.graph(30);
    expect(graph.holds.map((h) => h.party)).toEqual(['producer']);
    expect(formatWaitFor(graph)).toMatchInlineSnapshot(`
      "blocked:
        consumer waits for Lock consumer_lock since 0 ms, held by producer since 10 ms"
    `);
  });

  it('forgets waits that timed out, were aborted or ended by close', () => {
    const t = new WaitForTracker();
    t.started('p');
    t.event(ev('wait', 'p', 'Queue', 'q', 0, { for: 'not_full', size: 1, capacity: 1 }));
    expect(t.blocked()).toEqual(new Set(['p']));
    t.event(ev('timeout', 'p', 'Queue', 'q', 1));
    expect(t.blocked().size).toBe(0);
    t.event(ev('wait', 'p', 'Queue', 'q', 2, { for: 'not_full', size: 1, capacity: 1 }));
    t.event(ev('close', 'main', 'Queue', 'q', 3, { immediate: false, size: 1 }));
    expect(t.blocked().size).toBe(0);
  });

  it('is not quiescent while a blocked task has a timeout or a task still runs', () => {
    const t = new WaitForTracker();
    t.started('a');
    t.started('b');
    t.event(ev('acquire', 'a', 'Lock', 'l', 0, { timeout: 50 }));
    expect(t.quiescent()).toBe(false);
    t.event(ev('timeout', 'a', 'Lock', 'l', 50));
    t.event(ev('acquire', 'a', 'Lock', 'l', 60));
    expect(t.quiescent()).toBe(false); // b runs
    t.finished('b');
    expect(t.quiescent()).toBe(true);
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
