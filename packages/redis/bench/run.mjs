// `pnpm bench` for @baton/redis: RedisQueue beside BullMQ on the same private redis-server
// (appendonly yes, fsync every second, as a production Redis would run), in separate processes:
// 1 producer / 1 consumer and 4 producers / 4 consumers. Each producer puts its items one
// after another; each consumer takes and acknowledges them one at a time (BullMQ: a Worker of
// concurrency 1 with an empty processor). Throughput = items / time from 'go' until every item
// is acknowledged (RedisQueue) or completed (BullMQ), read from Redis. Prints items/s and the
// ratio RedisQueue / BullMQ.
import { fork } from 'node:child_process';
import { Queue } from 'bullmq';
import { RedisQueue, startRedisServer } from '../dist/index.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 8000);
const server = await startRedisServer({ fsyncAlways: false });
const party = new URL('./party.mjs', import.meta.url);

function start(args) {
  const child = fork(party, [JSON.stringify(args)], { stdio: 'inherit' });
  const ready = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) =>
      reject(new Error(`${args.impl} ${args.role} exited with ${code}`)),
    );
  });
  return { child, ready };
}

/** Items done so far, read from Redis. */
async function doneCounter(impl, name) {
  const { hostname: host, port } = new URL(server.url);
  if (impl === 'baton') {
    const queue = await RedisQueue.open({ name, redis: server.url });
    return { done: async () => (await queue.stats()).acked, close: () => queue.destroy() };
  }
  const queue = new Queue(name, { connection: { host, port: Number(port) } });
  return {
    done: async () => (await queue.getJobCounts('completed')).completed,
    close: async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

async function measure(impl, producers, consumers) {
  const name = `bench-${impl}-${producers}x${consumers}-${Date.now()}`;
  const perProducer = Math.floor(ITEMS / producers);
  const total = perProducer * producers;
  const counter = await doneCounter(impl, name);
  const parties = [
    ...Array.from({ length: consumers }, () =>
      start({ impl, role: 'consumer', url: server.url, name }),
    ),
    ...Array.from({ length: producers }, () =>
      start({ impl, role: 'producer', url: server.url, name, count: perProducer }),
    ),
  ];
  await Promise.all(parties.map((p) => p.ready));
  const began = performance.now();
  for (const p of parties) p.child.send('go');
  while ((await counter.done()) < total) await new Promise((resolve) => setTimeout(resolve, 10));
  const seconds = (performance.now() - began) / 1000;
  for (const p of parties) p.child.kill('SIGKILL');
  await counter.close();
  return total / seconds;
}

const rows = [];
try {
  for (const [producers, consumers] of [
    [1, 1],
    [4, 4],
  ]) {
    const baton = await measure('baton', producers, consumers);
    const bullmq = await measure('bullmq', producers, consumers);
    rows.push({ shape: `${producers} producer / ${consumers} consumer processes`, baton, bullmq });
  }
} finally {
  await server.stop();
}
console.log(`RedisQueue vs BullMQ, ${ITEMS} items per run, one local redis-server (items/s)`);
console.log('shape                                    RedisQueue      BullMQ   ratio');
for (const { shape, baton, bullmq } of rows) {
  console.log(
    `${shape.padEnd(40)} ${baton.toFixed(0).padStart(10)} ${bullmq.toFixed(0).padStart(11)} ${(baton / bullmq).toFixed(2).padStart(6)}x`,
  );
}
process.exit(0);
