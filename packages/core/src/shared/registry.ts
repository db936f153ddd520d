/**
 * The agent registry: which agent (the main thread, each worker) holds which shared lock and
 * waits for what, readable by any agent. Split into the shared table (`registry/table.ts`), its
 * layout, the pure analysis of a snapshot, its wording, and this agent's default registry; this
 * module gathers them under their historical path.
 *
 * @module
 */
export {
  SharedRegistry,
  type SharedRegistryHandle,
  type SharedRegistryOptions,
  type WaitBound,
} from './registry/table.js';
export type { WaitOp } from './registry/layout.js';
export type {
  AgentSnapshot,
  Deadlock,
  PrimitiveSnapshot,
  WaitForEdge,
  WaitForSnapshot,
} from './registry/snapshot.js';
export { findDeadlockIn } from './registry/analysis.js';
export {
  currentAgentId,
  findDeadlock,
  joinRegistry,
  registerAgent,
  sharedRegistry,
  snapshot,
  useRegistry,
} from './registry/default.js';
