// The waiting loops of base.ts (blockSync / blockAsync) in one agent: whatever way a wait ends,
// the registry's record of it (what snapshot() shows) must end with it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClosedError, SharedQueue, SharedSemaphore, snapshot } from '../../src/index.js';
import {
  canBlock,
  HINTS_PER_ATTEMPT,
  MIN_SPIN,
  SPIN,
  spin,
  SpinBudget,
} from '../../src/shared/wait.js';
import { sleepSync, type Sleep } from '../../src/shared/queue/sleep.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The name of what this agent waits on now, according to the shared registry. */
function waitingOn(name: string): string | undefined {
  return snapshot().agents.find((a) => a.waitingOn?.primitive.name === name)?.waitingOn?.op;
}

describe('blockSync', () => {
  it('ends its registry wait record when the blocking wait itself throws', () => {
    expect(canBlock()).toBe(true); // probe (and cache) before Atomics.wait is replaced
    const queue = new SharedQueue<number>({ capacity: 2, codec: 'int32', name: 'throwing-wait' });
    const failure = new Error('Atomics.wait failed');
    vi.spyOn(Atomics, 'wait').mockImplementation(() => {
      throw failure;
    });
    expect(() => queue.getSync({ timeout: 10_000 })).toThrow(failure);
    vi.restoreAllMocks();
    // The failed getSync no longer waits; a stale record would show it waiting forever (and
    // make findDeadlock() blame an agent that is running).
    expect(waitingOn('throwing-wait')).toBeUndefined();
    // The queue still works, and the announce bit left behind costs at most one spurious notify.
    queue.putSync(7);
    expect(queue.getSync()).toBe(7);
  });

  it('ends its registry wait record when a counted wait (a semaphore) throws', () => {
    expect(canBlock()).toBe(true);
    const semaphore = new SharedSemaphore(0, { name: 'throwing-acquire' });
    vi.spyOn(Atomics, 'wait').mockImplementation(() => {
      throw new Error('Atomics.wait failed');
    });
    expect(() => semaphore.acquireSync({ timeout: 10_000 })).toThrow('Atomics.wait failed');
    vi.restoreAllMocks();
    expect(waitingOn('throwing-acquire')).toBeUndefined();
    semaphore.release();
    semaphore.acquireSync();
  });
});

describe('SharedQueue close({ immediate: true })', () => {
  it('fails every kind of get at once, with items left, and keeps failing', async () => {
    for (const codec of ['float64', 'int32', 'utf8'] as const) {
      const queue = new SharedQueue<number | string>({ capacity: 4, codec });
      const item = codec === 'utf8' ? 'x' : 1;
      queue.putSync(item);
      queue.putSync(item);
      queue.close({ immediate: true });
      expect(queue.size).toBe(0);
      expect(queue.closed).toBe(true);
      expect(() => queue.tryGet()).toThrow(ClosedError);
      expect(() => queue.getSync()).toThrow(ClosedError);
      expect(() => queue.getManySync(4)).toThrow(ClosedError);
      await expect(queue.get()).rejects.toThrow(ClosedError);
      await expect(queue.getMany(2)).rejects.toThrow(ClosedError);
      expect(() => queue.tryPut(item)).toThrow(ClosedError);
      queue.close(); // a later plain close changes nothing
      expect(queue.size).toBe(0);
      expect(() => queue.tryGet()).toThrow(ClosedError);
    }
  });
});

