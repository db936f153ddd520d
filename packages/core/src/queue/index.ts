export { Queue, type QueueOptions } from './queue.js';
export { LifoQueue } from './lifo.js';
export { PriorityQueue, type PriorityQueueOptions } from './priority.js';
export type { Compare } from './heap.js';
export {
  select,
  selectSync,
  type CaseResult,
  type GetCase,
  type PutCase,
  type SelectCase,
  type SelectOptions,
  type SelectResult,
  type WaitCase,
} from './select.js';
