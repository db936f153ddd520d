/**
 * The planted bugs of the suite's in-thread explorations (the plain-await races, the lesson's
 * deadlock, lost updates across switch points, a lost wake-up, a condition checked with `if`),
 * shared by the tests and by bench/explore-runs.ts (which measures how many runs each needs over
 * many seeds, for the README).
 */
import { Condition, Lock, Queue, Semaphore } from '@baton/core';
import { checkpoint, task } from '../src/index.js';

/** Two or three deposits, each a read, a plain `await`, a write: the lost update. */
export function deposits(count: number) {
  return async (): Promise<void> => {
    let balance = 0;
    const deposit = async (n: number): Promise<void> => {
      const v = balance;
      await Promise.resolve();
      balance = v + n;
    };
    const amounts = [1, 2, 4].slice(0, count);
    await Promise.all(amounts.map((n, i) => task(`T${i + 1}`, () => deposit(n))));
    const expected = amounts.reduce((a, b) => a + b, 0);
    if (balance !== expected)
      throw new Error(`lost update: balance ${balance}, expected ${expected}`);
  };
}

/** The same with no task() at all: anonymous async functions under Promise.all. */
export async function anonymousDeposits(): Promise<void> {
  let balance = 0;
  const deposit = async (n: number): Promise<void> => {
    const v = balance;
    await Promise.resolve();
    balance = v + n;
  };
  await Promise.all([deposit(1), deposit(2)]);
  if (balance !== 3) throw new Error(`lost update: balance ${balance}, expected 3`);
}

/**
 * Races the natural order hides: the first task finishes its read-modify-write before the later
 * ones read, because the i-th one first validates i times (`prep` plain awaits each), so a plain
 * run always passes. Only an interleaving that starts a later task first, and the first one
 * while the later one is between its awaits, loses an update. The read goes through an awaited
 * helper that itself awaits.
 */
export function hiddenDeposits(count: number, prep = 2) {
  return async (): Promise<void> => {
    let balance = 0;
    const read = async (): Promise<number> => {
      await Promise.resolve();
      return balance;
    };
    const validate = async (): Promise<void> => {
      for (let i = 0; i < prep; i++) await Promise.resolve();
    };
    const deposit = async (n: number, index: number): Promise<void> => {
      for (let i = 0; i < index; i++) await validate();
      const v = await read();
      await Promise.resolve();
      balance = v + n;
    };
    const amounts = [1, 2, 4].slice(0, count);
    await Promise.all(amounts.map((n, i) => task(`T${i + 1}`, () => deposit(n, i))));
    const expected = amounts.reduce((a, b) => a + b, 0);
    if (balance !== expected)
      throw new Error(`lost update: balance ${balance}, expected ${expected}`);
  };
}

/** The hidden race done right: a Lock around the read-modify-write. */
export function lockedDeposits(count: number) {
  return async (): Promise<void> => {
    let balance = 0;
    const lock = new Lock({ name: 'balance' });
    const read = async (): Promise<number> => {
      await Promise.resolve();
      return balance;
    };
    const deposit = async (n: number, index: number): Promise<void> => {
      for (let i = 0; i < 2 * index; i++) await Promise.resolve();
      using _ = await lock.lock();
      const v = await read();
      await Promise.resolve();
      balance = v + n;
    };
    const amounts = [1, 2, 4].slice(0, count);
    await Promise.all(amounts.map((n, i) => task(`T${i + 1}`, () => deposit(n, i))));
    const expected = amounts.reduce((a, b) => a + b, 0);
    if (balance !== expected)
      throw new Error(`lost update: balance ${balance}, expected ${expected}`);
  };
}

/** The lesson's deadlock: two tasks take two locks in opposite orders. */
export async function twoLocks(): Promise<void> {
  const a = new Lock({ name: 'a' });
  const b = new Lock({ name: 'b' });
  await Promise.all([
    task('A', async () => {
      await a.acquire();
      await checkpoint();
      await b.acquire();
      b.release();
      a.release();
    }),
    task('B', async () => {
      await b.acquire();
      await checkpoint();
      await a.acquire();
      a.release();
      b.release();
    }),
  ]);
}

