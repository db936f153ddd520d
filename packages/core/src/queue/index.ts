export { Queue, type QueueOptions } from './queue.js';
export { LifoQueue } from './lifo.js';
export { PriorityQueue, type PriorityQueueOptions } from './priority.js';
export type { Compare } from './heap.js';
