/**
 * The scheduler hook (`setScheduler`): every primitive resumes woken waiters through it, having
 * handed over the permit or item already, so a harness can reorder resumptions without ever
 * losing or doubling anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  Barrier,
  Condition,
  Event,
  Lock,
  Queue,
  Semaphore,
  setScheduler,
  type Scheduler,
  type TraceSubject,
} from '../../src/index.js';
import { flush, track } from './helpers.js';

/** Holds every resumption until `run` is called, then runs them newest first. */
class HoldingScheduler implements Scheduler {
  held: { resume: () => void; subject: TraceSubject }[] = [];
  resume(resume: () => void, subject: TraceSubject): void {
    this.held.push({ resume, subject });
  }
  runNewestFirst(): void {
    const held = this.held.reverse();
    this.held = [];
    for (const { resume } of held) resume();
  }
}

let previous: Scheduler | undefined;
afterEach(() => {
  setScheduler(previous);
});

function install(): HoldingScheduler {
  const scheduler = new HoldingScheduler();
  previous = setScheduler(scheduler);
  return scheduler;
}

describe('resumption through the scheduler', () => {
  it('Lock: ownership passes at release; the waiter resumes only when the scheduler says', async () => {
    const lock = new Lock({ name: 'l' });
    await lock.acquire();
    const scheduler = install();
    const waiter = track(lock.acquire());
    lock.release();
    expect(lock.locked).toBe(true); // the waiter owns it already
    expect(lock.tryAcquire()).toBe(false);
    await flush();
    expect(waiter.state).toBe('pending');
    expect(scheduler.held.map((h) => h.subject.name)).toEqual(['l']);
    scheduler.runNewestFirst();
    await flush();
    expect(waiter.state).toBe('fulfilled');
  });

  it('an abort after the grant but before the resumption does not undo the grant', async () => {
    const sem = new Semaphore(0);
    const scheduler = install();
    const controller = new AbortController();
    const waiter = track(sem.acquire({ signal: controller.signal }));
    sem.release();
    controller.abort(new Error('late'));
    scheduler.runNewestFirst();
    await flush();
    expect(waiter.state).toBe('fulfilled');
    expect(sem.value).toBe(0);
  });

  it('Queue: items are handed out in FIFO order even when getters resume in reverse', async () => {
    const queue = new Queue<number>();
    const scheduler = install();
    const first = track(queue.get());
    const second = track(queue.get());
    await queue.put(1);
    await queue.put(2);
    expect(scheduler.held).toHaveLength(2);
    scheduler.runNewestFirst();
    await flush();
    expect(first.value).toBe(1);
    expect(second.value).toBe(2);
  });

  it('Event, Barrier and Condition resume through it as well', async () => {
    const event = new Event();
    const barrier = new Barrier(2);
    const cond = new Condition();
    const scheduler = install();
    const e = track(event.wait());
    event.set();
    const b = track(barrier.wait());
    void barrier.wait();
    await cond.acquire();
    const c = track(cond.wait());
    await cond.acquire();
    cond.notify();
    cond.release(); // hands the lock to the notified waiter, through the scheduler
    await flush();
    expect([e.state, b.state, c.state]).toEqual(['pending', 'pending', 'pending']);
    expect(scheduler.held.map((h) => h.subject.kind).sort()).toEqual(['Barrier', 'Event', 'Lock']);
    scheduler.runNewestFirst();
    await flush();
    expect([e.state, b.state, c.state]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });
});

/** Also holds calls that completed at once (`yield`), apart from woken waiters. */
class YieldingScheduler extends HoldingScheduler {
  yielded: { resume: () => void; subject: TraceSubject }[] = [];
  yield(resume: () => void, subject: TraceSubject): void {
    this.yielded.push({ resume, subject });
  }
  runYielded(): void {
    const yielded = this.yielded;
    this.yielded = [];
    for (const { resume } of yielded) resume();
  }
}

function installYielding(): YieldingScheduler {
  const scheduler = new YieldingScheduler();
  previous = setScheduler(scheduler);
  return scheduler;
}

describe('calls that complete at once, under a scheduler with yield', () => {
  it('Lock: the lock is taken at once, but the caller goes on only when the scheduler says', async () => {
    const lock = new Lock({ name: 'l' });
    const scheduler = installYielding();
    const first = track(lock.acquire());
    expect(lock.locked).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    await flush();
    expect(first.state).toBe('pending');
    expect(scheduler.yielded.map((y) => y.subject.name)).toEqual(['l']);
    expect(scheduler.held).toEqual([]);
    scheduler.runYielded();
    await flush();
    expect(first.state).toBe('fulfilled');
  });

  it('Semaphore: permits are counted at once; FIFO waiters still resume through resume', async () => {
    const sem = new Semaphore(2, { name: 's' });
    const scheduler = installYielding();
    const a = track(sem.acquire());
    const b = track(sem.acquire());
    const c = track(sem.acquire());
    expect(sem.value).toBe(0);
    expect(sem.waiting).toBe(1);
    expect(scheduler.yielded).toHaveLength(2);
    sem.release();
    expect(sem.value).toBe(0); // the permit went straight to c
    expect(scheduler.held).toHaveLength(1);
    await flush();
    expect([a.state, b.state, c.state]).toEqual(['pending', 'pending', 'pending']);
    scheduler.runNewestFirst();
    scheduler.runYielded();
    await flush();
    expect([a.state, b.state, c.state]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('Queue: put and get take effect at once; get resolves with its item when resumed', async () => {
    const queue = new Queue<number>({ capacity: 2, name: 'q' });
    const scheduler = installYielding();
    const put1 = track(queue.put(1));
    const put2 = track(queue.put(2));
    expect(queue.size).toBe(2);
    const got = track(queue.get());
    expect(queue.size).toBe(1);
    queue.taskDone();
    const joined = track(queue.join()); // one item is still unfinished: this one waits
    const rest = track(queue.get());
    queue.taskDone();
    expect(scheduler.held.map((h) => h.subject.name)).toEqual(['q']); // the joiner
    const again = track(queue.join()); // nothing unfinished: completes at once
    expect(scheduler.yielded.map((y) => y.subject.name)).toEqual(['q', 'q', 'q', 'q', 'q']);
    await flush();
    expect([put1.state, put2.state, got.state, rest.state, again.state]).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    scheduler.runYielded();
    scheduler.runNewestFirst();
    await flush();
    expect([put1.state, put2.state, joined.state, again.state]).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect([got.value, rest.value]).toEqual([1, 2]);
  });

  it('Event (set), Barrier (last party) and Condition.acquire yield as well', async () => {
    const event = new Event({ name: 'e' });
    const barrier = new Barrier(2, { name: 'b' });
    const cond = new Condition(undefined, { name: 'c' });
    event.set();
    const scheduler = installYielding();
    const e = track(event.wait());
    const first = track(barrier.wait()); // waits
    const last = track(barrier.wait()); // completes the round at once
    const c = track(cond.acquire());
    expect(cond.locked).toBe(true);
    expect(scheduler.yielded.map((y) => y.subject.kind)).toEqual(['Event', 'Barrier', 'Lock']);
    expect(scheduler.held.map((h) => h.subject.kind)).toEqual(['Barrier']);
    await flush();
    expect([e.state, first.state, last.state, c.state]).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    scheduler.runYielded();
    scheduler.runNewestFirst();
    await flush();
    expect([e.state, first.value, last.value, c.state]).toEqual(['fulfilled', 0, 1, 'fulfilled']);
  });

  it('a scheduler without yield leaves calls that complete at once as they were', async () => {
    const lock = new Lock();
    const queue = new Queue<string>();
    const scheduler = install();
    const acquired = track(lock.acquire());
    await queue.put('x');
    const got = track(queue.get());
    await flush();
    expect(acquired.state).toBe('fulfilled');
    expect(got.value).toBe('x');
    expect(scheduler.held).toEqual([]);
  });

  it('without a scheduler, calls that complete at once share one resolved promise', () => {
    const lock = new Lock();
    const sem = new Semaphore(2);
    const event = new Event();
    event.set();
    const queue = new Queue<number>();
    const first = lock.acquire();
    expect(sem.acquire()).toBe(first);
    expect(event.wait()).toBe(first);
    expect(queue.put(1)).toBe(first);
    expect(queue.join()).not.toBe(first); // one item unfinished: this one waits
  });
});
