/**
 * Shared-memory primitives: state in a SharedArrayBuffer, usable from every agent (worker or
 * main thread) that holds it. Create one, send `x.handle` with `postMessage`, rebuild it with
 * `SharedX.from(handle)`.
 *
 * @module
 */
export { SharedLock, SharedRLock, type SharedLockOptions } from './lock.js';
export { SharedSemaphore, type SharedSemaphoreOptions } from './semaphore.js';
export { SharedEvent, type SharedEventOptions } from './event.js';
export {
  SharedCondition,
  type SharedConditionOptions,
  type SharedConditionHandle,
} from './condition.js';
export { SharedBarrier, type SharedBarrierOptions } from './barrier.js';
export {
  SharedQueue,
  DEFAULT_SLOT_SIZE,
  type SharedQueueOptions,
  type SharedQueueHandle,
  type QueueLoss,
} from './queue.js';
export { MAX_CAPACITY as SHARED_QUEUE_MAX_CAPACITY } from './ring.js';
export {
  codecs,
  type Codec,
  type BuiltinCodecName,
  type BuiltinCodecs,
  type JsonValue,
  type PlainData,
  type StructuredData,
  type TypedArray,
} from './codec/index.js';
export {
  SharedRegistry,
  sharedRegistry,
  useRegistry,
  registerAgent,
  currentAgentId,
  snapshot,
  findDeadlock,
  type SharedRegistryOptions,
  type SharedRegistryHandle,
  type AgentSnapshot,
  type PrimitiveSnapshot,
  type WaitForSnapshot,
  type WaitForEdge,
  type Deadlock,
  type WaitOp,
} from './registry.js';
export {
  GateController,
  GateError,
  type ParkedAgent,
  type SteeredAgent,
  type SettleOptions,
  type GateMode,
  type GateAttachOptions,
} from './gate-controller.js';
export type { GateOp } from './gate.js';
export { gateStep, gateStepAsync, isSteered, type GateStepOptions } from './gate-step.js';
export type {
  SharedHandle,
  SharedKind,
  SharedLockHandle,
  SharedRLockHandle,
  SharedSemaphoreHandle,
  SharedEventHandle,
  SharedBarrierHandle,
} from './handle.js';
export type { SharedNameOptions } from './base.js';
export { canBlock } from './wait.js';
