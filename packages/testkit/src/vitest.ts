/**
 * Vitest matchers. Import once, e.g. in a setup file or at the top of a test:
 * `import '@baton/testkit/vitest';`. Each matcher is the plain assertion of the same name in
 * `@baton/testkit`, with the same message.
 *
 * @module
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { DeadlockError, withDeadlockTimeout, type DeadlockTimeoutOptions } from './deadlock.js';
import { checkDrained, type DrainableQueue, type DrainedOptions } from './drained.js';
import { checkExactlyOnce, describeExactlyOnce } from './exactly-once.js';
import { LockOrderChecker } from './lock-order.js';
import {
  checkCapacity,
  checkHappensBefore,
  type CapacityOptions,
  type HappensBeforeOptions,
} from './happens-before.js';
import { checkInOrder, checkInterleaving, checkPerProducerOrder, type Sequences } from './order.js';
import type { EventLog, EventPattern } from './recorder.js';

/** Options of `toDeadlock()`. */
export interface ToDeadlockOptions extends Partial<DeadlockTimeoutOptions> {
  /** The agents expected on the wait-for cycle (any rotation). */
  cycle?: readonly string[];
}

interface BatonMatchers<R = unknown> {
  /** The received items contain every `expected` item exactly once (any order). */
  toConsumeExactlyOnce<T>(expected: Iterable<T>, key?: (item: T) => unknown): R;
  /** The received items are exactly `produced`, in the same order (FIFO). */
  toBeConsumedInOrder<T>(produced: Iterable<T>, key?: (item: T) => unknown): R;
  /** Each producer's items appear in the received items in that producer's order. */
  toPreservePerProducerOrder<T>(produced: Sequences<T>, key?: (item: T) => unknown): R;
  /** The received items are a valid interleaving of `sequences`. */
  toBeInterleavingOf<T>(
    sequences: Sequences<T> | readonly (readonly T[])[],
    key?: (item: T) => unknown,
  ): R;
  /** In the received event log, `before` events come before `after` events. */
  toSatisfyHappensBefore<V>(
    before: EventPattern<V>,
    after: EventPattern<V>,
    options?: HappensBeforeOptions<V>,
  ): R;
  /** In the received event log, never more than `max` are between `enter` and `exit`. */
  toRespectCapacity<V>(options: CapacityOptions<V>): R;
  /** The received queue is closed, empty and unwaited, and every consumer finished. Await it. */
  toBeDrained(options?: DrainedOptions): Promise<R>;
  /**
   * The received promise (or function, which is run under a deadlock watch) resolves within
   * `ms`; otherwise fails with the wait-for graph. Await it.
   */
  toResolveWithin(ms: number | DeadlockTimeoutOptions): Promise<R>;
  /** The received function deadlocks (or stalls). Await it. */
  toDeadlock(options?: ToDeadlockOptions): Promise<R>;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends BatonMatchers<T> {}
}

type Result = { pass: boolean; message: () => string };

function verdict(problem: string | undefined, negated: string): Result {
  return {
    pass: problem === undefined,
    message: () => problem ?? negated,
  };
}

