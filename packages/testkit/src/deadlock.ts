/**
 * Deadlock timeouts that explain themselves: {@link withDeadlockTimeout} runs a function with
 * tracing on and, if it does not finish in time (or, sooner, once every task it started is
 * blocked and no timer is pending), fails with a {@link DeadlockError} whose message is the
 * wait-for graph.
 *
 * @module
 */
import { analyseWaits, BatonError } from '@baton/core';
import { duration } from './format.js';
import { formatWaitFor } from './explain.js';
import { subscribe } from './hub.js';
import { LockOrderChecker } from './lock-order.js';
import {
  closeScope,
  currentScope,
  openScope,
  outsideScope,
  runInScope,
  scopesTracked,
  type Scope,
} from './scope.js';
import {
  findSharedDeadlock,
  SharedStall,
  sharedBaseline,
  sharedGraph,
  sharedRegistryAvailable,
} from './shared.js';
import { observeTasks } from './task.js';
import { WaitForTracker, type WaitForGraph } from './wait-for.js';

/**
 * Why a watched function was declared stuck: `'quiescence'` (every task blocked, no timer
 * pending, and every worker in the shared registry blocked in a wait without a timeout),
 * `'shared'` (a cycle or an abandoned lock among workers, read from the shared registry, that
 * no wait's timeout will break), or `'timeout'`.
 */
export type DeadlockReason = 'timeout' | 'quiescence' | 'shared';

/**
 * The watched code made no progress; the message is the wait-for graph.
 *
 * @example
 * ```ts
 * try {
 *   await withDeadlockTimeout(scenario, 1000);
 * } catch (error) {
 *   if (error instanceof DeadlockError) console.log(error.reason, error.cycle); // 'quiescence', ['A', 'B']
 * }
 * ```
 */
export class DeadlockError extends BatonError {
  static {
    this.prototype.name = 'DeadlockError';
  }
  /** See {@link DeadlockReason}. */
  readonly reason: DeadlockReason;
  /** The in-thread wait-for graph when it was declared stuck. */
  readonly graph: WaitForGraph;
  /** The workers' wait-for graph from the shared registry, when any agent there waited. */
  readonly shared: WaitForGraph | undefined;
  /** The agents on the wait-for cycle (in-thread first, else across workers), in order. */
  readonly cycle: readonly string[] | undefined;
  constructor(message: string, reason: DeadlockReason, graph: WaitForGraph, shared?: WaitForGraph) {
    super(message);
    this.reason = reason;
    this.graph = graph;
    this.shared = shared;
    this.cycle = (analyseWaits(graph).cycle ?? (shared && analyseWaits(shared).cycle))?.map(
      (edge) => edge.from,
    );
  }
}

/** Options of {@link withDeadlockTimeout}. */
export interface DeadlockTimeoutOptions {
  /** How long to wait before giving up, in milliseconds. */
  ms: number;
  /**
   * Fail as soon as every task started with `task()` is blocked on a primitive and no timer set
   * inside is pending (and, when workers use shared primitives, every worker is blocked in a
   * wait without a timeout), instead of waiting out `ms`. Default: on where Node's
   * `async_hooks` exist.
   */
  quiescence?: boolean;
  /** Capture where each lock was acquired and each wait began (default `true`). */
  stacks?: boolean;
  /** Also fail with `LockOrderError` if locks were taken in opposite orders (default `true`). */
  lockOrder?: boolean;
  /**
   * Read the shared registry (workers and shared primitives): fail as soon as it shows a cycle or
   * an abandoned lock, and add the workers' waits to a timeout's explanation (default `true`).
   */
  shared?: boolean;
}

/** How often the shared registry is read while a watch runs, in milliseconds. */
const SHARED_POLL = 20;

/**
 * Runs `fn` and returns its result, or rejects with a {@link DeadlockError} that explains who
 * waits for whom once `ms` have passed, or at once when every task is blocked. `fn` receives an
 * `AbortSignal` that is aborted (with that error) when the watch gives up, so it can pass it to
 * its waits and leave nothing hanging.
 *
 * Name the concurrent parts with `task(name, fn)` so the explanation can name them.
 *
 * @example
 * ```ts
 * await withDeadlockTimeout(async () => {
 *   await Promise.all([
 *     task('A', async () => { await a.acquire(); await b.acquire(); }),
 *     task('B', async () => { await b.acquire(); await a.acquire(); }),
 *   ]);
 * }, { ms: 1000 });
 * // DeadlockError: deadlock: every task is blocked and no timer is pending ...
 * //   A waits for Lock b since 0 ms (at test/x.test.ts:4:45), held by B since 0 ms ...
 * ```
 */
export function withDeadlockTimeout<T>(
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
  options: number | DeadlockTimeoutOptions,
): Promise<T> {
  const opts = typeof options === 'number' ? { ms: options } : options;
  if (typeof fn !== 'function') {
    throw new TypeError(`withDeadlockTimeout: fn must be a function, got ${typeof fn}`);
  }
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError('withDeadlockTimeout: options must be a number of milliseconds or { ms }');
  }
  if (typeof opts.ms !== 'number' || !(opts.ms > 0)) {
    throw new RangeError(
      `withDeadlockTimeout: ms must be a positive number, got ${String(opts.ms)}`,
    );
  }
  return new Watch(opts).run(fn);
}

