/**
 * This agent's default registry and the functions that read it (`snapshot()`, `findDeadlock()`,
 * `registerAgent()` ...). The state they read (the default registry, the agent's name) lives in
 * `state.ts`, shared by every copy of core loaded in this agent.
 *
 * @module
 */
import { describe } from '../../options.js';
import { setAgentName } from './identity.js';
import type { Deadlock, WaitForSnapshot } from './snapshot.js';
import { registryState } from './state.js';
import { SharedRegistry } from './table.js';

/**
 * This agent's default registry: the one its first shared primitive joined, else a new one.
 * `snapshot()` and `findDeadlock()` read it.
 */
export function sharedRegistry(): SharedRegistry {
  registryState.defaultRegistry ??= SharedRegistry.create();
  return registryState.defaultRegistry;
}

/**
 * Makes `registry` this agent's default, so that primitives created here report to it (e.g. a
 * worker that creates primitives of its own before it receives any handle).
 */
export function useRegistry(registry: SharedRegistry): void {
  registryState.defaultRegistry = registry;
}

/** The registry in a handle, which becomes this agent's default if it had none. @internal */
export function joinRegistry(buffer: SharedArrayBuffer): SharedRegistry {
  const registry = SharedRegistry.from(buffer);
  registryState.defaultRegistry ??= registry;
  // Appear in snapshots as soon as we hold a primitive, not only once we first wait.
  void registry.agentId;
  return registry;
}

/**
 * Names this agent (a worker, or the main thread) in every registry it has joined or will
 * join. Call it first thing in a worker so that snapshots and deadlock reports say
 * `producer` rather than `worker 3`.
 *
 * @example
 * ```ts
 * // producer.mjs (a worker)
 * import { registerAgent, SharedQueue } from '@baton/core';
 * registerAgent('producer');
 * const queue = SharedQueue.from(workerData.queue);
 * ```
 */
export function registerAgent(name: string): void {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`registerAgent needs a non-empty name, got ${describe(name)}`);
  }
  setAgentName(name);
  for (const registry of SharedRegistry.opened()) registry.rename(name);
}

/** This agent's id in its default registry (registering it if needed). */
export function currentAgentId(): number {
  return sharedRegistry().agentId;
}

/** The wait-for graph of this agent's default registry; see {@link SharedRegistry.snapshot}. */
export function snapshot(): WaitForSnapshot {
  return sharedRegistry().snapshot();
}

/** Looks for a deadlock in the default registry; see {@link SharedRegistry.findDeadlock}. */
export function findDeadlock(): Deadlock | undefined {
  return sharedRegistry().findDeadlock();
}
