// Three producer processes and three consumer processes share one RedisQueue; one consumer is
// killed with SIGKILL while it holds an item. Every process records its history (JSONL); the
// testkit merges them and checks at-least-once delivery in Jepsen's terms.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertHistory, checkHistory, readHistories } from '@baton/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisQueue, startRedisServer, type RedisServer } from '../src/index.js';
import { eventually, open, redisUrl, uniqueName } from './helpers.js';
import { historyDir, start, type Child } from './processes.js';

const PER_PRODUCER = 150;
const children: Child[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
    }
    await child.exited;
  }
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Fails at once (with its stderr) when a child died on its own, instead of waiting in vain. */
function noneFailed(): void {
  for (const child of children) {
    const code = child.process.exitCode;
    if (code !== null && code !== 0) {
      throw new Error(`${child.name} exited with ${code}:\n${child.stderr()}`);
    }
  }
}

const lines = (file: string, op: string): number => {
  noneFailed();
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes(`"op":"${op}"`)).length;
  } catch {
    return 0;
  }
};

function spawnAll(url: string, name: string, dir: string, claimIdle: number, holdAfter?: number) {
  const consumers = [0, 1, 2].map((i) =>
    start('consumer', `c${i}`, {
      url,
      name,
      process: `c${i}`,
      history: join(dir, `c${i}.jsonl`),
      claimIdle,
      ...(i === 0 && holdAfter !== undefined ? { holdAfter } : {}),
    }),
  );
  const producers = [0, 1, 2].map((i) =>
    start('producer', `p${i}`, {
      url,
      name,
      process: `p${i}`,
      history: join(dir, `p${i}.jsonl`),
      count: PER_PRODUCER,
    }),
  );
  children.push(...consumers, ...producers);
  return { consumers, producers };
}

describe('RedisQueue across processes', () => {
  it('3 producers, 3 consumers, one consumer SIGKILLed: at least once, duplicates only its redeliveries, closed and drained', async () => {
    const name = uniqueName('kill');
    const dir = historyDir();
    const queue = await open<unknown>({ name, capacity: 16, claimIdle: 5000 });
    cleanups.push(() => queue.destroy());
    const { consumers, producers } = spawnAll(redisUrl(), name, dir, 5000, 20);
    const victim = consumers[0]!;

    // Kill the victim while it holds an item it got and did not acknowledge.
    const victimFile = join(dir, 'c0.jsonl');
    await eventually(
      'the victim holds an unacknowledged item',
      () => lines(victimFile, 'dequeue') > 20,
    );
    expect(lines(victimFile, 'dequeue')).toBe(lines(victimFile, 'ack') + 1);
    victim.process.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');

    for (const producer of producers) expect(await producer.exited, producer.stderr()).toBe(0);
    await queue.close();
    // The survivors end only once the victim's item was reclaimed (after claimIdle) and acked.
    for (const consumer of consumers.slice(1)) {
      expect(await consumer.exited, consumer.stderr()).toBe(0);
    }

    const files = ['p0', 'p1', 'p2', 'c0', 'c1', 'c2'].map((p) => join(dir, `${p}.jsonl`));
    const report = assertHistory(readHistories(files));
    expect(report.counts.enqueued).toBe(3 * PER_PRODUCER);
    expect(report.lost).toEqual([]);
    // The held item was redelivered; every duplicate is a redelivery of a victim's item.
    expect(report.redelivered.length).toBeGreaterThanOrEqual(1);
    expect(report.duplicated.length).toBe(report.redelivered.length);
    for (const { deliveries } of report.redelivered) {
      const unacked = deliveries.filter((d) => !d.acked);
      expect(unacked.every((d) => d.process === 'c0')).toBe(true);
      expect(deliveries.find((d) => d.acked)?.deliveries).toBeGreaterThan(1);
    }
    expect(await queue.stats()).toMatchObject({
      closed: 'drain',
      length: 0,
      pending: 0,
      put: 3 * PER_PRODUCER,
      acked: 3 * PER_PRODUCER,
    });
  });

  it('a redis-server restart mid-run loses nothing acknowledged, and every process reports it', async () => {
    const server: RedisServer = await startRedisServer();
    cleanups.push(() => server.stop());
    const name = uniqueName('restart');
    const dir = historyDir();
    const { consumers, producers } = spawnAll(server.url, name, dir, 3000);

    // Every consumer connected (each reports its connections: on a loaded machine one may
    // start after the others have been at work for a while), and the work under way.
    await eventually('every consumer is connected', () =>
      consumers.every((consumer) => consumer.stderr().includes('"connection":"ready"')),
    );
    await eventually('consumers are under way', () =>
      [0, 1, 2].some((i) => lines(join(dir, `c${i}.jsonl`), 'ack') >= 10),
    );
    await server.restart();

    for (const producer of producers) expect(await producer.exited, producer.stderr()).toBe(0);
    const queue = await RedisQueue.open<unknown>({
      name,
      redis: server.url,
      pollInterval: 200,
      onConnection: () => {},
    });
    cleanups.push(() => queue.disconnect());
    await queue.close();
    for (const consumer of consumers) expect(await consumer.exited, consumer.stderr()).toBe(0);

    const files = ['p0', 'p1', 'p2', 'c0', 'c1', 'c2'].map((p) => join(dir, `${p}.jsonl`));
    const report = checkHistory(readHistories(files));
    // Nothing whose put resolved is lost; a command cut by the restart may repeat (at-least-once).
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.counts.enqueued).toBe(3 * PER_PRODUCER);
    expect(await queue.stats()).toMatchObject({ closed: 'drain', length: 0, pending: 0 });
    // Each consumer's connections saw the outage and said so.
    for (const consumer of consumers) {
      expect(consumer.stderr()).toContain('"connection":"reconnecting"');
    }
  });
});