describe('SpinBudget', () => {
  it('halves after each spin that ends in a sleep and doubles after each that succeeds', () => {
    const budget = new SpinBudget();
    expect(budget.limit).toBe(SPIN);
    let tries = 0;
    const never = (): boolean => {
      tries++;
      return false;
    };
    expect(spin(never, budget)).toBe(false);
    expect(tries).toBe(SPIN);
    expect(budget.limit).toBe(SPIN / 2);
    for (let i = 0; i < 20; i++) spin(never, budget);
    expect(budget.limit).toBe(MIN_SPIN);
    tries = 0;
    expect(spin(never, budget)).toBe(false);
    expect(tries).toBe(MIN_SPIN);
    // Succeeds on the third try: the budget grows back, never beyond SPIN.
    let calls = 0;
    const third = (): boolean => ++calls % 3 === 0;
    expect(spin(third, budget)).toBe(true);
    expect(budget.limit).toBe(MIN_SPIN * 2);
    for (let i = 0; i < 20; i++) spin(third, budget);
    expect(budget.limit).toBe(SPIN);
  });

  it('with a ready hint, attempts only when the hint says so, and a bounded number of times', () => {
    const budget = new SpinBudget();
    budget.limit = MIN_SPIN; // the hinted spin is not shortened by earlier sleeps
    let hints = 0;
    let attempts = 0;
    const attempt = (): boolean => {
      attempts++;
      return attempts === 3;
    };
    // Ready on every 10th check: the third attempt (the 30th check) succeeds.
    expect(spin(attempt, budget, () => ++hints % 10 === 0)).toBe(true);
    expect([hints, attempts]).toEqual([30, 3]);
    // Never ready: no attempt at all, and the spin ends after its checks (then the caller
    // sleeps, and the sleep attempts regardless).
    hints = 0;
    attempts = 0;
    expect(spin(attempt, budget, () => (hints++, false))).toBe(false);
    expect([hints, attempts]).toEqual([SPIN * HINTS_PER_ATTEMPT, 0]);
    expect(budget.limit).toBe(MIN_SPIN);
  });

  it('with patience, checks the hint that many times, then spins its budget without it', () => {
    const budget = new SpinBudget();
    budget.limit = MIN_SPIN;
    let hints = 0;
    let attempts = 0;
    const never = (): boolean => (hints++, false);
    // Succeeds on the 5th attempt: all of them after the patience, none hinted.
    const fifth = (): boolean => ++attempts === 5;
    expect(spin(fifth, budget, never, false, 16)).toBe(true);
    expect([hints, attempts]).toEqual([16, 5]);
    expect(budget.limit).toBe(MIN_SPIN * 2); // a budgeted spin that succeeded grows
    // Never succeeds: the patience's checks, then the budget's attempts, then it shrinks.
    hints = 0;
    attempts = 0;
    expect(spin(() => (attempts++, false), budget, never, false, 16)).toBe(false);
    expect([hints, attempts]).toEqual([16, MIN_SPIN * 2]);
    expect(budget.limit).toBe(MIN_SPIN);
    // Ready within the patience: the hinted attempt succeeds, the budget is not touched.
    hints = 0;
    expect(
      spin(
        () => true,
        budget,
        () => ++hints === 3,
        false,
        16,
      ),
    ).toBe(true);
    expect(hints).toBe(3);
    expect(budget.limit).toBe(MIN_SPIN);
  });
});

describe('a blocking queue wait settles its spin by how its first sleep ends', () => {
  /** A Sleep on a word of its own that succeeds on attempt number `success`. */
  function sleepOn(budget: SpinBudget, success: number): Sleep & { attempts: number } {
    const cells = new Int32Array(new SharedArrayBuffer(8));
    const op = {
      cells,
      word: 0,
      sleepers: 1,
      spin: budget,
      attempts: 0,
      attempt: () => ++op.attempts >= success,
      stalled: () => false,
      detail: () => undefined,
    };
    return op;
  }
  const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name: 'settled-spin' });

  it('leaves the budget alone when the spin fails, for the sleep to settle', () => {
    const budget = new SpinBudget();
    budget.limit = 64;
    expect(spin(() => false, budget, undefined, true)).toBe(false);
    expect(budget.limit).toBe(64);
    budget.afterSleep(true);
    expect(budget.limit).toBe(128);
    budget.afterSleep(false);
    budget.afterSleep(false);
    expect(budget.limit).toBe(32);
    budget.afterSleep(false);
    expect(budget.limit).toBe(MIN_SPIN);
    for (let i = 0; i < 20; i++) budget.afterSleep(true);
    expect(budget.limit).toBe(SPIN);
  });

  it('grows the spin when the operation succeeds right after it (the partner was nearly there)', () => {
    const budget = new SpinBudget();
    budget.limit = 64;
    // Fails through the spin's 64 attempts, succeeds in the re-check after the announce.
    const op = sleepOn(budget, 65);
    sleepSync(queue, op, 'get', { timeout: Infinity, deadline: Infinity, signal: undefined }, 'x');
    expect(op.attempts).toBe(65);
    expect(budget.limit).toBe(128);
    expect(Atomics.load(op.cells, op.sleepers)).toBe(0);
  });

  it('settles the spin after a hinted spin with patience too (it spun its budget)', () => {
    const budget = new SpinBudget();
    budget.limit = 64;
    // Never ready: 8 checks, then 64 failed attempts; the re-check after the announce succeeds.
    const op = { ...sleepOn(budget, 65), ready: () => false, patience: 8 };
    op.attempt = () => ++op.attempts >= 65;
    sleepSync(queue, op, 'get', { timeout: Infinity, deadline: Infinity, signal: undefined }, 'x');
    expect(op.attempts).toBe(65);
    expect(budget.limit).toBe(128);
  });

  it('shrinks the spin when its sleep had to time out (nobody woke it)', () => {
    const budget = new SpinBudget();
    budget.limit = 64;
    // Fails through the spin and the re-check; the sleep times out (Atomics.wait says so at
    // once here: nobody notifies this word), and the attempt after it succeeds.
    const op = sleepOn(budget, 66);
    const wait = { timeout: 1_000, deadline: performance.now() + 1_000, signal: undefined };
    vi.spyOn(Atomics, 'wait').mockImplementation(() => 'timed-out');
    sleepSync(queue, op, 'get', wait, 'x');
    expect(op.attempts).toBe(66);
    expect(budget.limit).toBe(32);
  });
});
