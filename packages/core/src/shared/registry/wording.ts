/**
 * The English sentences of the registry's deadlock reports.
 *
 * @module
 */
import type { AgentSnapshot } from './snapshot.js';

export function describeAll(agents: readonly AgentSnapshot[], time: number): string {
  return agents.map((a) => describeWait(a, time)).join('; ');
}

function describeWait(agent: AgentSnapshot, time: number): string {
  const wait = agent.waitingOn;
  if (wait === undefined) return `${agent.name} is running`;
  const p = wait.primitive;
  const what = `${agent.name} (agent ${agent.id}) waits to ${wait.op} ${p.kind} ${p.name}`;
  const ends =
    wait.deadline === undefined
      ? ''
      : ` (times out in ${seconds(wait.deadline - time)}, after ${wait.timeout} ms)`;
  if (p.owner === undefined) return `${what} for ${seconds(time - wait.since)}${ends}`;
  const held = `held by ${p.owner.name} (agent ${p.owner.id}) for ${seconds(time - (p.ownerSince ?? time))}`;
  return `${what}, ${held}${p.abandoned ? ', which has exited: the lock is abandoned' : ''}${ends}`;
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
