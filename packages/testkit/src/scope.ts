/**
 * Which watch the running code belongs to, and which timers it has pending.
 *
 * A watch (e.g. {@link withDeadlockTimeout}) runs its function inside a scope. Tasks started and
 * timers set from inside the scope belong to that watch, so two watches running at once (say,
 * concurrent tests) never count each other's tasks. Quiescence needs the timers: a blocked task
 * may still be woken by a pending `setTimeout` (Go's `testing/synctest` makes the same check).
 * Both rely on Node's `AsyncLocalStorage` and `async_hooks`; elsewhere a scope is not tracked
 * and quiescence is off.
 *
 * @module
 */

import { runBody } from './agents.js';

interface Storage<S> {
  getStore(): S | undefined;
  run<R>(store: S, fn: () => R): R;
  exit<R>(fn: () => R): R;
}

interface AsyncHooks {
  AsyncLocalStorage: new <S>() => Storage<S>;
  createHook(callbacks: { init?(id: number, type: string): void; destroy?(id: number): void }): {
    enable(): unknown;
    disable(): unknown;
  };
}

/** A watch's scope: its pending timers. */
export class Scope {
  /** Whether the watched function was started in it (the first {@link runInScope}). */
  bodyStarted = false;
  /** Async ids of `setTimeout` / `setInterval` timers created in the scope and not yet done. */
  readonly timers = new Set<number>();
  /**
   * Async ids of the `Worker`s started in the scope whose handle is not yet gone (it goes after
   * the worker's `exit` event): the explorer steers them through core's gate.
   */
  readonly workers = new Set<number>();
  /** Set by {@link closeScope}. */
  closed = false;
  /** Called when the last pending timer is done (a watch re-checks for quiescence then). */
  onTimersDone: (() => void) | undefined;
}

const hooks = loadHooks();
const storage: Storage<Scope> | undefined = hooks
  ? new hooks.AsyncLocalStorage<Scope>()
  : undefined;
const owners = new Map<number, Scope>();
let active = 0;
const timerHook = hooks?.createHook({
  init(id, type) {
    if (type !== 'Timeout' && type !== 'WORKER') return;
    const scope = storage?.getStore();
    if (scope === undefined) return;
    (type === 'WORKER' ? scope.workers : scope.timers).add(id);
    owners.set(id, scope);
  },
  destroy(id) {
    const scope = owners.get(id);
    if (scope === undefined) return;
    owners.delete(id);
    scope.workers.delete(id);
    scope.timers.delete(id);
    // Destroy hooks may run late (after a clearTimeout): whoever skipped a check because of
    // this timer must look again. Deferred so no user code runs inside the hook itself.
    if (scope.timers.size === 0 && scope.onTimersDone !== undefined) {
      queueMicrotask(() => scope.onTimersDone?.());
    }
  },
});

function loadHooks(): AsyncHooks | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.('node:async_hooks') as AsyncHooks | undefined;
  } catch {
    return undefined;
  }
}

/** Whether scopes (and so quiescence detection) work on this platform. */
export const scopesTracked: boolean = storage !== undefined;

/** Opens a scope: timers set inside it are tracked until {@link closeScope}. */
export function openScope(): Scope {
  if (storage !== undefined && active++ === 0) timerHook?.enable();
  return new Scope();
}

/**
 * Runs `fn` inside `scope`. The first call for a scope starts the watched function itself: its
 * own promise stays the root (`main`) and the async functions it calls are told apart (see
 * agents.ts).
 */
export function runInScope<R>(scope: Scope, fn: () => R): R {
  if (storage === undefined) return fn();
  if (scope.bodyStarted) return storage.run(scope, fn);
  scope.bodyStarted = true;
  return storage.run(scope, () => runBody(fn));
}

/** Stops tracking `scope` once its watch is over. */
export function closeScope(scope: Scope): void {
  if (storage === undefined || scope.closed) return;
  scope.closed = true;
  for (const id of scope.timers) owners.delete(id);
  for (const id of scope.workers) owners.delete(id);
  scope.timers.clear();
  scope.workers.clear();
  if (--active === 0) timerHook?.disable();
}

/** The scope the caller runs in, if any. */
export function currentScope(): Scope | undefined {
  return storage?.getStore();
}

/** Runs `fn` outside every scope, so the watch's own timers are not counted as the user's. */
export function outsideScope<R>(fn: () => R): R {
  return storage === undefined ? fn() : storage.exit(fn);
}
