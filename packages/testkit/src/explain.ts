/**
 * Turns a {@link WaitForGraph} into the sentences a failing test prints: each waiting task, the
 * primitive it waits on by name, who holds it, since when and where it was acquired; a cycle as a
 * cycle; and, for stalls without a cycle, why nobody can help (a full queue whose consumers are
 * gone, a condition notified before anyone waited, a lock whose holder finished without releasing).
 *
 * @module
 */
import { duration, list } from './format.js';
import type { Holder, PrimitiveState, WaitForGraph, Waiter } from './wait-for.js';

const QUEUE = /Queue$/;

/**
 * A multi-line explanation of `graph`, one line per waiting task: the cycle first (if any), then
 * the other blocked tasks, then who is not blocked and who has finished.
 *
 * @example
 * ```ts
 * console.log(formatWaitFor(tracker.graph()));
 * // cycle:
 * //   A waits for Lock b since 3 ms (at x.test.ts:12:15), held by B since 3 ms (acquired at ...)
 * //   B waits for Lock a since 3 ms (at x.test.ts:18:15), held by A since 4 ms (acquired at ...)
 * //   and so back to A
 * ```
 */
export function formatWaitFor(graph: WaitForGraph): string {
  const lines: string[] = [];
  const inCycle = new Set<Waiter>();
  if (graph.cycle !== undefined && graph.cycle.length > 0) {
    lines.push('cycle:');
    for (const edge of graph.cycle) {
      inCycle.add(edge.waiter);
      lines.push(`  ${describeWait(graph, edge.waiter, edge.on)}`);
    }
    lines.push(`  and so back to ${graph.cycle[0]?.from ?? '?'}`);
  }
  const others = graph.waiting.filter(({ waiter }) => !inCycle.has(waiter));
  if (others.length > 0) {
    lines.push(inCycle.size > 0 ? 'also blocked:' : 'blocked:');
    for (const { waiter, on } of others) lines.push(`  ${describeWait(graph, waiter, on)}`);
  }
  if (graph.waiting.length === 0) {
    lines.push(
      'nobody was seen waiting on a primitive (waits that began before the watch are not seen)',
    );
  }
  const blocked = new Set(graph.waiting.map((w) => w.waiter.agent));
  const running = [...graph.alive].filter((name) => !blocked.has(name));
  if (running.length > 0) lines.push(`not blocked: ${list(running)}`);
  if (graph.finished.size > 0) lines.push(`finished: ${list([...graph.finished])}`);
  return lines.join('\n');
}

/**
 * One sentence about one waiter, as {@link formatWaitFor} writes it.
 *
 * @example
 * ```ts
 * const graph = tracker.graph();
 * for (const { waiter, on } of graph.waiting) console.log(describeWait(graph, waiter, on));
 * // consumer waits for Lock m since 12 ms, held by producer since 15 ms
 * ```
 */
export function describeWait(graph: WaitForGraph, waiter: Waiter, on: PrimitiveState): string {
  const since = `since ${duration(graph.at - waiter.since)}${at(waiter.site)}`;
  const title = `${on.primitive} ${on.name}`;
  if (QUEUE.test(on.primitive) && waiter.for !== undefined) {
    return describeQueueWait(graph, waiter, on, since);
  }
  if (on.primitive.endsWith('Condition')) {
    return `${waiter.agent} waits on ${title} ${since}; ${wakeups(graph, waiter, on, 'notified')}`;
  }
  if (on.primitive.endsWith('Event')) {
    const history =
      on.isSet === false ? `it was set, then cleared; ${setters(graph, on)}` : setters(graph, on);
    return `${waiter.agent} waits for ${title} to be set ${since}; ${history}`;
  }
  if (on.primitive.endsWith('Barrier')) {
    const parties = on.detail?.['parties'];
    const arrived = on.waiters.length;
    const count = typeof parties === 'number' ? ` (${arrived} of ${parties} arrived)` : '';
    const gone = [...graph.finished].filter((name) => !graph.alive.has(name));
    const left = gone.length > 0 ? `; ${list(gone)} finished without arriving?` : '';
    return `${waiter.agent} waits at ${title}${count} ${since}${left}`;
  }
  if (on.holders.length > 0 || /Lock|Semaphore/.test(on.primitive)) {
    return `${waiter.agent} waits for ${title} ${since}${holders(graph, waiter, on)}`;
  }
  const detail = on.detail === undefined ? '' : ` (${JSON.stringify(on.detail)})`;
  return `${waiter.agent} waits on ${title}${detail} ${since}`;
}

