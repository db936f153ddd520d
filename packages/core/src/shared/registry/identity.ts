/**
 * The name this agent gave itself with `registerAgent(name)`, kept apart from the table so that
 * every registry the agent opens later uses it too.
 *
 * @module
 */

import { registryState } from './state.js';

/** The name given to `registerAgent`, if any (by any copy of core in this agent). */
export function currentAgentName(): string | undefined {
  return registryState.agentName;
}

/** Remembers `name` for registries opened from now on. */
export function setAgentName(name: string): void {
  registryState.agentName = name;
}
