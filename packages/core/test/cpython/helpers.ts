// Shared pieces of the CPython ports: a "bunch" of concurrent tasks (CPython's Bunch of threads:
// here async tasks in one agent, which interleave at every await), and waiting for a condition
// instead of sleeping for a time.

/** Lets every pending task run for a while (CPython's `_wait()`, without its wall-clock sleep). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Polls `ready` until true (a hang guard, not a speed check). */
export async function until(ready: () => boolean, guardMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > guardMs) throw new Error('condition never became true');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** CPython's Bunch: `n` tasks running `f`, with the started and finished counts. */
export class Bunch {
  started = 0;
  finished = 0;
  readonly done: Promise<unknown[]>;
  constructor(f: (index: number) => Promise<unknown> | unknown, n: number) {
    this.done = Promise.all(
      Array.from({ length: n }, async (_, index) => {
        this.started++;
        try {
          return await f(index);
        } finally {
          this.finished++;
        }
      }),
    );
  }
}

/** The name of what `promise` settles with: 'resolved', or the error's name. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as Error).name;
  }
}
