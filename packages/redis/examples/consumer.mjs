// A consumer process of `pnpm demo:redis`.
//
// mode 'pipeline': a pipeline whose source is the RedisQueue: a stage in this process takes what
//   a stage in a producer process put. (As a pipeline source, an item is acknowledged when the
//   pipeline takes it in.)
// mode 'loop': `for await` over the queue, each item acknowledged after the loop body stored
//   it. With `holdAfter: k`, it takes one more item after k and hangs without acknowledging it,
//   so the demo can kill it and show the item delivered again to another consumer.
// Argument: JSON { url, name, consumer, mode, history, claimIdle, holdAfter? }.
import { map, pipeline } from '@baton/core';
import { historyRecorder } from '@baton/testkit';
import { RedisQueue } from '../dist/index.js';

const args = JSON.parse(process.argv[2]);
const history = historyRecorder(args.history, `consumer ${args.consumer}`);
const queue = await RedisQueue.open({
  name: args.name,
  redis: args.url,
  claimIdle: args.claimIdle,
});

function store(message, deliveries) {
  history.dequeue(message, deliveries);
  const again = deliveries > 1 ? ` (delivery ${deliveries}: its first consumer died)` : '';
  console.log(
    `Consumer ${args.consumer} storing message: ${message.value} ` +
      `(producer ${message.producer}, #${message.seq})${again}`,
  );
}

if (args.mode === 'pipeline') {
  await pipeline({
    source: queue, // read until the queue is closed and drained
    stages: [map((message) => (store(message, 1), message))],
    sink: (message) => history.ack(message),
  }).run();
} else {
  let stored = 0;
  for (;;) {
    let item;
    try {
      item = await queue.receive();
    } catch {
      break; // ClosedError: closed and drained
    }
    store(item.value, item.deliveries);
    if (args.holdAfter !== undefined && stored >= args.holdAfter) {
      console.log(`Consumer ${args.consumer} hangs holding message #${item.value.seq} ...`);
      setInterval(() => {}, 1000);
      await new Promise(() => {}); // killed here by the demo
    }
    await queue.taskDone(item);
    history.ack(item.value);
    stored++;
  }
}
await queue.disconnect();
