// Helpers for the worker_threads suites: start fixture workers, wait for their messages, and
// terminate every one of them after each test.
import { Worker } from 'node:worker_threads';
import { type SharedRegistry, sharedRegistry } from '../../src/index.js';
import { H_NEXT_AGENT } from '../../src/shared/registry/layout.js';

const started = new Set<Worker>();

/**
 * Makes the next agent that joins `registry` get id `next`, as if the agents before it had come
 * and gone (a process that started some 300 workers, without starting them): this thread takes
 * its own id (1 in a new registry) first. The registry hands out ids from one counter.
 */
export function skipAgentIds(registry: SharedRegistry, next: number): void {
  void registry.agentId;
  Atomics.store(new Int32Array(registry.buffer), H_NEXT_AGENT, next - 1);
}

/** Starts `fixtures/<name>.mjs` with `data` as its workerData. */
export function startWorker(name: string, data: unknown): Worker {
  const worker = new Worker(new URL(`./fixtures/${name}.mjs`, import.meta.url), {
    workerData: data,
  });
  started.add(worker);
  // Agents of a worker that exits (or is terminated) are marked exited in the registry, so a
  // test's stuck workers do not show up in the next test's deadlock reports.
  sharedRegistry().watchWorker(worker);
  worker.once('exit', () => started.delete(worker));
  return worker;
}

/** Resolves with the worker's next message; rejects if it errors or exits first. */
export function nextMessage<T = unknown>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: T): void => {
      cleanup();
      resolve(message);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`worker exited with code ${code} before sending a message`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** Terminates every worker still running (call in afterEach). */
export async function terminateAll(): Promise<void> {
  await Promise.all([...started].map((worker) => worker.terminate()));
  started.clear();
}

/** Polls `find` (a hang guard, not a speed assertion) until it returns something. */
export async function eventually<T>(find: () => T | undefined, guardMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() - start > guardMs) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolves with the first message of `worker` that has `key: true`, or 'exited' if it exits
 * first; rejects if it errors.
 */
export function messageWith(
  worker: Worker,
  key: string,
): Promise<Record<string, unknown> | 'exited'> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>): void => {
      if (m[key] === true) {
        worker.off('message', onMessage);
        resolve(m);
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', () => resolve('exited'));
  });
}

/** A tiny seeded generator (`n` -> 0 .. n-1), so a failing run can be replayed from its seed. */
export function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

/** Resolves with `promise`, or rejects with "hung" after `guardMs` (a hang guard, not a speed check). */
export function guarded<T>(promise: Promise<T>, what: string, guardMs = 20_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: hung (no answer in ${guardMs} ms)`)),
      guardMs,
    );
  });
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}
