// One side of a shared.bench.mjs scenario, run in a worker. Waits on the start word, then
// produces or consumes `items` float64 values, and reports how the run went.
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { SharedQueue } from '../dist/index.js';

const { scenario, role, items, batch, start, port, handle, ring } = workerData;
const startCells = new Int32Array(start);

function waitForStart() {
  parentPort.postMessage({ ready: true });
  Atomics.wait(startCells, 0, 0);
}

function heap() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

const run = {
  // One putSync / getSync per item.
  queue() {
    const queue = SharedQueue.from(handle);
    waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items; i++) queue.putSync(i);
      return { sum: 0 };
    }
    let sum = 0;
    let heapAtTenth = 0;
    const tenth = Math.floor(items / 10);
    for (let i = 0; i < items; i++) {
      sum += queue.getSync();
      if (i === tenth) heapAtTenth = heap();
    }
    return { sum, heapAtTenth, heapAtEnd: heap() };
  },
  // putManySync(Float64Array) / getManySync(n, into): typed batches, no allocation.
  queueBatch() {
    const queue = SharedQueue.from(handle);
    const chunk = new Float64Array(batch);
    waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items; i += batch) {
        const n = Math.min(batch, items - i);
        for (let k = 0; k < n; k++) chunk[k] = i + k;
        queue.putManySync(n === batch ? chunk : chunk.subarray(0, n));
      }
      return { sum: 0 };
    }
    let sum = 0;
    for (let got = 0; got < items;) {
      const n = queue.getManySync(batch, chunk);
      for (let k = 0; k < n; k++) sum += chunk[k];
      got += n;
    }
    return { sum };
  },
  // putManySync / getManySync with plain arrays (allocates the result array per call).
  queueBatchArray() {
    const queue = SharedQueue.from(handle);
    const values = new Array(batch);
    waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items; i += batch) {
        const n = Math.min(batch, items - i);
        values.length = n;
        for (let k = 0; k < n; k++) values[k] = i + k;
        queue.putManySync(values);
      }
      return { sum: 0 };
    }
    let sum = 0;
    for (let got = 0; got < items;) {
      const taken = queue.getManySync(batch);
      for (let k = 0; k < taken.length; k++) sum += taken[k];
      got += taken.length;
    }
    return { sum };
  },
  // Many producers and consumers, one putSync / getSync per item: producer `index` of
  // `producers` puts index, index + producers, ...; each consumer takes items / consumers.
  mpmc() {
    const queue = SharedQueue.from(handle);
    const { index, producers, consumers } = workerData;
    waitForStart();
    if (role === 'producer') {
      for (let i = index; i < items; i += producers) queue.putSync(i);
      return { sum: 0 };
    }
    let sum = 0;
    const share = items / consumers;
    for (let i = 0; i < share; i++) sum += queue.getSync();
    return { sum };
  },
  // ringbuf.js, one element per push / pop, spinning when full / empty (it has no blocking).
  ringbuf() {
    const rb = new RingBuffer(ring, Float64Array);
    const one = new Float64Array(1);
    waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items; i++) {
        one[0] = i;
        while (rb.push(one) === 0);
      }
      return { sum: 0 };
    }
    let sum = 0;
    for (let i = 0; i < items; i++) {
      while (rb.pop(one) === 0);
      sum += one[0];
    }
    return { sum };
  },
  // ringbuf.js with `batch` elements per push / pop.
  ringbufBatch() {
    const rb = new RingBuffer(ring, Float64Array);
    const chunk = new Float64Array(batch);
    waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items;) {
        const n = Math.min(batch, items - i);
        for (let k = 0; k < n; k++) chunk[k] = i + k;
        let pushed = 0;
        while (pushed < n) pushed += rb.push(chunk, n - pushed, pushed);
        i += n;
      }
      return { sum: 0 };
    }
    let sum = 0;
    for (let got = 0; got < items;) {
      const n = rb.pop(chunk);
      for (let k = 0; k < n; k++) sum += chunk[k];
      got += n;
    }
    return { sum };
  },
  // postMessage over a MessageChannel between the two workers, one message per item.
  postMessage() {
    waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items; i++) port.postMessage(i);
      return Promise.resolve({ sum: 0 });
    }
    return new Promise((resolve) => {
      let sum = 0;
      let got = 0;
      port.on('message', (value) => {
        sum += value;
        if (++got === items) {
          port.close();
          resolve({ sum });
        }
      });
    });
  },
};

const result = await run[scenario]();
parentPort.postMessage({ done: true, ...result });
