// Lesson step 5: a bounded queue between producers and consumers, and an Event to stop.
//
// The locks go; a `Queue` with room for 10 messages connects the two sides. Producers put until
// they have sent their messages (or until `stop` is set); then the main task sets `stop`.
// Consumers go on while `stop` is not set or the queue is not empty, as in the lesson.
//
// One detail the lesson glosses over: a consumer waiting in `get()` on an empty queue must wake
// up when `stop` is set, or it would wait for ever. Its `get` therefore takes an AbortSignal that
// fires when `stop` is set; an aborted `get` takes nothing (Baton's rule: a waiter that gives up
// leaves no trace), so the consumer then drains what is left with `tryGet()` and stops. No
// message is lost or read twice, and with one producer and one consumer the order is kept.
//
// Run it: `pnpm --filter @baton/core build && node packages/core/examples/lesson/queue-and-event.mjs`
import { Event, Queue } from '../../dist/index.js';
import { isMain, randomMessages } from './messages.mjs';

/** An AbortSignal that aborts when `event` is set. */
function signalOf(event) {
  const controller = new AbortController();
  void event.wait().then(() => controller.abort(new Error(`${event.name} is set`)));
  return controller.signal;
}

/**
 * Runs the queue pipeline. Each producer sends its own list of messages in order.
 *
 * @param {{ messages?: number[][] | number[], capacity?: number, consumers?: number }} [options]
 *   `messages`: one list per producer (a flat list means one producer); `capacity` of the queue
 *   (default 10, as the lesson's `maxsize=10`); number of `consumers` (default 1).
 * @returns {Promise<{ produced: number[][], consumed: number[], byConsumer: number[][],
 *   peakSize: number }>} `consumed` is every message in the order it was taken.
 */
export async function runQueueWithEvent({
  messages = randomMessages(),
  capacity = 10,
  consumers = 1,
} = {}) {
  const lists = Array.isArray(messages[0]) ? messages : [messages];
  const queue = new Queue({ capacity, name: 'pipeline' });
  const stop = new Event({ name: 'stop' });
  const stopped = signalOf(stop);
  const produced = lists.map(() => []);
  const consumed = [];
  const byConsumer = Array.from({ length: consumers }, () => []);
  let peakSize = 0;

  const producer = async (index) => {
    for (const message of lists[index]) {
      if (stop.isSet()) return;
      await queue.put(message);
      produced[index].push(message);
      peakSize = Math.max(peakSize, queue.size);
    }
  };

  const consumer = async (index) => {
    const take = (message) => {
      consumed.push(message);
      byConsumer[index].push(message);
    };
    while (!stop.isSet() || queue.size > 0) {
      try {
        take(await queue.get({ signal: stopped }));
      } catch (error) {
        if (!stopped.aborted) throw error;
        // `stop` was set while we waited: the aborted get took nothing; drain what is left.
        for (let r = queue.tryGet(); r.ok; r = queue.tryGet()) take(r.value);
      }
    }
  };

  const consuming = Array.from({ length: consumers }, (_, i) => consumer(i));
  await Promise.all(lists.map((_, i) => producer(i)));
  stop.set();
  await Promise.all(consuming);
  return { produced, consumed, byConsumer, peakSize };
}

if (isMain(import.meta.url)) {
  const result = await runQueueWithEvent({
    messages: [randomMessages(), randomMessages()],
    consumers: 2,
  });
  console.log(`produced ${JSON.stringify(result.produced)}`);
  result.byConsumer.forEach((list, i) => console.log(`consumer ${i} got ${JSON.stringify(list)}`));
}
