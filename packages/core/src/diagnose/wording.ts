/**
 * The one wording of the wait-for graph: the sentences the testkit prints when a test hangs, the
 * playground shows as its verdict, and `findDeadlock()` returns as its message. Each waiting party
 * gets one sentence naming the primitive, who could end the wait (the holder of a lock, since
 * when and where it was acquired; the producers of an empty queue ...), and why nobody will (they
 * finished, are blocked too, or never acted). Semaphores and queues are waited on, never held.
 *
 * @module
 */
import { analyseWaits, type WaitAnalysis } from './analysis.js';
import type { WaitGraph, WaitGraphResource, WaitGraphWait } from './graph.js';

/**
 * One sentence about one wait of `graph`.
 *
 * @example
 * ```ts
 * import { explainWait, waitGraphFromSnapshot, snapshot } from '@baton/core';
 * const graph = waitGraphFromSnapshot(snapshot());
 * for (const wait of graph.waits) console.log(explainWait(graph, wait));
 * // consumer waits for SharedLock producer_lock since 1.2 s, held by producer since 1.3 s
 * ```
 */
export function explainWait(graph: WaitGraph, wait: WaitGraphWait): string {
  const on = resourceOf(graph, wait);
  const since = `since ${duration(graph.time - wait.since)}${at(wait.site)}${ends(graph, wait)}`;
  const title = `${on.type} ${on.name}`;
  const who = wait.party;
  switch (wait.for) {
    case 'acquire':
      return `${who} waits for ${title} ${since}${holders(graph, wait)}`;
    case 'permit':
      return `${who} waits for a permit of ${title} ${since}${permits(graph, wait, on)}`;
    case 'item':
    case 'space':
      return queueWait(graph, wait, on, title, since);
    case 'condition':
      return `${who} waits on ${title} ${since}${wakeups(graph, wait, on, 'notified')}`;
    case 'event': {
      const history =
        on.isSet === false
          ? `; it was set, then cleared${setters(graph, on, 'set', ', ')}`
          : setters(graph, on);
      return `${who} waits for ${title} to be set ${since}${history}`;
    }
    case 'barrier': {
      const arrived = graph.waits.filter((w) => w.resource === wait.resource).length;
      const count = on.parties === undefined ? '' : ` (${arrived} of ${on.parties} arrived)`;
      const gone = graph.parties.filter((p) => p.state === 'finished').map((p) => p.name);
      const left = gone.length > 0 ? `; ${list(gone)} finished without arriving?` : '';
      return `${who} waits at ${title}${count} ${since}${left}`;
    }
    default:
      return `${who} waits on ${title} ${since}`;
  }
}

/**
 * A multi-line explanation of `graph`, one line per waiting party: the cycle first (if any, and
 * closed with "and so back to ..."), then the other blocked parties, then who is not blocked and
 * who has finished.
 *
 * @example
 * ```ts
 * import { formatWaitGraph, waitGraphFromSnapshot, snapshot } from '@baton/core';
 * console.log(formatWaitGraph(waitGraphFromSnapshot(snapshot())));
 * // cycle:
 * //   producer waits for SharedLock consumer_lock since 1.2 s, held by consumer since 1.3 s
 * //   consumer waits for SharedLock producer_lock since 1.2 s, held by producer since 1.3 s
 * //   and so back to producer
 * ```
 */
export function formatWaitGraph(
  graph: WaitGraph,
  analysis: WaitAnalysis = analyseWaits(graph),
): string {
  const lines: string[] = [];
  const inCycle = new Set<WaitGraphWait>();
  const cycle = analysis.cycle;
  if (cycle !== undefined && cycle.length > 0) {
    lines.push('cycle:');
    for (const edge of cycle) {
      if (inCycle.has(edge.wait)) continue;
      inCycle.add(edge.wait);
      lines.push(`  ${explainWait(graph, edge.wait)}`);
    }
    lines.push(`  and so back to ${cycle[0]?.from ?? '?'}`);
  }
  const others = graph.waits.filter((w) => !inCycle.has(w));
  if (others.length > 0) {
    lines.push(inCycle.size > 0 ? 'also blocked:' : 'blocked:');
    for (const wait of others) lines.push(`  ${explainWait(graph, wait)}`);
  }
  if (graph.waits.length === 0) lines.push('nobody waits on a primitive');
  const running = graph.parties.filter((p) => p.state === 'running').map((p) => p.name);
  if (running.length > 0) lines.push(`not blocked: ${list(running)}`);
  const finished = graph.parties.filter((p) => p.state === 'finished').map((p) => p.name);
  if (finished.length > 0) lines.push(`finished: ${list(finished)}`);
  // A registry outlives its workers: list the exited ones only where they still matter.
  const exited = graph.parties.filter((p) => p.state === 'exited');
  const holding = exited.filter((p) => graph.holds.some((h) => h.party === p.name));
  if (holding.length > 0) lines.push(`exited holding a lock: ${list(holding.map((p) => p.name))}`);
  for (const p of exited) {
    if (p.lost !== undefined)
      lines.push(`${p.name} exited and took ${count(p.lost, 'item')} with it`);
  }
  return lines.join('\n');
}

/** `waits` as one line, each wait's sentence separated by `'; '`. */
export function explainWaits(graph: WaitGraph, waits: readonly WaitGraphWait[]): string {
  return waits.map((w) => explainWait(graph, w)).join('; ');
}

