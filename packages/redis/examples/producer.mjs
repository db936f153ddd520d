// A producer process of `pnpm demo:redis`: the lesson's producer as a pipeline whose sink is a
// RedisQueue shared with the consumer processes. The source makes `count` random integers
// (1 to 100); a stage numbers them into messages; the sink is the queue itself.
// Argument: JSON { url, name, producer, count, history }.
import { map, pipeline } from '@baton/core';
import { historyRecorder } from '@baton/testkit';
import { RedisQueue } from '../dist/index.js';

const { url, name, producer, count, history: file } = JSON.parse(process.argv[2]);
const history = historyRecorder(file, `producer ${producer}`);
const queue = await RedisQueue.open({ name, redis: url });

let seq = 0;
await pipeline({
  source: function* () {
    for (let i = 0; i < count; i++) yield 1 + Math.floor(Math.random() * 100);
  },
  stages: [
    map((value) => {
      const message = { producer, seq: ++seq, value };
      console.log(`Producer ${producer} got message: ${value}`);
      history.enqueue(message); // a put that fails fails the pipeline and this process
      return message;
    }),
  ],
  sink: queue, // the one line that sends the stage's output to another process
}).run();
await queue.disconnect();
