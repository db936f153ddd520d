/**
 * Named tasks: `task('producer', fn)` runs `fn` under a name that every trace event emitted from
 * inside it carries (through the tracer's `agent()`), so explanations say "producer waits for
 * Lock a" instead of "main waits for Lock a".
 *
 * The name follows `fn` across `await` through Node's `AsyncLocalStorage`. Where that does not
 * exist (a browser), the name holds only for the synchronous start of `fn`; everything else
 * still works, explanations just say `main` more often.
 *
 * Async functions started without `task()` are told apart too while a watch runs (see
 * agents.ts): {@link currentTask} names them by function and call site, and task observers hear
 * of them when they first act and when they return.
 *
 * @module
 */

/** Something that wants to know when named tasks start and end (a deadlock watch, the explorer). */
export interface TaskObserver {
  started(name: string): void;
  finished(name: string, error: unknown, failed: boolean): void;
}

/**
 * Decides when a new task's body starts. The schedule explorer installs one so that the order in
 * which tasks start is one of the interleavings it explores.
 */
export type TaskStarter = (name: string, start: () => void) => void;

import { currentUnnamed, setAgentObserver } from './agents.js';

interface Storage {
  getStore(): string | undefined;
  run<R>(store: string, fn: () => R): R;
}

const storage: Storage | undefined = loadStorage();
let syncName: string | undefined;
const observers = new Set<TaskObserver>();
let starter: TaskStarter | undefined;

function loadStorage(): Storage | undefined {
  // `process.getBuiltinModule` keeps this module loadable in a browser: no static node: import.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const hooks = proc?.getBuiltinModule?.('node:async_hooks') as
      { AsyncLocalStorage?: new () => Storage } | undefined;
    return hooks?.AsyncLocalStorage ? new hooks.AsyncLocalStorage() : undefined;
  } catch {
    return undefined;
  }
}

/** Whether task names follow `await` (true in Node; false where `AsyncLocalStorage` is missing). */
export const namesFollowAwait: boolean = storage !== undefined;

/**
 * The name of the task the caller runs in, or `undefined` outside any {@link task}. While a watch
 * (`withDeadlockTimeout`, `explore`, ...) runs, an async function started without `task()` is a
 * task of its own, named like `transfer (started at test/bank.test.ts:19:20)`.
 *
 * @example
 * ```ts
 * await task('producer', async () => {
 *   await queue.put(1);
 *   currentTask(); // 'producer' (after the await too, where namesFollowAwait is true)
 * });
 * ```
 */
export function currentTask(): string | undefined {
  const named = storage?.getStore() ?? syncName;
  // Inside a task() its name; elsewhere (the watched code itself, or explore's 'main') an
  // async function it started without task(), told apart by agents.ts while a watch is on.
  if (named !== undefined && named !== 'main') return named;
  return currentUnnamed() ?? named;
}

/**
 * Runs `fn` as a task called `name` and returns its result as a promise. Trace events emitted in
 * `fn` name this task as their agent while a testkit watch (e.g. {@link withDeadlockTimeout}) or
 * the explorer is active, and those watches know when the task is alive or finished.
 *
 * @example
 * ```ts
 * await Promise.all([
 *   task('producer', async () => { for (const x of items) await queue.put(x); }),
 *   task('consumer', async () => { for (let i = 0; i < items.length; i++) got.push(await queue.get()); }),
 * ]);
 * ```
 */
export function task<T>(name: string, fn: () => T | PromiseLike<T>): Promise<T> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`task: name must be a non-empty string, got ${String(name)}`);
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`task: fn must be a function, got ${typeof fn}`);
  }
  for (const observer of observers) observer.started(name);
  const body = (): Promise<T> => runNamed(name, fn);
  const promise =
    starter === undefined
      ? body()
      : new Promise<T>((resolve) => {
          (starter as TaskStarter)(name, () => resolve(body()));
        });
  return promise.then(
    (value) => {
      for (const observer of observers) observer.finished(name, undefined, false);
      return value;
    },
    (error: unknown) => {
      for (const observer of observers) observer.finished(name, error, true);
      throw error;
    },
  );
}

/** Runs `fn` with `name` as the current task, in whichever way this platform allows. */
export function runNamed<T>(name: string, fn: () => T | PromiseLike<T>): Promise<T> {
  const call = (): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  if (storage !== undefined) return storage.run(name, call);
  const previous = syncName;
  syncName = name;
  try {
    return call();
  } finally {
    syncName = previous;
  }
}

// Unnamed tasks (async functions started without task() under a watch) are announced to the
// same observers when they first act and when their function returns.
setAgentObserver({
  started(name) {
    for (const observer of observers) observer.started(name);
  },
  finished(name, failed) {
    for (const observer of observers) observer.finished(name, undefined, failed);
  },
});

/** Registers `observer` for task starts and ends; returns the function that removes it. */
export function observeTasks(observer: TaskObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Installs (or removes) the starter; returns the previous one. Used by the explorer. */
export function setTaskStarter(next: TaskStarter | undefined): TaskStarter | undefined {
  const previous = starter;
  starter = next;
  return previous;
}
