import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { RedisQueue, type ConnectionEvent, type RedisQueueOptions } from '../src/index.js';

/** The test run's redis-server (test/global-setup.ts). */
export const redisUrl = (): string => inject('redisUrl');

/** A queue name no other test uses. */
export const uniqueName = (what: string): string => `${what}-${randomBytes(4).toString('hex')}`;

/** Connection events seen by the queues of a test (instead of console warnings). */
export const events: ConnectionEvent[] = [];

/** Opens a queue on the test server; the caller disconnects or destroys it. */
export function open<T>(
  options: Partial<RedisQueueOptions<T>> & { name: string },
): Promise<RedisQueue<T>> {
  return RedisQueue.open<T>({
    redis: redisUrl(),
    pollInterval: 200,
    onConnection: (event) => events.push(event),
    ...options,
  });
}

/** Waits until `check()` holds, polling; fails after `timeout` ms with `what`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeout = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** Waits until `queue`'s reader connection is blocked in XREADGROUP (seen in CLIENT LIST). */
export async function blockedInRead(queue: RedisQueue<unknown>): Promise<void> {
  const client = new Redis(redisUrl());
  try {
    const name = `name=baton-reader:${encodeURIComponent(queue.name)}:${encodeURIComponent(queue.consumer)}`;
    await eventually(`${queue.consumer} blocks in XREADGROUP`, async () => {
      const list = (await client.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
      return list
        .split('\n')
        .some(
          (line) =>
            line.includes(` ${name} `) &&
            line.includes('cmd=xreadgroup') &&
            / flags=\S*b/.test(line),
        );
    });
  } finally {
    client.disconnect();
  }
}
