/**
 * Scenarios for bench/explore-runs.ts that the bench config rewrites with the awaitPoints()
 * plugin (every await a switch point).
 */
import { task } from '../src/index.js';

/** A lost update hidden behind `prep` plain awaits of validation in the second task. */
export function longValidation(prep: number) {
  return async (): Promise<void> => {
    let balance = 0;
    const deposit = async (n: number, validations: number): Promise<void> => {
      for (let i = 0; i < validations; i++) await Promise.resolve();
      const v = balance;
      await Promise.resolve();
      balance = v + n;
    };
    await Promise.all([task('T1', () => deposit(1, 0)), task('T2', () => deposit(2, prep))]);
    if (balance !== 3) throw new Error(`lost update: balance ${balance}, expected 3`);
  };
}
