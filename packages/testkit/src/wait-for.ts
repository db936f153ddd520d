/**
 * The wait-for graph, rebuilt from trace events: who holds what, who waits for what (since when,
 * and from where when stacks are on), which tasks are alive, and the cycle, if there is one.
 *
 * Feed a {@link WaitForTracker} every event (the deadlock watch and the explorer do) and ask it
 * for a {@link WaitForGraph} when something hangs.
 *
 * @module
 */
import type { TraceEvent } from '@baton/core';
import { sourceLocation } from './format.js';

/** Someone holding a lock or a permit. */
export interface Holder {
  readonly agent: string;
  /** `performance.now()` when it was acquired. */
  readonly since: number;
  /** Where it was acquired, when tracing with stacks. */
  readonly site?: string;
}

/** Someone waiting on a primitive. */
export interface Waiter {
  readonly agent: string;
  readonly since: number;
  readonly site?: string;
  /** What a queue waiter waits for: `'not_full'` or `'not_empty'`. */
  readonly for?: string;
  /** The wait's own timeout in milliseconds, when it has one. */
  readonly timeout?: number;
}

/** What the tracker knows about one primitive. */
export interface PrimitiveState {
  /** The primitive's class, e.g. `'Lock'`. */
  readonly primitive: string;
  readonly id: number;
  readonly name: string;
  readonly holders: Holder[];
  readonly waiters: Waiter[];
  /** Agents that ever put into it (queues). */
  readonly producers: Set<string>;
  /** Agents that ever took from it (queues). */
  readonly consumers: Set<string>;
  /** Agents that ever notified or set it (conditions, events). */
  readonly wakers: Set<string>;
  size?: number;
  capacity?: number;
  closed: boolean;
  isSet?: boolean;
  /** When it was last notified or set. */
  lastWake?: number;
  /**
   * Whether `producers` and `consumers` are known (from trace events). Waits read from the shared
   * registry do not say who else uses a queue.
   */
  partnersUnknown?: boolean;
  /** The last detail seen (e.g. a barrier's parties). */
  detail?: Readonly<Record<string, unknown>>;
}

/** One edge of the wait-for graph: `from` cannot go on until `to` does something. */
export interface WaitEdge {
  readonly from: string;
  readonly to: string;
  readonly on: PrimitiveState;
  readonly waiter: Waiter;
}

/** A snapshot of who waits for whom. */
export interface WaitForGraph {
  /** `performance.now()` when the snapshot was taken. */
  readonly at: number;
  /** Every waiter, with the primitive it waits on, oldest first. */
  readonly waiting: readonly { readonly waiter: Waiter; readonly on: PrimitiveState }[];
  /** Edges between agents. */
  readonly edges: readonly WaitEdge[];
  /** A cycle of edges (each edge's `to` is the next edge's `from`), if there is one. */
  readonly cycle?: readonly WaitEdge[];
  /** Names of tasks that are alive (started and not finished). */
  readonly alive: ReadonlySet<string>;
  /** Names of tasks that have finished. */
  readonly finished: ReadonlySet<string>;
  /** Every primitive the tracker has seen. */
  readonly primitives: readonly PrimitiveState[];
}

const KEEP_WAITING_ON = new Set(['acquire', 'wait']);

/**
 * Keeps the state of every traced primitive up to date from trace events, and knows which named
 * tasks are alive.
 *
 * @example
 * ```ts
 * const tracker = new WaitForTracker();
 * const stop = subscribe(tracker);          // or feed tracker.event(e) yourself
 * // ... run code that hangs ...
 * console.log(formatWaitFor(tracker.graph()));
 * ```
 */
export class WaitForTracker {
  readonly #primitives = new Map<string, PrimitiveState>();
  /**
   * Where each agent last began waiting on a condition. A condition re-takes its lock for the
   * waiter inside someone else's call (a notify, a timer), so core's events for that lock carry
   * no stack: the waiter's `wait()` call is where it asked for the lock back.
   */
  readonly #conditionSites = new Map<string, string>();
  readonly #alive = new Map<string, number>();
  readonly #finished = new Set<string>();
  /** Called after each event that may leave every task blocked. */
  onBlock: (() => void) | undefined;

