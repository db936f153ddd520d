/**
 * The pure wait-for analysis of a registry snapshot: cycles, waits for abandoned locks, and the
 * deadline-aware "every agent is blocked". It reads a {@link WaitForSnapshot} only, so it can
 * run on any agent's copy of the table (or on a snapshot sent from elsewhere).
 *
 * @module
 */
import type { AgentSnapshot, Deadlock, WaitForSnapshot } from './snapshot.js';
import { describeAll } from './wording.js';

/**
 * Looks for a deadlock in `snapshot`, as seen by agent `self` (0: an observer that is not in the
 * registry); see {@link SharedRegistry.findDeadlock} for what is reported and how timeouts count.
 */
export function findDeadlockIn(snapshot: WaitForSnapshot, self: number): Deadlock | undefined {
  const found: Deadlock[] = [];
  const byId = new Map(snapshot.agents.map((a) => [a.id, a]));
  const next = new Map(snapshot.edges.map((e) => [e.from, e.to]));
  // Each agent waits on one thing at most, so the graph is functional: walk from every
  // agent, colouring as we go; meeting our own walk again closes a cycle.
  const cycles: AgentSnapshot[][] = [];
  const done = new Set<number>();
  for (const start of snapshot.agents) {
    const path: number[] = [];
    const onPath = new Set<number>();
    let at: number | undefined = start.id;
    while (at !== undefined && !done.has(at) && !onPath.has(at)) {
      path.push(at);
      onPath.add(at);
      at = next.get(at);
    }
    if (at !== undefined && onPath.has(at)) {
      const cycle = path.slice(path.indexOf(at)).map((id) => byId.get(id)!);
      if (cycle.every((a) => a.state === 'waiting')) cycles.push(cycle);
    }
    for (const id of path) done.add(id);
  }
  // Cycles nobody's timeout will break are reported apart from those that will be broken.
  const final = cycles.filter((cycle) => deadlineOf(cycle) === undefined);
  const broken = cycles.filter((cycle) => deadlineOf(cycle) !== undefined);
  for (const group of [final, broken]) {
    if (group.length === 0) continue;
    const agents = group.flat();
    found.push({
      kind: 'cycle',
      cycles: group,
      agents,
      primitives: agents.map((a) => a.waitingOn!.primitive),
      deadline: deadlineOf(agents),
      message: `deadlock: ${describeAll(agents, snapshot.time)}`,
      snapshot,
    });
  }
  const stuck = snapshot.agents.filter((a) => a.waitingOn?.primitive.abandoned === true);
  if (stuck.length > 0) {
    found.push({
      kind: 'abandoned',
      cycles: [],
      agents: stuck,
      primitives: stuck.map((a) => a.waitingOn!.primitive),
      deadline: deadlineOf(stuck),
      message: `deadlock: ${describeAll(stuck, snapshot.time)}`,
      snapshot,
    });
  }
  const others = snapshot.agents.filter((a) => a.state !== 'exited' && a.id !== self);
  const blocked = others.filter((a) => a.state === 'waiting');
  const waitsForCaller = blocked.some(
    (a) => a.waitingOn?.primitive.owner?.id === self && self !== 0,
  );
  if (
    others.length > 0 &&
    blocked.length === others.length &&
    !waitsForCaller &&
    deadlineOf(blocked) === undefined
  ) {
    found.push({
      kind: 'all-blocked',
      cycles: [],
      agents: blocked,
      primitives: [...new Set(blocked.map((a) => a.waitingOn!.primitive))],
      deadline: undefined,
      message: `every agent is blocked: ${describeAll(blocked, snapshot.time)}`,
      snapshot,
    });
  }
  return found.find((d) => d.deadline === undefined) ?? found[0];
}

/** The earliest time one of `agents` runs again by itself (a wait times out), if any. */
function deadlineOf(agents: readonly AgentSnapshot[]): number | undefined {
  let earliest: number | undefined;
  for (const agent of agents) {
    const at = agent.wakesAt;
    if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest;
}
