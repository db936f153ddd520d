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
});
