// A consumer worker (the lesson's `consumer` thread): takes messages until the queue is closed
// and drained (ClosedError), instead of watching for a FINISH sentinel.
import { parentPort, workerData } from 'node:worker_threads';
import { ClosedError, SharedQueue } from '../../dist/index.js';

const { queue: handle, consumer } = workerData;
const queue = SharedQueue.from(handle);
for (;;) {
  let message;
  try {
    message = queue.getSync(); // blocks this worker while the queue is empty
  } catch (error) {
    if (error instanceof ClosedError) break;
    throw error;
  }
  parentPort.postMessage({ type: 'consumed', consumer, ...message });
}
parentPort.postMessage({ type: 'done' });
