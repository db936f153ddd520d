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
      // The lock was free, so it is taken at once from the timer, but on behalf of 'w'.
      'Lock:acquired:w',
    ]);
  });

  it("a notified waiter re-takes the lock under its own agent, not the notifier's", async () => {
    record();
    const cond = new Condition(new Lock({ name: 'l' }));
    await cond.acquire();
    agent = 'w1';
    const first = cond.wait();
    agent = 'main';
    await cond.acquire();
    agent = 'w2';
    const second = cond.wait();
    agent = 'n';
    await cond.acquire();
    cond.notifyAll();
    cond.release();
    await first;
    agent = 'w1';
    cond.release();
    await second;
    agent = 'w2';
    cond.release();
    const from = events.findIndex((e) => e.primitive === 'Condition' && e.kind === 'notify');
    expect(events.slice(from).map((e) => `${e.primitive}:${e.kind}:${e.agent}`)).toEqual([
      'Condition:notify:n',
      'Condition:wake:w1',
      'Lock:acquire:w1',
      'Condition:wake:w2',
      'Lock:acquire:w2',
      'Lock:release:n',
      'Lock:acquired:w1',
      'Lock:release:w1',
      'Lock:acquired:w2',
      'Lock:release:w2',
    ]);
    // The override lasts only for the re-acquire: later events name their caller again.
    agent = 'main';
    cond.lock.tryAcquire();
    expect(events.at(-1)?.agent).toBe('main');
    cond.release();
  });

  it('an aborted condition waiter re-takes a held lock under its own agent', async () => {
    record();
    const cond = new Condition(new Lock({ name: 'l' }));
    await cond.acquire();
    agent = 'w';
    const c = new AbortController();
    const waiting = cond.wait({ signal: c.signal });
    agent = 'holder';
    await cond.acquire();
    c.abort(new Error('stop'));
    cond.release();
    await expect(waiting).rejects.toThrow('stop');
    const from = events.findIndex((e) => e.primitive === 'Condition' && e.kind === 'abort');
    expect(events.slice(from).map((e) => `${e.primitive}:${e.kind}:${e.agent}`)).toEqual([
      'Condition:abort:w',
      'Condition:wake:w',
      'Lock:acquire:w',
      'Lock:release:holder',
      'Lock:acquired:w',
    ]);
    cond.release();
  });
});