expect.extend({
  toConsumeExactlyOnce(
    received: Iterable<unknown>,
    expected: Iterable<unknown>,
    key?: (item: unknown) => unknown,
  ) {
    const report = checkExactlyOnce(expected, received, key);
    return verdict(
      report.ok ? undefined : describeExactlyOnce(report),
      'expected items not to be consumed exactly once, but they were',
    );
  },
  toBeConsumedInOrder(
    received: Iterable<unknown>,
    produced: Iterable<unknown>,
    key?: (item: unknown) => unknown,
  ) {
    return verdict(
      checkInOrder(produced, received, key),
      'expected items not to be consumed in the order they were put, but they were',
    );
  },
  toPreservePerProducerOrder(
    received: Iterable<unknown>,
    produced: Sequences<unknown>,
    key?: (item: unknown) => unknown,
  ) {
    return verdict(
      checkPerProducerOrder(produced, received, key),
      "expected some producer's items out of order, but each producer's order was kept",
    );
  },
  toBeInterleavingOf(
    received: Iterable<unknown>,
    sequences: Sequences<unknown> | readonly (readonly unknown[])[],
    key?: (item: unknown) => unknown,
  ) {
    return verdict(
      checkInterleaving(received, sequences, key),
      'expected items not to be an interleaving of the sequences, but they are',
    );
  },
  toSatisfyHappensBefore(
    received: EventLog<unknown>,
    before: EventPattern<unknown>,
    after: EventPattern<unknown>,
    options?: HappensBeforeOptions<unknown>,
  ) {
    return verdict(
      checkHappensBefore(received, before, after, options),
      'expected the order to be broken somewhere, but it held',
    );
  },
  toRespectCapacity(received: EventLog<unknown>, options: CapacityOptions<unknown>) {
    return verdict(
      checkCapacity(received, options),
      `expected more than ${options.max} in flight at some point, but there never were`,
    );
  },
  async toBeDrained(received: DrainableQueue, options?: DrainedOptions) {
    return verdict(
      await checkDrained(received, options),
      'expected the queue not to be drained, but it is closed, empty, and every consumer finished',
    );
  },
  async toResolveWithin(received: unknown, ms: number | DeadlockTimeoutOptions) {
    const run =
      typeof received === 'function'
        ? (received as (signal: AbortSignal) => unknown)
        : () => received as PromiseLike<unknown>;
    if (typeof received !== 'function' && !isThenable(received)) {
      throw new TypeError(
        `toResolveWithin: expected a promise or a function, got ${typeof received}`,
      );
    }
    try {
      await withDeadlockTimeout(run, ms);
    } catch (error) {
      if (error instanceof DeadlockError) {
        const hint =
          typeof received === 'function'
            ? ''
            : '\n(given a promise, only what happened after the watch began is known: pass a function that starts the work to see all of it)';
        return verdict(error.message + hint, '');
      }
      throw error;
    }
    const limit = typeof ms === 'number' ? ms : ms.ms;
    return verdict(undefined, `expected not to resolve within ${limit} ms, but it did`);
  },
  async toDeadlock(received: unknown, options: ToDeadlockOptions = {}) {
    if (typeof received !== 'function') {
      throw new TypeError(`toDeadlock: expected a function, got ${typeof received}`);
    }
    const { cycle, ...watch } = options;
    try {
      await withDeadlockTimeout(received as (signal: AbortSignal) => unknown, {
        lockOrder: false,
        ...watch,
        ms: watch.ms ?? 5000,
      });
    } catch (error) {
      if (!(error instanceof DeadlockError)) throw error;
      if (cycle !== undefined && !sameCycle(cycle, error.cycle ?? [])) {
        return verdict(
          `expected a deadlock with the cycle ${cycle.join(' -> ')}, but got ${error.cycle?.join(' -> ') ?? 'no cycle'}:\n${error.message}`,
          '',
        );
      }
      return verdict(undefined, `expected no deadlock, but got one:\n${error.message}`);
    }
    return verdict('expected a deadlock, but the scenario finished', '');
  },
});

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Whether `actual` is `expected` up to rotation. */
function sameCycle(expected: readonly string[], actual: readonly string[]): boolean {
  if (expected.length !== actual.length) return false;
  if (expected.length === 0) return true;
  const start = actual.indexOf(expected[0] as string);
  if (start === -1) return false;
  return expected.every((name, i) => actual[(start + i) % actual.length] === name);
}

/**
 * Checks lock order in every test of the calling file (or `describe` block): a test that takes
 * two locks in opposite orders anywhere fails after it ends with a `LockOrderError`, even if it
 * never hung. Call it at the top level of a test file or inside a `describe`.
 *
 * @example
 * ```ts
 * import { checkLockOrderInEachTest } from '@baton/testkit/vitest';
 * checkLockOrderInEachTest();
 * it('transfers', async () => { ... }); // fails if accounts/audit are taken in both orders
 * ```
 */
export function checkLockOrderInEachTest(): void {
  let checker: LockOrderChecker | undefined;
  let stop: (() => void) | undefined;
  beforeEach(() => {
    checker = new LockOrderChecker();
    stop = checker.watch();
  });
  afterEach(() => {
    stop?.();
    stop = undefined;
    const done = checker;
    checker = undefined;
    done?.assert();
  });
}
