/**
 * The plain-await races of the suite, shared by the tests and by bench/explore-runs.ts (which
 * measures how many runs each needs over many seeds, for the README).
 */
import { Lock } from '@baton/core';
import { task } from '../src/index.js';

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
