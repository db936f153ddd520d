// A producer worker (the lesson's `producer` thread): makes `count` random integers from 1 to
// 100 and puts each into the shared queue, waiting while the queue is full. It sends no FINISH
// sentinel: the main thread closes the queue once every producer is done.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedQueue } from '../../dist/index.js';

const { queue: handle, producer, count } = workerData;
const queue = SharedQueue.from(handle);
for (let seq = 1; seq <= count; seq++) {
  const value = 1 + Math.floor(Math.random() * 100);
  parentPort.postMessage({ type: 'produced', producer, seq, value });
  queue.putSync({ producer, seq, value }); // blocks this worker while the queue is full
}
parentPort.postMessage({ type: 'done' });
