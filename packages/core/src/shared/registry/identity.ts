/**
 * The name this agent gave itself with `registerAgent(name)`, kept apart from the table so that
 * every registry the agent opens later uses it too.
 *
 * @module
 */

let agentName: string | undefined;

/** The name given to `registerAgent`, if any. */
export function currentAgentName(): string | undefined {
  return agentName;
}

/** Remembers `name` for registries opened from now on. */
export function setAgentName(name: string): void {
  agentName = name;
}
