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