/** A read-modify-write counter without a lock: increments can be lost. */
export async function counter(): Promise<void> {
  let n = 0;
  const increment = async (): Promise<void> => {
    const v = n;
    await checkpoint();
    n = v + 1;
  };
  await Promise.all([task('A', increment), task('B', increment)]);
  if (n !== 2) throw new Error(`lost update: n = ${n}, expected 2`);
}

/**
 * The lesson's deadlock with no `checkpoint()`: an acquire that succeeds at once is a switch
 * point of its own, so B can take b between A's two acquires.
 */
export async function twoLocksBare(): Promise<void> {
  const a = new Lock({ name: 'a' });
  const b = new Lock({ name: 'b' });
  await Promise.all([
    task('A', async () => {
      await a.acquire();
      await b.acquire();
      b.release();
      a.release();
    }),
    task('B', async () => {
      await b.acquire();
      await a.acquire();
      a.release();
      b.release();
    }),
  ]);
}

/**
 * A read-modify-write across an uncontended acquire, with no `checkpoint()`: a semaphore of 2
 * lets both tasks in, so the increment is not protected and one update can be lost. `core` is the
 * copy of core whose Semaphore it uses (test/two-cores.test.ts passes a second copy).
 */
export function semaphoreCounterOf(core: { Semaphore: typeof Semaphore }) {
  return async (): Promise<void> => {
    let n = 0;
    const sem = new core.Semaphore(2, { name: 'two' });
    const increment = async (): Promise<void> => {
      const v = n;
      await sem.acquire();
      n = v + 1;
      sem.release();
    };
    await Promise.all([task('A', increment), task('B', increment)]);
    if (n !== 2) throw new Error(`lost update: n = ${n}, expected 2`);
  };
}

/** {@link semaphoreCounterOf} with this copy of core. */
export const semaphoreCounter = semaphoreCounterOf({ Semaphore });

/** The same race across a `get` that finds an item at once. */
export async function queueCounter(): Promise<void> {
  let n = 0;
  const tickets = new Queue<number>({ name: 'tickets' });
  await tickets.put(1);
  await tickets.put(2);
  const increment = async (): Promise<void> => {
    const v = n;
    await tickets.get();
    n = v + 1;
  };
  await Promise.all([task('A', increment), task('B', increment)]);
  if (n !== 2) throw new Error(`lost update: n = ${n}, expected 2`);
}

/**
 * A semaphore used as a signal but released only when the waiter "is already waiting": the check
 * races with the wait, so some interleavings never release (a lost wake-up, a deadlock).
 */
export async function lostWakeUp(): Promise<void> {
  const signal = new Semaphore(0, { name: 'ready' });
  let waiting = false;
  await Promise.all([
    task('waiter', async () => {
      await checkpoint();
      waiting = true;
      await signal.acquire();
    }),
    task('signaller', async () => {
      await checkpoint();
      if (waiting) signal.release();
    }),
  ]);
}

/**
 * Two consumers wait on a condition checked with `if` instead of `while`: one woken after the
 * other took the item finds the list empty. `pause` adds a checkpoint() in the producer.
 */
export function conditionIf(pause: boolean) {
  return async (): Promise<void> => {
    const items: number[] = [];
    const notEmpty = new Condition(undefined, { name: 'not_empty' });
    const consume = async () => {
      await notEmpty.acquire();
      try {
        if (items.length === 0) await notEmpty.wait(); // the bug: `while` is needed
        if (items.shift() === undefined) throw new Error('took from an empty list');
      } finally {
        notEmpty.release();
      }
    };
    const produce = async () => {
      for (const x of [1, 2]) {
        await notEmpty.runExclusive(async () => {
          // Another consumer may queue for the lock here; without the checkpoint, the
          // switch point is the uncontended acquire of runExclusive.
          if (pause) await checkpoint();
          items.push(x);
          notEmpty.notify();
        });
      }
    };
    await Promise.all([task('c1', consume), task('c2', consume), task('producer', produce)]);
  };
}
