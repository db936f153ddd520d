export { Lock, type LockOptions } from './lock.js';
export { LockGuard } from './guard.js';
export { Semaphore, BoundedSemaphore, type SemaphoreOptions } from './semaphore.js';
export { Condition, type ConditionOptions } from './condition.js';
export { Event, type EventOptions } from './event.js';
export { Barrier, type BarrierOptions } from './barrier.js';
export type { NameOptions } from './subject.js';
