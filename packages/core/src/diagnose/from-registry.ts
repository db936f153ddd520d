/**
 * The wait-for graph of the shared registry: a {@link WaitForSnapshot} (workers, what they wait
 * on, which locks they hold) as a {@link WaitGraph}, so that workers are explained exactly as
 * in-thread tasks are.
 *
 * @module
 */
import type { AgentSnapshot, WaitForSnapshot } from '../shared/registry/snapshot.js';
import type { WaitOp } from '../shared/registry/layout.js';
import {
  resourceKind,
  waitForOf,
  type ResourceKind,
  type WaitFor,
  type WaitGraph,
  type WaitGraphHold,
  type WaitGraphWait,
} from './graph.js';

/**
 * The registry's `snapshot` as a {@link WaitGraph}. Parties are named by their agent's name
 * (with `(agent N)` added only when two agents share a name); resources are keyed
 * `'<kind>#<registry id>'`. The registry records owners of locks only, so who could put into a
 * queue or release a semaphore is left unknown (and never guessed).
 *
 * @example
 * ```ts
 * import { SharedLock, analyseWaits, snapshot, waitGraphFromSnapshot } from '@baton/core';
 * const lock = new SharedLock({ name: 'producer_lock' });
 * await lock.acquire();
 * const graph = waitGraphFromSnapshot(snapshot());
 * console.log(graph.holds); // [{ party: 'main', resource: 'SharedLock#1', since: ... }]
 * console.log(analyseWaits(graph).cycle); // undefined: nobody waits
 * lock.release();
 * ```
 */
export function waitGraphFromSnapshot(snapshot: WaitForSnapshot): WaitGraph {
  const label = partyLabels(snapshot.agents);
  const key = (p: { kind: string; id: number }): string => `${p.kind}#${p.id}`;
  const holds: WaitGraphHold[] = [];
  for (const p of snapshot.primitives) {
    if (p.owner === undefined || resourceKind(p.kind) !== 'lock') continue;
    holds.push({
      party: label.get(p.owner.id) ?? p.owner.name,
      resource: key(p),
      since: p.ownerSince ?? snapshot.time,
    });
  }
  const waits: WaitGraphWait[] = [];
  for (const agent of snapshot.agents) {
    const wait = agent.waitingOn;
    if (agent.state !== 'waiting' || wait === undefined) continue;
    waits.push({
      party: label.get(agent.id) ?? agent.name,
      resource: key(wait.primitive),
      for: waitFor(resourceKind(wait.primitive.kind), wait.op),
      since: wait.since,
      ...(wait.timeout !== undefined ? { timeout: wait.timeout } : {}),
      ...(wait.deadline !== undefined ? { deadline: wait.deadline } : {}),
    });
  }
  waits.sort((a, b) => a.since - b.since);
  return {
    time: snapshot.time,
    parties: snapshot.agents.map((a) => ({
      name: label.get(a.id) ?? a.name,
      agentId: a.id,
      state: a.state,
      ...(a.wakesAt !== undefined ? { wakesAt: a.wakesAt } : {}),
      ...(a.lost !== undefined ? { lost: a.lost } : {}),
    })),
    resources: snapshot.primitives.map((p) => ({
      key: key(p),
      type: p.kind,
      kind: resourceKind(p.kind),
      name: p.name,
    })),
    holds,
    waits,
  };
}

/**
 * Each agent's name in the graph: its own, or `name (agent N)` when another agent has the same
 * name. Live agents keep their plain name when no other live agent shares it (a registry that
 * outlives many workers keeps the rows of those that exited, often under the same names).
 */
export function partyLabels(agents: readonly AgentSnapshot[]): Map<number, string> {
  const live = new Map<string, number>();
  const all = new Map<string, number>();
  for (const a of agents) {
    all.set(a.name, (all.get(a.name) ?? 0) + 1);
    if (a.state !== 'exited') live.set(a.name, (live.get(a.name) ?? 0) + 1);
  }
  return new Map(
    agents.map((a) => {
      const shared = a.state === 'exited' ? (all.get(a.name) ?? 0) : (live.get(a.name) ?? 0);
      return [a.id, shared > 1 ? `${a.name} (agent ${a.id})` : a.name];
    }),
  );
}

/** What a registry wait (`op` on a primitive of `kind`) waits for. */
export function waitFor(kind: ResourceKind, op: WaitOp): WaitFor {
  return waitForOf(kind, op === 'put' ? 'space' : op === 'get' ? 'item' : op);
}
