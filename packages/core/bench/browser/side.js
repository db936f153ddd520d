// One side (producer or consumer) of a browser bench scenario, in a Web Worker. Mirrors
// bench/shared-worker.mjs (the Node version). The consumer times the run: from the moment the
// start word wakes it to its last item.
import { RingBuffer } from 'ringbuf.js';
import { SharedQueue } from '../../dist/index.js';

self.onmessage = async ({ data }) => {
  const { scenario, role, items, batch, start, port, handle, ring } = data;
  const startCells = new Int32Array(start);
  const waitForStart = () => {
    self.postMessage({ ready: true });
    Atomics.wait(startCells, 0, 0);
    return performance.now();
  };
  const result = await run[scenario]({ role, items, batch, port, handle, ring, waitForStart });
  self.postMessage({ done: true, ...result });
};

const run = {
  // One putSync / getSync per item.
  queue({ role, items, handle, waitForStart }) {
    const queue = SharedQueue.from(handle);
    const begin = waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items; i++) queue.putSync(i);
      return { sum: 0 };
    }
    let sum = 0;
    for (let i = 0; i < items; i++) sum += queue.getSync();
    return { sum, ms: performance.now() - begin };
  },
  // putManySync(Float64Array) / getManySync(n, into) in batches, without allocating.
  queueBatch({ role, items, batch, handle, waitForStart }) {
    const queue = SharedQueue.from(handle);
    const chunk = new Float64Array(batch);
    const begin = waitForStart();
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
      const taken = queue.getManySync(Math.min(batch, items - got), chunk);
      // getManySync(n, into) returns a count; an older core returns an array.
      if (typeof taken === 'number') {
        for (let k = 0; k < taken; k++) sum += chunk[k];
        got += taken;
      } else {
        for (let k = 0; k < taken.length; k++) sum += taken[k];
        got += taken.length;
      }
    }
    return { sum, ms: performance.now() - begin };
  },
  // ringbuf.js, one element per push / pop, spinning when full / empty (it has no blocking).
  ringbuf({ role, items, ring, waitForStart }) {
    const rb = new RingBuffer(ring, Float64Array);
    const one = new Float64Array(1);
    const begin = waitForStart();
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
    return { sum, ms: performance.now() - begin };
  },
  // ringbuf.js with `batch` elements per push / pop.
  ringbufBatch({ role, items, batch, ring, waitForStart }) {
    const rb = new RingBuffer(ring, Float64Array);
    const chunk = new Float64Array(batch);
    const begin = waitForStart();
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
    return { sum, ms: performance.now() - begin };
  },
  // postMessage over a MessageChannel between the two workers: one number per message.
  postMessage({ role, items, port, waitForStart }) {
    return message(
      role,
      items,
      port,
      waitForStart,
      (i) => port.postMessage(i),
      (v) => v,
      1,
    );
  },
  // A Float64Array(batch) per message, copied (structured clone).
  postCopied({ role, items, batch, port, waitForStart }) {
    return message(
      role,
      items,
      port,
      waitForStart,
      (i, chunk) => port.postMessage(chunk),
      sumOf,
      batch,
    );
  },
  // A Float64Array(batch) per message, its buffer transferred (a new array per message).
  postTransferred({ role, items, batch, port, waitForStart }) {
    return message(
      role,
      items,
      port,
      waitForStart,
      (i, chunk) => port.postMessage(chunk, [chunk.buffer]),
      sumOf,
      batch,
      true,
    );
  },
};

function sumOf(chunk) {
  let sum = 0;
  for (let k = 0; k < chunk.length; k++) sum += chunk[k];
  return sum;
}

function message(role, items, port, waitForStart, send, valueOf, batch, fresh = false) {
  if (role === 'producer') {
    waitForStart();
    let chunk = new Float64Array(batch);
    for (let i = 0; i < items; i += batch) {
      if (batch === 1) send(i);
      else {
        if (fresh) chunk = new Float64Array(batch);
        for (let k = 0; k < batch; k++) chunk[k] = i + k;
        send(i, chunk);
      }
    }
    return { sum: 0 };
  }
  return new Promise((resolve) => {
    let sum = 0;
    let got = 0;
    let begin = 0;
    port.onmessage = ({ data }) => {
      sum += valueOf(data);
      got += batch;
      if (got >= items) {
        port.close();
        resolve({ sum, ms: performance.now() - begin });
      }
    };
    // The consumer cannot block on the start word: it must return to its event loop to
    // receive messages. It takes the time the producer starts from the shared start word.
    begin = waitForStart();
  });
}
