/**
 * The cross-worker half of a deadlock watch. Shared primitives keep a registry in shared memory
 * (core's `snapshot()` / `findDeadlock()`): which agent (the main thread, each worker) holds which
 * lock and waits for what. Blocked workers cannot emit trace events to us, but the registry can be
 * read from here at any time, so the watch polls it and turns it into the same
 * {@link WaitForGraph} as in-thread waits, explained with the same sentences.
 *
 * @module
 */
import {
  findDeadlock,
  snapshot as readSnapshot,
  type Deadlock,
  type WaitForSnapshot,
} from '@baton/core';
import type { Holder, PrimitiveState, WaitForGraph, Waiter } from './wait-for.js';
import { findCycle, partners } from './wait-for.js';

/**
 * Whether shared memory exists here: without `SharedArrayBuffer` (a page that is not
 * cross-origin isolated) there can be no shared primitives and no registry to read.
 */
export const sharedRegistryAvailable: boolean = typeof SharedArrayBuffer === 'function';

/** A definite cross-worker deadlock (a cycle or an abandoned lock) found now, if any. */
export function findSharedDeadlock(ignore: ReadonlySet<string>): Deadlock | undefined {
  if (!sharedRegistryAvailable) return undefined;
  const found = safely(findDeadlock);
  if (found === undefined || found.kind === 'all-blocked') return undefined;
  return ignore.has(signature(found)) ? undefined : found;
}

/** Deadlocks already present when a watch starts (left over by earlier tests): not ours. */
export function sharedBaseline(): Set<string> {
  const found = sharedRegistryAvailable ? safely(findDeadlock) : undefined;
  return new Set(found === undefined ? [] : [signature(found)]);
}

/** The registry's wait-for graph as a {@link WaitForGraph}, or `undefined` if nobody waits. */
export function sharedGraph(
  snapshot: WaitForSnapshot | undefined = sharedRegistryAvailable
    ? safely(readSnapshot)
    : undefined,
): WaitForGraph | undefined {
  if (snapshot === undefined) return undefined;
  if (!snapshot.agents.some((a) => a.state === 'waiting')) return undefined;
  const names = new Map(snapshot.agents.map((a) => [a.id, a.name]));
  const states = new Map<number, PrimitiveState>();
  for (const p of snapshot.primitives) {
    const holders: Holder[] = [];
    if (p.owner !== undefined) {
      holders.push({
        agent: names.get(p.owner.id) ?? p.owner.name,
        since: p.ownerSince ?? snapshot.time,
      });
    }
    states.set(p.id, {
      primitive: p.kind,
      id: p.id,
      name: p.name,
      holders,
      waiters: [],
      producers: new Set(),
      consumers: new Set(),
      wakers: new Set(),
      closed: false,
      partnersUnknown: true,
    });
  }
  const waiting: { waiter: Waiter; on: PrimitiveState }[] = [];
  for (const agent of snapshot.agents) {
    const wait = agent.waitingOn;
    if (agent.state !== 'waiting' || wait === undefined) continue;
    const on = states.get(wait.primitive.id);
    if (on === undefined) continue;
    const purpose = wait.op === 'put' ? 'not_full' : wait.op === 'get' ? 'not_empty' : undefined;
    const waiter: Waiter = {
      agent: agent.name,
      since: wait.since,
      ...(purpose ? { for: purpose } : {}),
    };
    on.waiters.push(waiter);
    waiting.push({ waiter, on });
  }
  waiting.sort((a, b) => a.waiter.since - b.waiter.since);
  const blocked = new Set(waiting.map((w) => w.waiter.agent));
  const edges = waiting.flatMap(({ waiter, on }) =>
    partners(on, waiter)
      .filter((to) => blocked.has(to) || to === waiter.agent)
      .map((to) => ({ from: waiter.agent, to, on, waiter })),
  );
  const cycle = findCycle(edges);
  return {
    at: snapshot.time,
    waiting,
    edges,
    ...(cycle ? { cycle } : {}),
    alive: new Set(snapshot.agents.filter((a) => a.state !== 'exited').map((a) => a.name)),
    finished: new Set(snapshot.agents.filter((a) => a.state === 'exited').map((a) => a.name)),
    primitives: [...states.values()],
  };
}

function signature(deadlock: Deadlock): string {
  return `${deadlock.kind}:${deadlock.agents
    .map((a) => a.id)
    .sort((x, y) => x - y)
    .join(',')}`;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    // The registry is diagnostic: a failure to read it must not hide the test's own result.
    return undefined;
  }
}
