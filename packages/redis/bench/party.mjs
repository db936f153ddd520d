// One process of the benchmark: a producer or a consumer, of RedisQueue or of BullMQ, on the
// same local Redis. It connects, says 'ready' to the parent, waits for 'go', then works:
// a producer puts `count` items one after another; a consumer takes items one at a time until
// the parent stops it. Argument: JSON { impl, role, url, name, count }.
import { Queue, Worker } from 'bullmq';
import { RedisQueue } from '../dist/index.js';

const { impl, role, url, name, count } = JSON.parse(process.argv[2]);
const { hostname: host, port } = new URL(url);
const connection = { host, port: Number(port), maxRetriesPerRequest: null };
const go = new Promise((resolve) => process.once('message', resolve));
const item = (n) => ({ n, payload: 'x'.repeat(32) });

if (impl === 'baton') {
  const queue = await RedisQueue.open({ name, redis: url, capacity: 1024 });
  process.send('ready');
  await go;
  if (role === 'producer') {
    for (let n = 0; n < count; n++) await queue.put(item(n));
    await queue.disconnect();
  } else {
    for (;;) {
      const delivery = await queue.receive();
      await queue.taskDone(delivery);
    }
  }
} else {
  if (role === 'producer') {
    const queue = new Queue(name, { connection });
    await queue.waitUntilReady();
    process.send('ready');
    await go;
    for (let n = 0; n < count; n++) await queue.add('item', item(n));
    await queue.close();
  } else {
    const worker = new Worker(name, async () => {}, {
      connection,
      concurrency: 1,
      autorun: false,
    });
    await worker.waitUntilReady();
    process.send('ready');
    await go;
    await worker.run();
  }
}
