/** Helpers for the in-thread primitive tests. No wall-clock assertions: only orderings. */

/** Lets every pending promise continuation run (a macrotask turn drains all microtasks). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Tracks a promise's outcome without awaiting it, so a test can check "not yet settled". */
export function track<T>(promise: Promise<T>): {
  readonly state: 'pending' | 'fulfilled' | 'rejected';
  readonly value: T | undefined;
  readonly reason: unknown;
} {
  const box = {
    state: 'pending' as 'pending' | 'fulfilled' | 'rejected',
    value: undefined as T | undefined,
    reason: undefined as unknown,
  };
  promise.then(
    (value) => {
      box.state = 'fulfilled';
      box.value = value;
    },
    (reason: unknown) => {
      box.state = 'rejected';
      box.reason = reason;
    },
  );
  return box;
}
