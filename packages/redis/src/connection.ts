/**
 * The queue's two Redis connections and how their troubles are reported: one for commands
 * (scripts: put, ack, reclaim, close) and one for blocking reads (`XREADGROUP ... BLOCK`), since a
 * blocked connection can carry nothing else.
 *
 * Retry rule: a lost connection is retried for ever with exponential backoff (50 ms doubling to
 * 2 s). Commands sent while it is down wait in ioredis's offline queue, and commands that were in
 * flight are sent again once it is back (`autoResendUnfulfilledCommands`), so no call fails
 * because Redis restarted; every error and every reconnect attempt is reported to
 * `onConnection`, so an outage is never silent.
 *
 * @module
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionEvent } from './options.js';

/** Backoff before reconnect attempt `times` (from 1), in ms. */
export function backoff(times: number): number {
  return Math.min(50 * 2 ** Math.min(times - 1, 6), 2000);
}

/** The default report: errors and reconnects on the console (never silent). */
function warn(event: ConnectionEvent): void {
  if (event.type === 'error') {
    console.warn(`RedisQueue ${event.queue} (${event.connection}): ${event.error?.message}`);
  } else if (event.type === 'reconnecting') {
    console.warn(
      `RedisQueue ${event.queue} (${event.connection}): reconnecting in ${event.delay} ms ` +
        `(attempt ${event.attempt})`,
    );
  }
}

/**
 * Opens one connection. `name` becomes the connection's `CLIENT SETNAME`, so that `close()` in
 * any process can find the blocked readers of a queue in `CLIENT LIST`.
 */
export function connect(
  where: string | RedisOptions,
  role: ConnectionEvent['connection'],
  queue: string,
  name: string,
  report: ((event: ConnectionEvent) => void) | undefined,
): Redis {
  const options: RedisOptions = {
    retryStrategy: backoff,
    // Wait through an outage instead of failing the command after 20 attempts.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: true,
    ...(typeof where === 'string' ? {} : where),
    connectionName: name,
  };
  const client = typeof where === 'string' ? new Redis(where, options) : new Redis(options);
  const emit = report ?? warn;
  let attempt = 0;
  client.on('error', (error: Error) => emit({ type: 'error', connection: role, queue, error }));
  client.on('reconnecting', (delay: number) => {
    attempt++;
    emit({ type: 'reconnecting', connection: role, queue, delay, attempt });
  });
  client.on('ready', () => {
    attempt = 0;
    emit({ type: 'ready', connection: role, queue });
  });
  client.on('end', () => emit({ type: 'end', connection: role, queue }));
  return client;
}
