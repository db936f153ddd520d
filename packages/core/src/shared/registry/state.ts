/**
 * This agent's registry state: the registries it has opened (one instance per registry, so it
 * keeps one identity in each), its default registry, and the name it gave itself. Shared by
 * every copy of `@baton/core` loaded in the agent, like the tracer hooks (see `trace/hooks.ts`
 * for why a project may hold two copies).
 *
 * Why shared: a worker stage's code in Node is one bundled script (`node-worker-bundle.js`, see
 * pipeline/node-worker.ts), a copy of core of its own; a browser worker bundled by Vite is
 * too. A stage module that imports `@baton/core` loads the installed copy. Both copies join
 * the same registry (the queues' handles carry it) from the same thread: with state per copy
 * the thread would take two agent rows, one named after the stage and one `worker 3`, and a
 * wait in one copy while the other holds a lock would not close a cycle in the wait-for graph.
 * Sharing the state, the second copy finds the first one's registry instance and uses it.
 *
 * The key carries the registry's layout version (`REGISTRY_VERSION`): copies that read the same
 * layout share instances; a copy with another layout keeps a state of its own (and
 * `SharedRegistry.from` refuses the other layout's buffers, as before). A change to the methods
 * one copy may call on another copy's instance must therefore bump the layout version.
 *
 * @module
 */
import { REGISTRY_VERSION } from './layout.js';
import type { SharedRegistry } from './table.js';

/** The registry state of this agent, as kept on `globalThis`. */
export interface RegistryState {
  /** The layout version the instances read. */
  readonly version: number;
  /** The registry instances this agent knows, by the token stored in their buffer. */
  readonly known: Map<string, SharedRegistry>;
  /** The registry `snapshot()` and `findDeadlock()` read, once there is one. */
  defaultRegistry: SharedRegistry | undefined;
  /** The name given to `registerAgent`, if any. */
  agentName: string | undefined;
}

/** The key of this agent's registry state on `globalThis` (process-wide: `Symbol.for`). */
export const REGISTRY_STATE_KEY: unique symbol = Symbol.for(
  `baton.registry.v${REGISTRY_VERSION}`,
) as never;

function findOrCreate(): RegistryState {
  const global = globalThis as unknown as Record<symbol, RegistryState | undefined>;
  const found = global[REGISTRY_STATE_KEY];
  if (found !== undefined && found.version === REGISTRY_VERSION) return found;
  const created: RegistryState = {
    version: REGISTRY_VERSION,
    known: new Map(),
    defaultRegistry: undefined,
    agentName: undefined,
  };
  // Not enumerable, so it does not show up when user code lists the globals.
  Object.defineProperty(global, REGISTRY_STATE_KEY, { value: created, configurable: true });
  return created;
}

/** This agent's registry state, shared by every copy of core that reads this layout. */
export const registryState: RegistryState = findOrCreate();
