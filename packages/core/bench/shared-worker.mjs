// One side of a shared.bench.mjs scenario, run in a worker thread: the scenarios themselves are
// in sides.mjs (shared with the browser bench); this file gives them Node's start word, message
// ports and heap measurement, and reports how the run went.
import { parentPort, workerData } from 'node:worker_threads';
import { runSide } from './sides.mjs';

const startCells = new Int32Array(workerData.start);

const result = await runSide(workerData, {
  waitForStart() {
    parentPort.postMessage({ ready: true });
    Atomics.wait(startCells, 0, 0);
    return performance.now();
  },
  listen(port, onValue) {
    port.on('message', onValue);
  },
  heap() {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed;
  },
});
parentPort.postMessage({ done: true, ...result });