  /** Takes one trace event into account. */
  event(e: TraceEvent): void {
    const state = this.#state(e);
    const site = e.stack === undefined ? undefined : sourceLocation(e.stack);
    if (e.detail !== undefined) {
      state.detail = e.detail;
      const { size, capacity } = e.detail as { size?: unknown; capacity?: unknown };
      if (typeof size === 'number') state.size = size;
      if (typeof capacity === 'number') state.capacity = capacity;
    }
    if (e.kind === 'wait' && e.primitive.endsWith('Condition') && site !== undefined) {
      this.#conditionSites.set(e.agent, site);
    }
    switch (e.kind) {
      case 'acquire':
      case 'wait': {
        const purpose = e.detail?.['for'];
        const timeout = e.detail?.['timeout'];
        const asked =
          site ?? (e.kind === 'acquire' ? this.#conditionSites.get(e.agent) : undefined);
        state.waiters.push({
          agent: e.agent,
          since: e.time,
          ...(asked === undefined ? {} : { site: asked }),
          ...(typeof purpose === 'string' ? { for: purpose } : {}),
          ...(typeof timeout === 'number' && Number.isFinite(timeout) ? { timeout } : {}),
        });
        break;
      }
      case 'acquired': {
        // A waiter is handed the lock inside someone else's release(), whose stack that event
        // carries: the waiter's own acquire() is where it asked, so that is the site to show,
        // and the releaser's stack never is (even when the waiter's site is unknown).
        const waiter = removeWaiter(state, e.agent);
        const asked =
          waiter !== undefined
            ? waiter.site
            : e.detail?.['waited'] === true
              ? undefined
              : (site ?? this.#conditionSites.get(e.agent));
        this.#conditionSites.delete(e.agent);
        state.holders.push({ agent: e.agent, since: e.time, ...(asked ? { site: asked } : {}) });
        break;
      }
      case 'release': {
        // A lock may be released by another agent (the lesson's hand-off): drop the releaser's
        // own hold if it has one, else the oldest hold.
        let index = -1;
        for (let i = state.holders.length - 1; i >= 0; i--) {
          if (state.holders[i]?.agent === e.agent) {
            index = i;
            break;
          }
        }
        state.holders.splice(index === -1 ? 0 : index, 1);
        break;
      }
      case 'put':
        state.producers.add(e.agent);
        removeWaiter(state, e.agent);
        break;
      case 'get':
        state.consumers.add(e.agent);
        removeWaiter(state, e.agent);
        break;
      case 'wake':
      case 'timeout':
      case 'abort':
        removeWaiter(state, e.agent);
        break;
      case 'notify':
        state.wakers.add(e.agent);
        state.lastWake = e.time;
        break;
      case 'set':
        state.wakers.add(e.agent);
        state.lastWake = e.time;
        state.isSet = true;
        state.waiters.length = 0;
        break;
      case 'clear':
        state.isSet = false;
        break;
      case 'broken':
        state.waiters.length = 0;
        break;
      case 'close':
        // Closing wakes every waiter of a queue: they either drain or throw ClosedError.
        state.closed = true;
        state.waiters.length = 0;
        break;
      case 'created':
        break;
    }
    if (KEEP_WAITING_ON.has(e.kind)) this.onBlock?.();
  }

  /** Records that a task called `name` started. */
  started(name: string): void {
    this.#alive.set(name, (this.#alive.get(name) ?? 0) + 1);
  }

  /** Records that a task called `name` finished (returned or threw). */
  finished(name: string): void {
    const n = (this.#alive.get(name) ?? 1) - 1;
    if (n <= 0) this.#alive.delete(name);
    else this.#alive.set(name, n);
    this.#finished.add(name);
    this.onBlock?.();
  }

  /** Names of tasks started and not yet finished. */
  get alive(): ReadonlySet<string> {
    return new Set(this.#alive.keys());
  }

  /** Agents that wait on some primitive now. */
  blocked(): Set<string> {
    const agents = new Set<string>();
    for (const state of this.#primitives.values()) {
      for (const waiter of state.waiters) agents.add(waiter.agent);
    }
    return agents;
  }

  /**
   * Whether every alive task waits on a primitive, with no timeout that could end the wait:
   * nothing inside the watched code can make progress any more.
   */
  quiescent(): boolean {
    if (this.#alive.size === 0) return false;
    const blocked = this.blocked();
    for (const name of this.#alive.keys()) if (!blocked.has(name)) return false;
    for (const state of this.#primitives.values()) {
      for (const waiter of state.waiters) {
        if (this.#alive.has(waiter.agent) && waiter.timeout !== undefined) return false;
      }
    }
    return true;
  }

  /** The wait-for graph now. */
  graph(at: number = performance.now()): WaitForGraph {
    const primitives = [...this.#primitives.values()];
    const waiting = primitives
      .flatMap((on) => on.waiters.map((waiter) => ({ waiter, on })))
      .sort((a, b) => a.waiter.since - b.waiter.since);
    const blocked = new Set(waiting.map((w) => w.waiter.agent));
    const edges: WaitEdge[] = [];
    for (const { waiter, on } of waiting) {
      for (const to of partners(on, waiter)) {
        if (blocked.has(to) || to === waiter.agent)
          edges.push({ from: waiter.agent, to, on, waiter });
      }
    }
    const cycle = findCycle(edges);
    return {
      at,
      waiting,
      edges,
      ...(cycle ? { cycle } : {}),
      alive: this.alive,
      finished: new Set([...this.#finished].filter((name) => !this.#alive.has(name))),
      primitives,
    };
  }

  #state(e: TraceEvent): PrimitiveState {
    const key = `${e.primitive}#${e.id}`;
    let state = this.#primitives.get(key);
    if (state === undefined) {
      state = {
        primitive: e.primitive,
        id: e.id,
        name: e.name,
        holders: [],
        waiters: [],
        producers: new Set(),
        consumers: new Set(),
        wakers: new Set(),
        closed: false,
      };
      this.#primitives.set(key, state);
    }
    return state;
  }
}

function removeWaiter(state: PrimitiveState, agent: string): Waiter | undefined {
  const index = state.waiters.findIndex((w) => w.agent === agent);
  return index === -1 ? undefined : state.waiters.splice(index, 1)[0];
}

/**
 * The agents whose action `waiter` needs: the holders of a lock or of permits, the consumers of
 * a full queue, the producers of an empty one.
 */
export function partners(on: PrimitiveState, waiter: Waiter): string[] {
  if (on.holders.length > 0) return [...new Set(on.holders.map((h) => h.agent))];
  if (waiter.for === 'not_full') return [...on.consumers].filter((a) => a !== waiter.agent);
  if (waiter.for === 'not_empty') return [...on.producers].filter((a) => a !== waiter.agent);
  return [];
}

/** The first cycle in `edges` (depth-first, oldest waiter first), as the edges that form it. */
export function findCycle(edges: readonly WaitEdge[]): WaitEdge[] | undefined {
  const out = new Map<string, WaitEdge[]>();
  for (const edge of edges) {
    const list = out.get(edge.from) ?? [];
    list.push(edge);
    out.set(edge.from, list);
  }
  const done = new Set<string>();
  for (const start of out.keys()) {
    const path: WaitEdge[] = [];
    const onPath = new Map<string, number>();
    const visit = (agent: string): WaitEdge[] | undefined => {
      if (done.has(agent)) return undefined;
      onPath.set(agent, path.length);
      for (const edge of out.get(agent) ?? []) {
        const at = onPath.get(edge.to);
        if (at !== undefined) return [...path.slice(at), edge];
        path.push(edge);
        const found = visit(edge.to);
        if (found) return found;
        path.pop();
      }
      onPath.delete(agent);
      done.add(agent);
      return undefined;
    };
    const found = visit(start);
    if (found) return found;
  }
  return undefined;
}
