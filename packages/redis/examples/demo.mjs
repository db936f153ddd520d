// `pnpm demo:redis`: the lesson's producer-consumer pipeline across processes, through Redis.
//
//   1. One producer process and one consumer process pass ten random integers (1 to 100)
//      through a RedisQueue of capacity 10: the producer's pipeline has the queue as its sink,
//      the consumer's pipeline has it as its source.
//   2. Three producers and three consumers share one RedisQueue; one consumer is killed with
//      SIGKILL while it holds a message it did not acknowledge (it starts first, takes three
//      messages and hangs on the fourth; the other two start once it is dead). After
//      `claimIdle` another consumer reclaims it: delivered twice, lost never (at-least-once).
//
// Every process writes its history (JSONL); the testkit merges them and gives the verdict in
// Jepsen's terms. Redis: REDIS_URL if set, else a private redis-server on a free port.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkHistory, describeHistory, readHistories } from '@baton/testkit';
import { RedisQueue, startRedisServer } from '../dist/index.js';

const COUNT = 10;
const CLAIM_IDLE = 2500;
let failures = 0;

const server = process.env.REDIS_URL ? undefined : await startRedisServer();
const url = process.env.REDIS_URL ?? server.url;
console.log(`Redis: ${url}${server ? ' (a private redis-server for this demo)' : ''}\n`);

const children = new Set();
const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // not created yet
  }
};
const count = (file, op) => read(file).split(`"op":"${op}"`).length - 1;

function run(script, args) {
  const child = spawn(
    process.execPath,
    [new URL(script, import.meta.url).pathname, JSON.stringify(args)],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  children.add(child);
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    }),
  );
  return { child, exited };
}

async function part(producers, consumers, { kill = false, mode = 'pipeline' } = {}) {
  const name = `lesson-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'baton-demo-'));
  const queue = await RedisQueue.open({ name, redis: url, capacity: 10 });
  const histories = Array.from({ length: consumers }, (_, i) =>
    join(dir, `consumer-${i + 1}.jsonl`),
  );
  const files = [...histories];
  const consumer = (i) =>
    run('./consumer.mjs', {
      url,
      name,
      consumer: i + 1,
      mode,
      history: histories[i],
      claimIdle: CLAIM_IDLE,
      ...(kill && i === 0 ? { holdAfter: 3 } : {}),
    });
  // With a kill, consumer 1 starts alone, so that it surely gets its fourth message (on a
  // loaded machine the others could take all of them first, and the demo would wait for good);
  // the others start once it is dead, and one of them reclaims what it held.
  const consuming = Array.from({ length: kill ? 1 : consumers }, (_, i) => consumer(i));
  const producing = Array.from({ length: producers }, (_, i) => {
    const history = join(dir, `producer-${i + 1}.jsonl`);
    files.push(history);
    return run('./producer.mjs', { url, name, producer: i + 1, count: COUNT, history });
  });
  let killed;
  if (kill) {
    // Wait until consumer 1 hangs on its fourth message (or has died: then the verdict says so),
    // then kill it.
    let gone = false;
    void consuming[0].exited.then(() => (gone = true));
    while (!gone && count(histories[0], 'dequeue') <= 3) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    consuming[0].child.kill('SIGKILL');
    killed = await consuming[0].exited;
    console.log(
      `(consumer 1 killed with ${killed}; its message waits ${CLAIM_IDLE} ms to be reclaimed)`,
    );
    for (let i = 1; i < consumers; i++) consuming.push(consumer(i));
  }
  const codes = await Promise.all(producing.map((p) => p.exited));
  await queue.close(); // the consumers drain what is left (reclaimed items too), then stop
  codes.push(...(await Promise.all(consuming.slice(kill ? 1 : 0).map((c) => c.exited))));
  const stats = await queue.stats();
  await queue.destroy();
  const report = checkHistory(readHistories(files));
  const crashed = codes.filter((c) => c !== 0).length;
  if (!report.ok || crashed > 0 || stats.length !== 0) {
    failures++;
    return `verdict: WRONG: ${describeHistory(report)}${crashed ? `; ${crashed} processes failed` : ''}`;
  }
  const again = report.redelivered.length;
  return (
    `verdict: all ${report.counts.enqueued} messages consumed` +
    (again === 0
      ? ' exactly once'
      : ` at least once; ${again} redelivered after the kill, none lost`) +
    `; queue closed and drained (${stats.acked} acknowledged)`
  );
}

try {
  console.log(
    '1. One producer process, one consumer process, a RedisQueue of capacity 10 (pipelines at both ends)',
  );
  console.log(await part(1, 1));
  console.log(
    '\n2. Three producers, three consumers, one RedisQueue; consumer 1 killed with SIGKILL mid-message',
  );
  console.log(await part(3, 3, { kill: true, mode: 'loop' }));
} finally {
  for (const child of children) child.kill('SIGKILL'); // only after a failure
  await server?.stop();
}
console.log(
  failures === 0
    ? '\nverdict: nothing lost, duplicates only redeliveries (2 runs, real processes, real Redis)'
    : `\nverdict: ${failures} of 2 runs went wrong`,
);
process.exit(failures === 0 ? 0 : 1);
