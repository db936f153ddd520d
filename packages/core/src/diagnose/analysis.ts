/**
 * The one analysis of a {@link WaitGraph}: who could end each wait, the cycles of waits, waits for
 * a lock whose holder is gone, the parties that can never go on, and whether every party is
 * blocked with no timeout to end it. Pure: it reads the graph only.
 *
 * @module
 */
import type { WaitGraph, WaitGraphParty, WaitGraphWait } from './graph.js';

/** `from` cannot go on until `to` acts (releases, puts, gets, sets ...), because of `wait`. */
export interface WaitGraphEdge {
  readonly from: string;
  readonly to: string;
  readonly wait: WaitGraphWait;
}

/** What {@link analyseWaits} found. */
export interface WaitAnalysis {
  /** Every edge between parties. */
  readonly edges: readonly WaitGraphEdge[];
  /** The first cycle (oldest waiter first), as edges: each edge's `to` is the next one's `from`. */
  readonly cycle?: readonly WaitGraphEdge[];
  /** Every cycle, disjoint, the first one first. */
  readonly cycles: readonly (readonly WaitGraphEdge[])[];
  /** Waits to acquire a lock whose holder has finished or exited: nobody will release it. */
  readonly abandoned: readonly WaitGraphWait[];
  /**
   * Waits that can never end: no timeout, and every party that could end them is gone or is in
   * such a wait itself (a fixpoint; parties whose helpers are unknown count as stuck only when
   * nobody else is left to help).
   */
  readonly stuck: readonly WaitGraphWait[];
  /**
   * Every party still alive (other than the observer) waits, none of them with a timeout, and
   * none waits for a lock the observer holds.
   */
  readonly allBlocked: boolean;
  /**
   * The earliest time at which a party in a cycle, an abandoned wait or (for `allBlocked`) any
   * blocked party runs again by itself (a wait times out), or `undefined` when none will: what
   * was found is then final unless someone outside it acts.
   */
  readonly deadline?: number;
}

/** Options of {@link analyseWaits}. */
export interface AnalyseOptions {
  /**
   * The party looking at the graph (the thread reading the shared registry). It is running, so
   * it is not blocked, but it is not counted as able to help the others either, unless one of
   * them waits for a lock it holds.
   */
  readonly observer?: string;
}

const GONE = new Set(['finished', 'exited']);

/**
 * The parties whose action would end `wait`: the holders of a lock; those who took permits of a
 * semaphore or released one before (never the waiter itself: permits have no owner); the
 * producers of an empty queue, the consumers of a full one; the parties that set an event or
 * notified a condition before. `undefined` when the graph does not say (read from the shared
 * registry, which records owners of locks only), or for barriers (anyone may arrive).
 *
 * @example
 * ```ts
 * import { analyseWaits, helpersOf, type WaitGraph } from '@baton/core';
 * declare const graph: WaitGraph;
 * for (const wait of graph.waits) console.log(wait.party, 'needs', helpersOf(graph, wait));
 * ```
 */
export function helpersOf(graph: WaitGraph, wait: WaitGraphWait): readonly string[] | undefined {
  const resource = graph.resources.find((r) => r.key === wait.resource);
  const others = (names: readonly string[] | undefined): string[] | undefined =>
    names === undefined ? undefined : [...new Set(names)].filter((n) => n !== wait.party);
  switch (wait.for) {
    case 'acquire':
      return [
        ...new Set(graph.holds.filter((h) => h.resource === wait.resource).map((h) => h.party)),
      ];
    case 'permit': {
      const takers = resource?.takers?.map((t) => t.party);
      if (takers === undefined && resource?.wakers === undefined) return undefined;
      return others([...(takers ?? []), ...(resource?.wakers ?? [])]);
    }
    case 'item':
      return others(resource?.producers);
    case 'space':
      return others(resource?.consumers);
    case 'event':
    case 'condition':
      return others(resource?.wakers);
    default:
      return undefined;
  }
}

/**
 * Analyses `graph`: edges, cycles, abandoned locks, stuck parties, "every party is blocked", and
 * the deadline at which a timeout would change what was found.
 *
 * @example
 * ```ts
 * import { analyseWaits, formatWaitGraph, waitGraphFromSnapshot, snapshot } from '@baton/core';
 * const graph = waitGraphFromSnapshot(snapshot());
 * const analysis = analyseWaits(graph);
 * if (analysis.cycle && analysis.deadline === undefined) console.log(formatWaitGraph(graph, analysis));
 * ```
 */
