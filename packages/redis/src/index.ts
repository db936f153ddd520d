/**
 * `@baton/redis`: Baton's bounded queue across processes and machines, on a Redis Stream with a
 * consumer group. `RedisQueue` implements core's `QueueLike`, so `pipeline()` takes it as its
 * source or sink.
 *
 * @packageDocumentation
 */
export { RedisQueue, Delivery, type DeadLetter, type RedisQueueStats } from './queue.js';
export type { RedisQueueOptions, ConnectionEvent } from './options.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './server.js';
