/**
 * The wait-for graph of one thread's tasks, kept up to date from trace events: who holds which
 * lock and since when (and where, when stacks are traced), who took permits, who waits for what,
 * who put into and took from each queue, who notified or set what, and which named tasks are
 * alive or finished.
 *
 * @module
 */
import type { TraceEvent } from '../trace/tracer.js';
import {
  resourceKind,
  waitForOf,
  type PartyState,
  type PermitTaker,
  type ResourceKind,
  type WaitFor,
  type WaitGraph,
  type WaitGraphHold,
  type WaitGraphParty,
  type WaitGraphWait,
} from './graph.js';

/** Where a trace event's stack was taken, as `file:line:column`, or `undefined`. */
export type SiteOf = (stack: string | undefined) => string | undefined;

interface Held {
  party: string;
  since: number;
  site?: string;
}

interface State {
  readonly type: string;
  readonly kind: ResourceKind;
  readonly key: string;
  readonly name: string;
  readonly holders: Held[];
  readonly waiters: WaitGraphWait[];
  readonly producers: Set<string>;
  readonly consumers: Set<string>;
  readonly wakers: Set<string>;
  size?: number;
  capacity?: number;
  closed: boolean;
  isSet?: boolean;
  parties?: number;
  lastWake?: number;
}

/**
 * Builds the {@link WaitGraph} of the tasks of this thread from the trace events of their
 * primitives. Feed it every event (install it as, or call it from, a `Tracer`), tell it when
 * named tasks start and finish, and ask for {@link WaitGraphRecorder.graph} when something hangs.
 *
 * @example
 * ```ts
 * import { Lock, WaitGraphRecorder, analyseWaits, formatWaitGraph, setTracer } from '@baton/core';
 * const recorder = new WaitGraphRecorder();
 * const previous = setTracer({ event: (e) => recorder.event(e) });
 * const lock = new Lock({ name: 'm' });
 * await lock.acquire();
 * const second = lock.acquire(); // the same task asks again: a deadlock of one
 * const graph = recorder.graph();
 * console.log(analyseWaits(graph).cycle?.length); // 1
 * console.log(formatWaitGraph(graph)); // "cycle:\n  main waits for Lock m since 0 ms, which it holds itself ..."
 * lock.release();
 * await second;
 * lock.release();
 * setTracer(previous);
 * ```
 */
export class WaitGraphRecorder {
  readonly #resources = new Map<string, State>();
  readonly #siteOf: SiteOf;
  /**
   * Where each agent last began waiting on a condition. A condition re-takes its lock for the
   * waiter inside someone else's call (a notify, a timer), so core's events for that lock carry
   * no stack: the waiter's `wait()` call is where it asked for the lock back.
   */
  readonly #conditionSites = new Map<string, string>();
  readonly #alive = new Map<string, number>();
  readonly #finished = new Set<string>();

  /** `siteOf` turns an event's stack into a site; without it, sites are not recorded. */
  constructor(siteOf?: SiteOf) {
    this.#siteOf = siteOf ?? (() => undefined);
  }