function describeQueueWait(
  graph: WaitForGraph,
  waiter: Waiter,
  on: PrimitiveState,
  since: string,
): string {
  const full = waiter.for === 'not_full';
  const fill =
    on.size === undefined
      ? ''
      : ` (${on.size}/${on.capacity === undefined || !Number.isFinite(on.capacity) ? '∞' : on.capacity})`;
  const state = `${on.primitive} ${on.name} is ${full ? 'full' : 'empty'}${fill}`;
  const wanted = full ? 'not-full' : 'not-empty';
  const role = full ? 'consumer' : 'producer';
  const partners = [...(full ? on.consumers : on.producers)].filter((a) => a !== waiter.agent);
  if (on.partnersUnknown === true) return `${state}; ${waiter.agent} waits for ${wanted} ${since}`;
  return `${state}; ${waiter.agent} waits for ${wanted} ${since}; ${partnerState(graph, partners, role)}`;
}

/** What the agents who could help are doing: gone, blocked, or still running. */
function partnerState(graph: WaitForGraph, partners: readonly string[], role: string): string {
  if (partners.length === 0) {
    return `no ${role} has ever ${role === 'consumer' ? 'taken from' : 'put into'} it`;
  }
  const alive = partners.filter((a) => graph.alive.has(a) || !graph.finished.has(a));
  if (alive.length === 0) return `no ${role} is left (${list(partners)} finished)`;
  const blocked = new Set(graph.waiting.map((w) => w.waiter.agent));
  const waiting = alive.filter((a) => blocked.has(a));
  const running = alive.filter((a) => !blocked.has(a));
  const parts: string[] = [];
  if (waiting.length > 0) parts.push(`${role} ${list(waiting)} ${verb(waiting, 'is')} blocked too`);
  if (running.length > 0)
    parts.push(`${role} ${list(running)} ${verb(running, 'is')} still running`);
  return parts.join('; ');
}

function holders(graph: WaitForGraph, waiter: Waiter, on: PrimitiveState): string {
  if (on.holders.length === 0) {
    return on.primitive.includes('Semaphore')
      ? ', and no task holds one of its permits to release (a release that never came?)'
      : ', which nobody holds (a lost wake-up?)';
  }
  const byAgent = new Map<string, Holder>();
  for (const holder of on.holders)
    if (!byAgent.has(holder.agent)) byAgent.set(holder.agent, holder);
  const parts = [...byAgent.values()].map((holder) => {
    const since = `since ${duration(graph.at - holder.since)}${at(holder.site, 'acquired at')}`;
    if (holder.agent === waiter.agent) return `which it holds itself ${since}`;
    let text = `held by ${holder.agent} ${since}`;
    if (graph.finished.has(holder.agent) && !graph.alive.has(holder.agent)) {
      text += `; ${holder.agent} has finished without releasing it (abandoned)`;
    }
    return text;
  });
  return `, ${parts.join(', ')}`;
}

function wakeups(graph: WaitForGraph, waiter: Waiter, on: PrimitiveState, done: string): string {
  if (on.lastWake !== undefined && on.lastWake <= waiter.since) {
    return `it was last ${done} ${duration(waiter.since - on.lastWake)} before this wait began (a lost wake-up?)`;
  }
  return setters(graph, on, done);
}

function setters(graph: WaitForGraph, on: PrimitiveState, done = 'set'): string {
  const wakers = [...on.wakers];
  if (wakers.length === 0) return `nobody has ${done} it yet`;
  const gone = wakers.filter((a) => graph.finished.has(a) && !graph.alive.has(a));
  if (gone.length === wakers.length) {
    return `nobody who ${done} it is left (${list(gone)} finished)`;
  }
  return `${done} before by ${list(wakers)}`;
}

function at(site: string | undefined, label = 'at'): string {
  return site === undefined ? '' : ` (${label} ${site})`;
}

function verb(agents: readonly string[], singular: 'is'): string {
  return agents.length === 1 ? singular : 'are';
}