function resourceOf(graph: WaitGraph, wait: WaitGraphWait): WaitGraphResource {
  return (
    graph.resources.find((r) => r.key === wait.resource) ?? {
      key: wait.resource,
      type: 'primitive',
      kind: 'other',
      name: wait.resource,
    }
  );
}

function stateOf(graph: WaitGraph, name: string): string | undefined {
  return graph.parties.find((p) => p.name === name)?.state;
}

function ends(graph: WaitGraph, wait: WaitGraphWait): string {
  if (wait.deadline === undefined) return '';
  const after = wait.timeout === undefined ? '' : `, after ${wait.timeout} ms`;
  return ` (times out in ${duration(wait.deadline - graph.time)}${after})`;
}

function holders(graph: WaitGraph, wait: WaitGraphWait): string {
  const held = graph.holds.filter((h) => h.resource === wait.resource);
  if (held.length === 0) return ', which nobody holds (a lost wake-up?)';
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const hold of held) {
    if (seen.has(hold.party)) continue;
    seen.add(hold.party);
    const since = `since ${duration(graph.time - hold.since)}${at(hold.site, 'acquired at')}`;
    if (hold.party === wait.party) {
      parts.push(`which it holds itself ${since}`);
      continue;
    }
    let text = `held by ${hold.party} ${since}`;
    const state = stateOf(graph, hold.party);
    if (state === 'finished' || state === 'exited') {
      text += `; ${hold.party} has ${state} without releasing it (abandoned)`;
    }
    parts.push(text);
  }
  return `, ${parts.join(', ')}`;
}

function permits(graph: WaitGraph, wait: WaitGraphWait, on: WaitGraphResource): string {
  if (on.takers === undefined && on.wakers === undefined) return '';
  const takers = (on.takers ?? []).filter((t) => t.party !== wait.party);
  if (takers.length === 0) {
    return '; no other task has taken one to give back (a release that never came?)';
  }
  const parts = takers.map((t) => {
    const state = stateOf(graph, t.party);
    const gone = state === 'finished' || state === 'exited' ? ` and has ${state}` : '';
    return `${t.party} took one ${duration(graph.time - t.since)} ago${at(t.site)}${gone}`;
  });
  return `; ${parts.join(', ')}, not given back yet`;
}

function queueWait(
  graph: WaitGraph,
  wait: WaitGraphWait,
  on: WaitGraphResource,
  title: string,
  since: string,
): string {
  const full = wait.for === 'space';
  const what = full ? `room in ${title}` : `an item in ${title}`;
  const fill =
    on.size === undefined
      ? ''
      : `, which is ${full ? 'full' : 'empty'} (${on.size}/${on.capacity === undefined || !Number.isFinite(on.capacity) ? '∞' : on.capacity})`;
  const partners = full ? on.consumers : on.producers;
  const role = full ? 'consumer' : 'producer';
  const help =
    partners === undefined
      ? ''
      : `; ${partnerState(
          graph,
          partners.filter((a) => a !== wait.party),
          role,
        )}`;
  return `${wait.party} waits for ${what} ${since}${fill}${help}`;
}

/** What the parties who could help are doing: gone, blocked, or still running. */
function partnerState(graph: WaitGraph, partners: readonly string[], role: string): string {
  if (partners.length === 0) {
    return `no ${role} has ever ${role === 'consumer' ? 'taken from' : 'put into'} it`;
  }
  const gone = (name: string): boolean => {
    const state = stateOf(graph, name);
    return state === 'finished' || state === 'exited';
  };
  const alive = partners.filter((a) => !gone(a));
  if (alive.length === 0) return `no ${role} is left (${list(partners)} finished)`;
  const blocked = new Set(graph.waits.map((w) => w.party));
  const waiting = alive.filter((a) => blocked.has(a));
  const running = alive.filter((a) => !blocked.has(a));
  const parts: string[] = [];
  if (waiting.length > 0) parts.push(`${role} ${list(waiting)} ${isAre(waiting)} blocked too`);
  if (running.length > 0) parts.push(`${role} ${list(running)} ${isAre(running)} still running`);
  return parts.join('; ');
}

function wakeups(
  graph: WaitGraph,
  wait: WaitGraphWait,
  on: WaitGraphResource,
  done: string,
): string {
  if (on.lastWake !== undefined && on.lastWake <= wait.since) {
    return `; it was last ${done} ${duration(wait.since - on.lastWake)} before this wait began (a lost wake-up?)`;
  }
  return setters(graph, on, done);
}

function setters(graph: WaitGraph, on: WaitGraphResource, done = 'set', lead = '; '): string {
  if (on.wakers === undefined) return '';
  const wakers = [...on.wakers];
  if (wakers.length === 0) return `${lead}nobody has ${done} it yet`;
  const gone = wakers.filter((a) => stateOf(graph, a) === 'finished');
  if (gone.length === wakers.length) {
    return `${lead}nobody who ${done} it is left (${list(gone)} finished)`;
  }
  return `${lead}${done} before by ${list(wakers)}`;
}

function at(site: string | undefined, label = 'at'): string {
  return site === undefined ? '' : ` (${label} ${site})`;
}

function isAre(names: readonly string[]): string {
  return names.length === 1 ? 'is' : 'are';
}

/** A duration in milliseconds as a person reads it: `850 ms`, `1.2 s`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `n` and the noun, with an `s` unless `n` is 1. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