export function analyseWaits(graph: WaitGraph, options?: AnalyseOptions): WaitAnalysis {
  const observer = options?.observer;
  const party = new Map(graph.parties.map((p) => [p.name, p]));
  const waiting = new Set(graph.waits.map((w) => w.party));
  const helpers = new Map(graph.waits.map((w) => [w, helpersOf(graph, w)]));
  const resource = new Map(graph.resources.map((r) => [r.key, r]));
  // Someone other than `name` (and the observer) is alive and not waiting: it may still act.
  // A party waiting for a lock that nobody holds is about to take it (it was just woken): it
  // counts as running.
  const held = new Set(graph.holds.map((h) => h.resource));
  const goesOn = new Set(
    graph.waits.filter((w) => w.for === 'acquire' && !held.has(w.resource)).map((w) => w.party),
  );
  const othersRun = (name: string): boolean =>
    graph.parties.some(
      (p) =>
        p.name !== name &&
        p.name !== observer &&
        !GONE.has(p.state) &&
        (!waiting.has(p.name) || goesOn.has(p.name)),
    );
  const edges: WaitGraphEdge[] = [];
  for (const wait of graph.waits) {
    for (const to of helpers.get(wait) ?? []) {
      // `Lock` and `SharedLock` are not owned: any party may release them (the lesson's
      // hand-off). Waiting for one it took itself is a deadlock of one only once nobody else
      // is left running who could release it; an `RLock`'s owner alone can.
      const unowned = !(resource.get(wait.resource)?.type ?? '').endsWith('RLock');
      if (to === wait.party && wait.for === 'acquire' && unowned && othersRun(to)) continue;
      edges.push({ from: wait.party, to, wait });
    }
  }

  const cycles: WaitGraphEdge[][] = [];
  const used = new Set<string>();
  for (;;) {
    const found = findCycle(
      edges.filter((e) => waiting.has(e.to) && !used.has(e.from) && !used.has(e.to)),
    );
    if (found === undefined) break;
    cycles.push(found);
    for (const edge of found) used.add(edge.from);
  }

  const abandoned = graph.waits.filter(
    (w) =>
      w.for === 'acquire' &&
      graph.holds.some(
        (h) => h.resource === w.resource && GONE.has(party.get(h.party)?.state ?? 'running'),
      ),
  );

  const live = graph.parties.filter((p) => !GONE.has(p.state) && p.name !== observer);
  const blocked = live.filter((p) => waiting.has(p.name));
  const waitsForObserver =
    observer !== undefined &&
    graph.waits.some((w) =>
      graph.holds.some(
        (h) => w.for === 'acquire' && h.resource === w.resource && h.party === observer,
      ),
    );
  const allBlocked =
    live.length > 0 &&
    blocked.length === live.length &&
    !waitsForObserver &&
    live.every((p) => p.wakesAt === undefined);

  const stuck = stuckWaits(graph, party, helpers, observer);

  const involved = new Set([
    ...cycles.flat().map((e) => e.from),
    ...abandoned.map((w) => w.party),
    ...(allBlocked ? blocked.map((p) => p.name) : []),
  ]);
  const deadline = earliest([...involved].map((name) => party.get(name)?.wakesAt));
  return {
    edges,
    ...(cycles[0] !== undefined ? { cycle: cycles[0] } : {}),
    cycles,
    abandoned,
    stuck,
    allBlocked,
    ...(deadline !== undefined ? { deadline } : {}),
  };
}

/** The waits of parties that nobody outside the stuck set could ever help (a fixpoint). */
function stuckWaits(
  graph: WaitGraph,
  party: ReadonlyMap<string, WaitGraphParty>,
  helpers: ReadonlyMap<WaitGraphWait, readonly string[] | undefined>,
  observer: string | undefined,
): WaitGraphWait[] {
  const stuck = new Set(
    graph.waits
      .filter((w) => w.deadline === undefined && party.get(w.party)?.wakesAt === undefined)
      .map((w) => w.party),
  );
  const live = graph.parties.filter((p) => !GONE.has(p.state) && p.name !== observer);
  for (let changed = true; changed;) {
    changed = false;
    for (const wait of graph.waits) {
      if (!stuck.has(wait.party)) continue;
      const can = helpers.get(wait);
      const hope =
        can === undefined || can.length === 0
          ? live.some((p) => !stuck.has(p.name))
          : can.some((name) => !stuck.has(name) && !GONE.has(party.get(name)?.state ?? 'running'));
      if (hope) {
        stuck.delete(wait.party);
        changed = true;
      }
    }
  }
  return graph.waits.filter((w) => stuck.has(w.party));
}

/** The first cycle in `edges` (depth-first, in edge order), as the edges that form it. */
function findCycle(edges: readonly WaitGraphEdge[]): WaitGraphEdge[] | undefined {
  const out = new Map<string, WaitGraphEdge[]>();
  for (const edge of edges) {
    const list = out.get(edge.from) ?? [];
    list.push(edge);
    out.set(edge.from, list);
  }
  const done = new Set<string>();
  for (const start of out.keys()) {
    const path: WaitGraphEdge[] = [];
    const onPath = new Map<string, number>();
    const visit = (at: string): WaitGraphEdge[] | undefined => {
      if (done.has(at)) return undefined;
      onPath.set(at, path.length);
      for (const edge of out.get(at) ?? []) {
        const index = onPath.get(edge.to);
        if (index !== undefined) return [...path.slice(index), edge];
        path.push(edge);
        const found = visit(edge.to);
        if (found) return found;
        path.pop();
      }
      onPath.delete(at);
      done.add(at);
      return undefined;
    };
    const found = visit(start);
    if (found) return found;
  }
  return undefined;
}

function earliest(times: readonly (number | undefined)[]): number | undefined {
  let first: number | undefined;
  for (const t of times) if (t !== undefined && (first === undefined || t < first)) first = t;
  return first;
}
