/** Trace events of the in-thread primitives (the protocol the testkit builds on). */
import { afterEach, describe, expect, it } from 'vitest';
import {
  Barrier,
  Lock,
  Condition,
  Event,
  Queue,
  Semaphore,
  setTracer,
  type TraceEvent,
  type Tracer,
} from '../../src/index.js';

let events: TraceEvent[] = [];
let agent = 'main';
let previous: Tracer | undefined;

function record(): void {
  events = [];
  agent = 'main';
  previous = setTracer({ event: (e) => events.push(e), agent: () => agent });
}
afterEach(() => {
  setTracer(previous);
});
const kinds = () => events.map((e) => `${e.primitive}:${e.kind}:${e.agent}`);

describe('trace events', () => {
  it('Semaphore: created with its value, acquired (waited or not), release with the value', async () => {
    record();
    const s = new Semaphore(1, { name: 's' });
    await s.acquire();
    agent = 'w';
    const waiting = s.acquire();
    agent = 'main';
    s.release();
    await waiting;
    expect(kinds()).toEqual([
      'Semaphore:created:main',
      'Semaphore:acquired:main',
      'Semaphore:acquire:w',
      'Semaphore:release:main',
      'Semaphore:acquired:w',
    ]);
    expect(events[0]?.detail).toEqual({ value: 1 });
    expect(events[3]?.detail).toEqual({ value: 0, n: 1 });
  });

  it("Event: wait, set, wake (with the waiter's agent), clear, abort", async () => {
    record();
    const e = new Event();
    agent = 'w';
    const waiting = e.wait();
    agent = 'main';
    e.set();
    await waiting;
    e.clear();
    const c = new AbortController();
    const aborted = e.wait({ signal: c.signal });
    c.abort('x');
    await aborted.catch(() => undefined);
    expect(kinds()).toEqual([
      'Event:created:main',
      'Event:wait:w',
      'Event:set:main',
      'Event:wake:w',
      'Event:clear:main',
      'Event:wait:main',
      'Event:abort:main',
    ]);
  });

  it('Condition: wait, notify with counts, wake', async () => {
    record();
    const cond = new Condition();
    await cond.acquire();
    agent = 'w';
    const waiting = cond.wait();
    agent = 'main';
    await cond.acquire();
    cond.notify();
    cond.release();
    await waiting;
    const own = events.filter((e) => e.primitive === 'Condition');
    expect(own.map((e) => `${e.kind}:${e.agent}`)).toEqual([
      'created:main',
      'wait:w',
      'notify:main',
      'wake:w',
    ]);
    expect(own[2]?.detail).toEqual({ n: 1, waiting: 1 });
  });

  it('Barrier: wait with arrivals, wake, broken', async () => {
    record();
    const b = new Barrier(2);
    agent = 'a';
    const first = b.wait();
    agent = 'b';
    await b.wait();
    await first;
    b.abort();
    expect(kinds()).toEqual([
      'Barrier:created:main',
      'Barrier:wait:a',
      'Barrier:wake:a',
      'Barrier:broken:b',
    ]);
    expect(events[1]?.detail).toEqual({ arrived: 1, parties: 2 });
  });

  it('Queue: a getter that waits, then gets from a put, with its own agent', async () => {
    record();
    const q = new Queue<number>({ capacity: 2 });
    agent = 'consumer';
    const got = q.get();
    agent = 'producer';
    await q.put(5);
    await got;
    expect(kinds()).toEqual([
      'Queue:created:main',
      'Queue:wait:consumer',
      'Queue:put:producer',
      'Queue:get:consumer',
    ]);
    expect(events[1]?.detail).toEqual({ size: 0, capacity: 2, for: 'not_empty' });
  });

  it('a wait with a finite timeout says so in its detail', async () => {
    record();
    const lock = new Lock();
    await lock.acquire();
    await lock.acquire({ timeout: 1 }).catch(() => undefined);
    const q = new Queue<number>();
    await q.get({ timeout: 1 }).catch(() => undefined);
    const starts = events.filter((e) => e.kind === 'acquire' || e.kind === 'wait');
    expect(starts.map((e) => e.detail)).toEqual([
      { timeout: 1 },
      { size: 0, capacity: Infinity, for: 'not_empty', timeout: 1 },
    ]);
  });

  it('a condition waiter that times out wakes (as itself) before re-taking the lock', async () => {
    record();
    const cond = new Condition();
    await cond.acquire();
    agent = 'w';
    const waiting = cond.wait({ timeout: 1 });
    agent = 'main';
    await waiting.catch(() => undefined);
    const from = events.findIndex((e) => e.primitive === 'Condition' && e.kind === 'wait');
    expect(events.slice(from).map((e) => `${e.primitive}:${e.kind}:${e.agent}`)).toEqual([
      'Condition:wait:w',
      'Lock:release:w',
      'Condition:timeout:w',
      'Condition:wake:w',
      // The lock was free, so it is taken at once, in the timer's context (agent 'main'); a
      // tracer that follows 'wake' (the testkit's) attributes this acquire to 'w'.
      'Lock:acquired:main',
    ]);
  });
});
