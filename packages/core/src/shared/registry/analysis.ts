/**
 * `findDeadlock()` on a registry snapshot: core's one wait-for analysis (`diagnose/`) applied to
 * the registry's graph, its findings returned as a {@link Deadlock} in the registry's terms
 * (agents and primitives as snapshotted). Pure: it reads the snapshot only, so it can run on any
 * agent's copy of the table (or on a snapshot sent from elsewhere).
 *
 * @module
 */
import { analyseWaits } from '../../diagnose/analysis.js';
import { partyLabels, waitGraphFromSnapshot } from '../../diagnose/from-registry.js';
import { explainWaits } from '../../diagnose/wording.js';
import type { AgentSnapshot, Deadlock, PrimitiveSnapshot, WaitForSnapshot } from './snapshot.js';

/**
 * Looks for a deadlock in `snapshot`, as seen by agent `self` (0: an observer that is not in the
 * registry); see `SharedRegistry.findDeadlock` for what is reported and how timeouts count.
 */
export function findDeadlockIn(snapshot: WaitForSnapshot, self: number): Deadlock | undefined {
  const graph = waitGraphFromSnapshot(snapshot);
  const labels = partyLabels(snapshot.agents);
  const observer = self === 0 ? undefined : labels.get(self);
  const analysis = analyseWaits(graph, observer === undefined ? {} : { observer });
  const byLabel = new Map(snapshot.agents.map((a) => [labels.get(a.id) ?? a.name, a]));
  const agentsOf = (names: readonly string[]): AgentSnapshot[] =>
    names.flatMap((name) => byLabel.get(name) ?? []);
  // The survivors see who died with items in hand: it explains a stall as much as a wait does.
  const losses = snapshot.agents
    .filter((a) => a.state === 'exited' && a.lost !== undefined)
    .map(
      (a) =>
        `; ${labels.get(a.id) ?? a.name} exited and took ${a.lost} item${a.lost === 1 ? '' : 's'} with it`,
    )
    .join('');
  const message = (agents: readonly AgentSnapshot[]): string => {
    const names = agents.map((a) => labels.get(a.id) ?? a.name);
    const waits = names.flatMap((name) => graph.waits.filter((w) => w.party === name));
    return explainWaits(graph, waits) + losses;
  };
  const waitedOn = (agents: readonly AgentSnapshot[]): PrimitiveSnapshot[] =>
    agents.flatMap((a) => (a.waitingOn ? [a.waitingOn.primitive] : []));

  const found: Deadlock[] = [];
  const cycles = analysis.cycles.map((cycle) => agentsOf(cycle.map((edge) => edge.from)));
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
      primitives: waitedOn(agents),
      deadline: deadlineOf(agents),
      message: `deadlock: ${message(agents)}`,
      snapshot,
    });
  }
  const stuck = agentsOf(analysis.abandoned.map((w) => w.party));
  if (stuck.length > 0) {
    found.push({
      kind: 'abandoned',
      cycles: [],
      agents: stuck,
      primitives: waitedOn(stuck),
      deadline: deadlineOf(stuck),
      message: `deadlock: ${message(stuck)}`,
      snapshot,
    });
  }
  if (analysis.allBlocked) {
    const blocked = snapshot.agents.filter((a) => a.state === 'waiting' && a.id !== self);
    found.push({
      kind: 'all-blocked',
      cycles: [],
      agents: blocked,
      primitives: [...new Set(waitedOn(blocked))],
      deadline: undefined,
      message: `every agent is blocked: ${message(blocked)}`,
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