  /** Takes one trace event into account. */
  event(e: TraceEvent): void {
    const state = this.#state(e);
    const site = e.stack === undefined ? undefined : this.#siteOf(e.stack);
    if (e.detail !== undefined) {
      const { size, capacity, parties, value } = e.detail as Record<string, unknown>;
      if (typeof size === 'number') state.size = size;
      if (typeof capacity === 'number') state.capacity = capacity;
      if (typeof parties === 'number') state.parties = parties;
      if (typeof value === 'number' && state.kind === 'semaphore') state.size = value;
    }
    if (e.kind === 'wait' && state.kind === 'condition' && site !== undefined) {
      this.#conditionSites.set(e.agent, site);
    }
    switch (e.kind) {
      case 'acquire':
      case 'wait': {
        const timeout = e.detail?.['timeout'];
        const asked =
          site ?? (e.kind === 'acquire' ? this.#conditionSites.get(e.agent) : undefined);
        const bounded = typeof timeout === 'number' && Number.isFinite(timeout);
        state.waiters.push({
          party: e.agent,
          resource: state.key,
          for: waitFor(state.kind, e.kind, e.detail?.['for']),
          since: e.time,
          ...(asked === undefined ? {} : { site: asked }),
          ...(bounded ? { timeout, deadline: e.time + timeout } : {}),
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
        state.holders.push({ party: e.agent, since: e.time, ...(asked ? { site: asked } : {}) });
        break;
      }
      case 'release': {
        // A lock may be released by another agent (the lesson's hand-off), and a semaphore's
        // permit by anyone: drop the releaser's own hold if it has one, else the oldest.
        let index = -1;
        for (let i = state.holders.length - 1; i >= 0; i--) {
          if (state.holders[i]?.party === e.agent) {
            index = i;
            break;
          }
        }
        state.holders.splice(index === -1 ? 0 : index, 1);
        if (state.kind === 'semaphore') state.wakers.add(e.agent);
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
        if (state.isSet === true) state.isSet = false;
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
  }

  /** Names of tasks started and not yet finished. */
  get alive(): ReadonlySet<string> {
    return new Set(this.#alive.keys());
  }

  /** The wait-for graph now (`at`: its `time`, in `performance.now()` ms). */
  graph(at: number = performance.now()): WaitGraph {
    const states = [...this.#resources.values()];
    const waits = states.flatMap((s) => s.waiters).sort((a, b) => a.since - b.since);
    const holds: WaitGraphHold[] = states
      .filter((s) => s.kind === 'lock')
      .flatMap((s) => s.holders.map((h) => ({ ...h, resource: s.key })));
    const wakesAt = new Map<string, number>();
    for (const w of waits) {
      if (w.deadline === undefined) continue;
      wakesAt.set(w.party, Math.min(wakesAt.get(w.party) ?? Infinity, w.deadline));
    }
    const blocked = new Set(waits.map((w) => w.party));
    const parties: WaitGraphParty[] = [];
    const add = (name: string, state: PartyState): void => {
      const wakes = wakesAt.get(name);
      parties.push({ name, state, ...(wakes !== undefined ? { wakesAt: wakes } : {}) });
    };
    for (const name of this.#alive.keys()) add(name, blocked.has(name) ? 'waiting' : 'running');
    for (const name of this.#finished) if (!this.#alive.has(name)) add(name, 'finished');
    for (const name of blocked) if (!parties.some((p) => p.name === name)) add(name, 'waiting');
    return {
      time: at,
      parties,
      resources: states.map((s) => ({
        key: s.key,
        type: s.type,
        kind: s.kind,
        name: s.name,
        closed: s.closed,
        producers: [...s.producers],
        consumers: [...s.consumers],
        wakers: [...s.wakers],
        ...(s.size !== undefined ? { size: s.size } : {}),
        ...(s.capacity !== undefined ? { capacity: s.capacity } : {}),
        ...(s.isSet !== undefined ? { isSet: s.isSet } : {}),
        ...(s.parties !== undefined ? { parties: s.parties } : {}),
        ...(s.lastWake !== undefined ? { lastWake: s.lastWake } : {}),
        ...(s.kind === 'semaphore'
          ? { takers: s.holders.map((h): PermitTaker => ({ ...h })) }
          : {}),
      })),
      holds,
      waits,
    };
  }

  #state(e: TraceEvent): State {
    const key = `${e.primitive}#${e.id}`;
    let state = this.#resources.get(key);
    if (state === undefined) {
      state = {
        type: e.primitive,
        kind: resourceKind(e.primitive),
        key,
        name: e.name,
        holders: [],
        waiters: [],
        producers: new Set(),
        consumers: new Set(),
        wakers: new Set(),
        closed: false,
      };
      this.#resources.set(key, state);
    }
    return state;
  }
}

function removeWaiter(state: State, party: string): WaitGraphWait | undefined {
  const index = state.waiters.findIndex((w) => w.party === party);
  return index === -1 ? undefined : state.waiters.splice(index, 1)[0];
}

/** What a traced wait (`acquire` or `wait`, with its `detail.for`) waits for. */
function waitFor(kind: ResourceKind, event: 'acquire' | 'wait', purpose: unknown): WaitFor {
  return waitForOf(
    kind,
    purpose === 'not_full' || purpose === 'room'
      ? 'space'
      : purpose === 'not_empty'
        ? 'item'
        : event,
  );
}