/** One watched run: the tracker, the scope, the timer and the quiescence check. */
class Watch {
  readonly #tracker = new WaitForTracker();
  readonly #lockOrder: LockOrderChecker | undefined;
  readonly #scope: Scope;
  readonly #controller = new AbortController();
  readonly #ms: number;
  readonly #quiescence: boolean;
  readonly #stacks: boolean;
  readonly #shared: boolean;
  #checking = false;
  /** Trace events seen in the scope: any of them may have woken a worker. */
  #events = 0;
  #fail: ((error: DeadlockError) => void) | undefined;

  constructor(options: DeadlockTimeoutOptions) {
    this.#ms = options.ms;
    this.#quiescence = (options.quiescence ?? true) && scopesTracked;
    this.#stacks = options.stacks ?? true;
    this.#shared = (options.shared ?? true) && sharedRegistryAvailable;
    this.#lockOrder = options.lockOrder === false ? undefined : new LockOrderChecker();
    this.#scope = openScope();
  }

  async run<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T> {
    const tracker = this.#tracker;
    const scope = this.#scope;
    const inScope = (): boolean => !scopesTracked || currentScope() === scope;
    const stopTasks = observeTasks({
      started: (name) => {
        if (inScope()) tracker.started(name);
      },
      finished: (name) => {
        if (inScope()) tracker.finished(name);
      },
    });
    const stopTrace = subscribe({
      stacks: this.#stacks,
      event: (e) => {
        if (!inScope()) return;
        tracker.event(e);
        this.#events++;
      },
    });
    const stopOrder = this.#lockOrder
      ? subscribe({
          stacks: this.#stacks,
          event: (e) => {
            if (inScope()) this.#lockOrder?.event(e);
          },
        })
      : undefined;
    if (this.#quiescence) {
      tracker.onBlock = () => this.#scheduleCheck();
      scope.onTimersDone = () => this.#scheduleCheck();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    const stuck = new Promise<never>((_, reject) => {
      this.#fail = reject;
      timer = outsideScope(() => setTimeout(() => this.#stop('timeout'), this.#ms));
      if (this.#shared) {
        const baseline = sharedBaseline();
        const stall = new SharedStall(baseline);
        let events = this.#events;
        poll = outsideScope(() =>
          setInterval(() => {
            if (findSharedDeadlock(baseline) !== undefined) {
              this.#stop('shared');
            } else if (this.#quiescence && this.#tasksIdle() && events === this.#events) {
              // Every worker blocked, none with a timeout, no cycle, for a while: only this
              // thread could wake them, and its tasks are blocked too (or there are none), with
              // no timer pending and no event since the last read.
              if (stall.settled()) this.#stop('quiescence', true);
            } else {
              stall.reset();
            }
            events = this.#events;
          }, SHARED_POLL),
        );
      }
    });
    try {
      const result = await Promise.race([
        runInScope(scope, () => {
          try {
            return Promise.resolve(fn(this.#controller.signal));
          } catch (error) {
            return Promise.reject(error);
          }
        }),
        stuck,
      ]);
      this.#lockOrder?.assert();
      return result;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      this.#fail = undefined;
      tracker.onBlock = undefined;
      scope.onTimersDone = undefined;
      stopTasks();
      stopTrace();
      stopOrder?.();
      closeScope(scope);
    }
  }

  /** Checks for quiescence once the microtasks now queued have run (twice, to be sure). */
  #scheduleCheck(): void {
    if (this.#checking || this.#fail === undefined) return;
    this.#checking = true;
    outsideScope(() =>
      setImmediate(() =>
        setImmediate(() => {
          this.#checking = false;
          if (this.#tracker.quiescent() && this.#scope.timers.size === 0) this.#stop('quiescence');
        }),
      ),
    );
  }

  /** No task of the watch can move by itself: none alive, or all blocked; no timer pending. */
  #tasksIdle(): boolean {
    const tracker = this.#tracker;
    return this.#scope.timers.size === 0 && (tracker.alive.size === 0 || tracker.quiescent());
  }

  #stop(reason: DeadlockReason, acrossWorkers = false): void {
    const fail = this.#fail;
    if (fail === undefined) return;
    const graph = this.#tracker.graph();
    const shared = this.#shared ? sharedGraph() : undefined;
    const cycle = analyseWaits(graph).cycle ?? (shared && analyseWaits(shared).cycle);
    const parts = [headline(reason, cycle, this.#ms, acrossWorkers)];
    const tasks = graph.parties.some((p) => p.state === 'running' || p.state === 'waiting');
    if (graph.waits.length > 0 || tasks || shared === undefined) {
      parts.push(formatWaitFor(graph));
    }
    if (shared !== undefined) {
      parts.push('across workers (shared registry):');
      parts.push(formatWaitFor(shared).replace(/^/gm, '  '));
    }
    const error = new DeadlockError(parts.join('\n'), reason, graph, shared);
    fail(error);
    this.#controller.abort(error);
  }
}

function headline(
  reason: DeadlockReason,
  cycle: unknown,
  ms: number,
  acrossWorkers: boolean,
): string {
  const kind = cycle !== undefined ? 'deadlock' : 'stalled';
  switch (reason) {
    case 'quiescence':
      if (acrossWorkers) {
        return `${kind}: every task and every worker is blocked, no wait has a timeout and no timer is pending (found before the ${duration(ms)} timeout)`;
      }
      return `${kind}: every task is blocked and no timer is pending (found before the ${duration(ms)} timeout)`;
    case 'shared':
      return `${kind}: workers wait for each other in the shared registry (found before the ${duration(ms)} timeout)`;
    default:
      return `${kind}: not finished within ${duration(ms)}`;
  }
}
