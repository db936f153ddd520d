/**
 * The options of {@link RedisQueue.open} and their validation: every bad value is refused with a
 * `TypeError` or `RangeError` naming the option and the value, before anything touches Redis.
 *
 * @module
 */
import { codecs, type BuiltinCodecName, type Codec } from '@baton/core';
import type { RedisOptions } from 'ioredis';

/** What happened to one of the queue's Redis connections. */
export interface ConnectionEvent {
  /**
   * - `'error'`: the connection failed (`error` says why); it is retried.
   * - `'reconnecting'`: the next attempt starts in `delay` ms (`attempt` counts from 1).
   * - `'ready'`: connected (again); commands sent while disconnected are sent now.
   * - `'end'`: the connection is closed for good (after `disconnect()`).
   */
  readonly type: 'error' | 'reconnecting' | 'ready' | 'end';
  /** Which connection: `'command'` (puts, acks, scripts) or `'blocking'` (blocking reads). */
  readonly connection: 'command' | 'blocking';
  /** The queue's name. */
  readonly queue: string;
  /** For `'error'`: the error. */
  readonly error?: Error;
  /** For `'reconnecting'`: milliseconds until the attempt. */
  readonly delay?: number;
  /** For `'reconnecting'`: which attempt this is, from 1. */
  readonly attempt?: number;
}

/** Options of {@link RedisQueue.open}. */
export interface RedisQueueOptions<T> {
  /**
   * The queue's name: every process that opens the same name on the same Redis shares the queue.
   * Redis keys are `baton:{name}:*`.
   */
  name: string;
  /**
   * Where Redis is: a `redis://host:port/db` URL or ioredis options. Default
   * `redis://127.0.0.1:6379`.
   */
  redis?: string | RedisOptions;
  /**
   * Most items put and not yet acknowledged (`taskDone`) at once; `put` waits while the queue
   * holds that many. Default: the capacity the queue was first opened with, else 1024. Opening an
   * existing queue with another capacity is refused with a `RangeError`.
   */
  capacity?: number;
  /**
   * How values become bytes: a built-in codec's name (as for `SharedQueue`) or a `Codec`.
   * Default `'json'`. Every process must use the same codec.
   */
  codec?: BuiltinCodecName | Codec<T>;
  /** Largest encoded item in bytes (`CodecError` beyond). Default 1 MiB. */
  maxItemBytes?: number;
  /** This process's consumer name in the group. Default `host-pid-random`, unique per open(). */
  consumer?: string;
  /**
   * Milliseconds an item may stay delivered and unacknowledged before another consumer may
   * reclaim it (`XAUTOCLAIM` min-idle-time): longer than your slowest item takes. Default 30 000.
   */
  claimIdle?: number;
  /**
   * Most deliveries of one item: a reclaimed item that would be delivered more often goes to the
   * dead-letter stream instead. Default 5.
   */
  maxDeliveries?: number;
  /**
   * Longest single blocking read, and the longest pause between checks for room, drain or close
   * when no notification arrives, in ms. Default 1000.
   */
  pollInterval?: number;
  /**
   * Called for every connection event (errors, reconnects, restarts of Redis). Default: errors and
   * reconnects are written with `console.warn`, so a lost connection is never silent.
   */
  onConnection?: (event: ConnectionEvent) => void;
}

/** The options with every default settled. */
export interface Settled<T> {
  readonly name: string;
  readonly redis: string | RedisOptions;
  readonly capacity: number | undefined;
  readonly codec: Codec<T>;
  readonly maxItemBytes: number;
  readonly consumer: string | undefined;
  readonly claimIdle: number;
  readonly maxDeliveries: number;
  readonly pollInterval: number;
  readonly onConnection: ((event: ConnectionEvent) => void) | undefined;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** `value` as a positive safe integer, or a `TypeError` / `RangeError` naming `field`. */
export function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(`RedisQueue: ${field} must be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`RedisQueue: ${field} must be a positive safe integer, got ${value}`);
  }
  return value;
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`RedisQueue: ${field} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function resolveCodec<T>(codec: unknown): Codec<T> {
  if (typeof codec === 'string' && Object.hasOwn(codecs, codec)) {
    return codecs[codec as BuiltinCodecName] as unknown as Codec<T>;
  }
  const c = codec as Partial<Codec<T>> | null;
  if (
    typeof c === 'object' &&
    c !== null &&
    typeof c.encode === 'function' &&
    typeof c.decode === 'function' &&
    typeof c.name === 'string'
  ) {
    return c as Codec<T>;
  }
  throw new TypeError(
    `RedisQueue: codec must be one of ${Object.keys(codecs)
      .map((n) => `'${n}'`)
      .join(', ')} or a Codec object with name, encode and decode, got ${describe(codec)}`,
  );
}

/** Checks `options` and fills in the defaults. */
export function settle<T>(options: RedisQueueOptions<T>): Settled<T> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`RedisQueue: options must be an object, got ${describe(options)}`);
  }
  const name = nonEmptyString('name', options.name);
  const redis = options.redis ?? 'redis://127.0.0.1:6379';
  if (typeof redis !== 'string' && (typeof redis !== 'object' || redis === null)) {
    throw new TypeError(
      `RedisQueue: redis must be a redis:// URL or ioredis options, got ${describe(redis)}`,
    );
  }
  const onConnection = options.onConnection;
  if (onConnection !== undefined && typeof onConnection !== 'function') {
    throw new TypeError(
      `RedisQueue: onConnection must be a function, got ${describe(onConnection)}`,
    );
  }
  return {
    name,
    redis,
    capacity:
      options.capacity === undefined ? undefined : positiveInteger('capacity', options.capacity),
    codec: resolveCodec<T>(options.codec ?? 'json'),
    maxItemBytes: positiveInteger('maxItemBytes', options.maxItemBytes ?? 1 << 20),
    consumer:
      options.consumer === undefined ? undefined : nonEmptyString('consumer', options.consumer),
    claimIdle: positiveInteger('claimIdle', options.claimIdle ?? 30_000),
    maxDeliveries: positiveInteger('maxDeliveries', options.maxDeliveries ?? 5),
    pollInterval: positiveInteger('pollInterval', options.pollInterval ?? 1000),
    onConnection,
  };
}
