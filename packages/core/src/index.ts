/**
 * `@baton/core`: locks, semaphores, conditions, events, barriers, bounded queues and pipelines
 * for JavaScript, in one thread (promises) and across workers (SharedArrayBuffer + Atomics).
 *
 * @packageDocumentation
 */

// --- errors, options, shared interfaces ---
export * from './errors.js';
export type { WaitOptions } from './options.js';
export { EMPTY } from './interfaces.js';
export type { Lockable, QueueLike, TryGetResult, CloseOptions } from './interfaces.js';

// --- tracing ---
export * from './trace/index.js';

// --- in-thread primitives (sync/) ---
export * from './sync/index.js';

// --- in-thread queues (queue/) ---
export * from './queue/index.js';

// --- shared-memory primitives (shared/) ---
export * from './shared/index.js';

// --- the wait-for graph, its analysis and wording (diagnose/) ---
export * from './diagnose/index.js';

// --- pipelines (pipeline/) ---
export * from './pipeline/index.js';
