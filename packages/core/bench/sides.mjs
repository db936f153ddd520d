// One side (producer or consumer) of a throughput scenario between two workers, shared by the
// Node bench (bench/shared-worker.mjs, worker_threads) and the browser bench
// (bench/browser/side.js, Web Workers bundled by Vite). Each worker passes what differs between
// the two worlds in `env`:
//   waitForStart() - says "ready", blocks on the start word, returns performance.now() then;
//   listen(port, onValue) - calls onValue(value) for each message on a MessagePort;
//   heap() - optional: heap used after a GC (Node measures the consumer's growth per item).
// A consumer returns { sum, ms } (ms from the start word to its last item), plus, when
// `env.heap` is given, heap figures measured in an untimed pass; a producer returns { sum: 0 }.
//
// The shared-memory scenarios run untimed passes first (`warmPassesOf(side)`), with the same
// peer through the same queue (or ring), then, once both sides have said ready, the timed one;
// a `cold` side makes only the timed one.
import { RingBuffer } from 'ringbuf.js';
import { SharedQueue } from '../dist/index.js';

/**
 * Items of the untimed first pass, at least. A fresh worker runs a function in V8's interpreter
 * and baseline tiers until it has run often enough to be optimized, so a timed run of a few tens
 * of milliseconds would time the compiler as much as the queue, and more for the implementation
 * with more code to compile: between two fresh Chromium workers, 4 million items in batches of
 * 256 ran at 24 M items/s and 16 million at 50-60 M (ringbuf.js 51 and 127 M). The pass goes
 * through the calls the timed run makes, waits (a full or empty queue) included.
 */
export const WARM_ITEMS = 1_000_000;

/**
 * Calls of the last untimed pass of a batch scenario, after the first one's {@link WARM_ITEMS}
 * items (and the napping passes, see {@link warmPassesOf}): what counts for the compiler is calls,
 * not items. From two fresh Node workers (1,024 slots, batches of 256, timed per million items),
 * both ringbuf.js and the one-to-one queue ran their first three million items at a third of their
 * later rate or less (ringbuf.js 26, 60 and 70 M items/s, the queue 10, 39 and 32 M), and from the
 * fourth million on at their steady rate (211-215 M and 181-193 M); in Chromium ringbuf.js settled
 * from its fourth million on and the queue from its sixth. A first pass of a million items left the
 * timed run of 8 million with two of those slow millions, which weighed more on the queue (0.65x
 * ringbuf.js) than its steady rate did (0.88x in Node). So the last pass makes 65,536 calls
 * (16,777,216 items in batches of 256), well past both, in {@link WARM_PIECES} calls of the
 * scenario.
 *
 * It is a pass of its own, after the first, for the calls it makes: the first pass's million items
 * (not a multiple of 256) leave the stream 576 slots into the ring, so that in the passes after it,
 * as in the timed run, one batch in four wraps round the end of the ring and is copied in two runs.
 * Code that V8 optimized without ever taking that path is thrown away when it first does, and runs
 * unoptimized again for a while: a single pass of 17,777,216 items, whose batches all lined up with
 * the ring until its last, left the timed run (where they wrap) at 0.6x ringbuf.js in Node, against
 * 1.1x for a timed run whose batches lined up too.
 */
export const WARM_CALLS = 65_536;

/** The scenarios that move `batch` items per call. */
export const BATCH_SCENARIOS = new Set([
  'queueBatch',
  'queueTry',
  'queueBatchArray',
  'pairBatch',
  'pairTry',
  'ringbufBatch',
]);

/**
 * Items of the first batch of a cold run (see `runSide`): then its batches wrap round the end
 * of the ring one in four, as the timed runs' do after the untimed passes, and a cold run times
 * the first wrap too (a batch that wraps takes a branch the queue's code has not run before).
 */
export const COLD_SKEW = 64;

/**
 * Calls of the scenario's function that the last untimed pass of a batch scenario is split into. V8
 * optimizes a loop that runs long while it runs (on stack), and the function that holds it only
 * once it has been called often enough: made as one call, the untimed passes left the scenario's
 * function itself to be optimized when the timed run called it, and that job, which inlines the
 * queue's calls, ran on V8's background threads during the timed run (1.9-7.2 ms a job under
 * `--trace-opt`, in runs of 8 million items in which each worker ran 10-32 ms). On a 2-core machine
 * it takes a core from one of the pair, whose peer then spins and sleeps (see PERFORMANCE.md, "What
 * the timed runs compiled").
 */
export const WARM_PIECES = 64;

/**
 * Calls of the scenario in each of a batch scenario's two napping passes (see
 * {@link warmPassesOf}), of {@link NAP_ITEMS} items each.
 */
export const NAP_CALLS = 256;

/**
 * Items of each call of a napping pass: two rings' worth, so that the other side fills (or
 * drains) the ring and waits.
 */
export const NAP_ITEMS = 2048;

/** How long the napping side of a napping pass waits before each of its calls, in ms. */
const NAP_MS = 0.1;

/**
 * The untimed passes of `side`, in order: their item counts, how many calls of the scenario each is
 * made of (`calls`, 1 when not given), which side naps before each of its calls (`napper`), and
 * whether the pass measures the consumer's heap. A side whose env can measure the heap (the
 * per-item queue rows in Node) measures it in the last untimed pass: a forced full collection in
 * the timed run would stop the consumer there.
 *
 * A batch scenario makes two napping passes after the first: in each, one side waits {@link NAP_MS}
 * before each of its calls, so that the other one fills (or drains) the ring and waits, a few
 * hundred times. The blocking calls' sleep path (the announce, the registry's record of the wait,
 * the wake-up) otherwise runs too seldom in the untimed passes to be optimized there, and was
 * optimized in the timed run instead, once its sleeps made it hot. Each pass's items are a multiple
 * of the queue's 1,024 slots, so its stream stays where the first pass left it (see
 * {@link WARM_CALLS}). ringbuf.js's loops, which spin, make the same passes (its ring has 1,025
 * slots, so its stream moves on by a few slots per pass: its batches still wrap round the end of
 * the ring about one in four). The last pass, of {@link WARM_CALLS} calls, has no naps, so that
 * each queue's spin budget settles as in a streaming run: the naps shorten it (a sleep that ends
 * slowly halves it, see `SpinBudget` in `shared/wait.ts`), and the timed run starts with what the
 * passes left.
 *
 * The single items' scenarios compile some of their sleep path in the timed run too (in one of four
 * traced runs `putOnce`, `putSleep` and `putSyncWaiting`, 2-9 ms each), but their runs last longer
 * (2 million items, 120-250 ms), and the napping passes did not help them: 1.02x and 0.96x
 * (many-to-many, one-to-one) the rates with the old passes in 16 alternating rounds, 0.98x and
 * 0.90x in 12 others. So they keep a first pass (and in Node a second that measures the heap).
 */
export function warmPassesOf(side, env = {}) {
  const warm = { items: WARM_ITEMS, measureHeap: false };
  if (BATCH_SCENARIOS.has(side.scenario)) {
    const napping = { items: NAP_CALLS * NAP_ITEMS, calls: NAP_CALLS, measureHeap: false };
    return [
      warm,
      { ...napping, napper: 'consumer' },
      { ...napping, napper: 'producer' },
      { items: WARM_CALLS * side.batch, calls: WARM_PIECES, measureHeap: false },
    ];
  }
  // The single items keep their passes (see above).
  const heap = (side.scenario === 'queue' || side.scenario === 'pair') && env.heap !== undefined;
  return heap ? [warm, { items: WARM_ITEMS, measureHeap: true }] : [warm];
}

/**
 * Runs `side.scenario` for `side.role`; see the top of the file. With `side.cold`, no untimed
 * pass: the timed run starts with code the workers have never run (the `cold` rows), and its
 * first batch is {@link COLD_SKEW} items. Returns the timed run's result, with the heap figures
 * of the pass that measured them.
 */
export async function runSide(side, env) {
  const scenario = scenarios[side.scenario];
  if (scenario === undefined) throw new Error(`unknown bench scenario ${side.scenario}`);
  if (side.scenario.startsWith('post')) return scenario(side, env);
  if (side.cold === true) return scenario({ ...side, skew: COLD_SKEW, measureHeap: false }, env);
  // Every pass gets the same object and the same `waitForStart`, which only returns the time
  // taken before the pass: the real wait for the start word is made here, outside the
  // scenario's code. Code that V8 optimized in the untimed passes so meets nothing new when
  // the timed one starts (it threw the consumer's loop away there when its `waitForStart` did
  // something new: `--trace-deopt`, "insufficient type feedback").
  let begin = 0;
  const pass = { ...env, waitForStart: () => begin };
  // Both sides make the untimed passes at once; the producer then waits for the start word of
  // the timed pass while the consumer drains what is left, so the timed pass never overlaps
  // them. (A consumer takes no more than its pass's count, so the passes split the stream.)
  let heapFigures = {};
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (const { items, calls = 1, napper, measureHeap } of warmPassesOf(side, env)) {
    for (let call = 0; call < calls; call++) {
      // Never notified: a nap of NAP_MS, which Web Workers may take too.
      if (side.role === napper) Atomics.wait(nap, 0, 0, NAP_MS);
      begin = performance.now();
      const result = await scenario({ ...side, items: items / calls, skew: 0, measureHeap }, pass);
      if (measureHeap) {
        heapFigures = { heapAtTenth: result.heapAtTenth, heapAtEnd: result.heapAtEnd };
      }
    }
  }
  begin = env.waitForStart();
  const result = await scenario({ ...side, skew: 0, measureHeap: false }, pass);
  return { ...result, ...heapFigures };
}

/**
 * The queue behind `handle`, opened once per worker: both passes use the same object, so its
 * own state (how long it spins before it sleeps, its reused batch records) carries over.
 */
const opened = new Map();

/**
 * The array a batch scenario fills and puts (or takes into), one per worker, for the same
 * reason: the timed pass then puts the very array the untimed ones did. A new one would send
 * the queue's first wrapped batch down a path its optimized code had never taken for that
 * array (its kept views are made per array), and V8 throws such code away when that happens.
 */
const chunks = new Map();
function chunkOf(batch) {
  let chunk = chunks.get(batch);
  if (chunk === undefined) {
    chunk = new Float64Array(batch);
    chunks.set(batch, chunk);
  }
  return chunk;
}

function open(handle) {
  let queue = opened.get(handle.buffer);
  if (queue === undefined) {
    queue = SharedQueue.from(handle);
    opened.set(handle.buffer, queue);
  }
  return queue;
}

const scenarios = {
  // One putSync / getSync per item.
  queue({ role, items, handle, measureHeap }, { waitForStart, heap }) {
    const queue = open(handle);
    const begin = waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items; i++) queue.putSync(i);
      return { sum: 0 };
    }
    let sum = 0;
    if (!measureHeap) {
      for (let i = 0; i < items; i++) sum += queue.getSync();
      return { sum, ms: performance.now() - begin };
    }
    let heapAtTenth = 0;
    const tenth = Math.floor(items / 10);
    for (let i = 0; i < items; i++) {
      sum += queue.getSync();
      if (i === tenth) heapAtTenth = heap();
    }
    const ms = performance.now() - begin;
    return { sum, ms, heapAtTenth, heapAtEnd: heap() };
  },
  // putManySync(Float64Array) / getManySync(n, into): typed batches, no allocation.
  queueBatch({ role, items, batch, handle, skew }, { waitForStart }) {
    const queue = open(handle);
    const chunk = chunkOf(batch);
    const begin = waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items;) {
        const values = nextBatch(chunk, i, items, skew);
        queue.putManySync(values);
        i += values.length;
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
  // tryPutMany(Float64Array) / tryGetMany(n, into), spinning when full / empty: the loop
  // ringbufBatch runs below, on the calls that never wait (no blocking, no sleep).
  queueTry({ role, items, batch, handle }, { waitForStart }) {
    const queue = open(handle);
    const chunk = chunkOf(batch);
    const begin = waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items; i += batch) {
        const values = nextBatch(chunk, i, items);
        let put = queue.tryPutMany(values);
        while (put < values.length) put += queue.tryPutMany(values, put);
      }
      return { sum: 0 };
    }
    let sum = 0;
    for (let got = 0; got < items;) {
      const n = queue.tryGetMany(Math.min(batch, items - got), chunk);
      for (let k = 0; k < n; k++) sum += chunk[k];
      got += n;
    }
    return { sum, ms: performance.now() - begin };
  },
  // putManySync / getManySync with plain arrays (allocates the result array per call).
  queueBatchArray({ role, items, batch, handle }, { waitForStart }) {
    const queue = open(handle);
    const values = new Array(batch);
    const begin = waitForStart();
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
      const taken = queue.getManySync(Math.min(batch, items - got));
      for (let k = 0; k < taken.length; k++) sum += taken[k];
      got += taken.length;
    }
    return { sum, ms: performance.now() - begin };
  },
  // Many producers and consumers, one putSync / getSync per item: producer `index` of
  // `producers` puts index, index + producers, ...; each consumer takes items / consumers.
  mpmc({ role, items, handle, index, producers, consumers }, { waitForStart }) {
    const queue = open(handle);
    const begin = waitForStart();
    if (role === 'producer') {
      for (let i = index; i < items; i += producers) queue.putSync(i);
      return { sum: 0 };
    }
    let sum = 0;
    const share = items / consumers;
    for (let i = 0; i < share; i++) sum += queue.getSync();
    return { sum, ms: performance.now() - begin };
  },
  // ringbuf.js, one element per push / pop, spinning when full / empty (it has no blocking).
  ringbuf({ role, items, ring }, { waitForStart }) {
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
  ringbufBatch({ role, items, batch, ring, skew }, { waitForStart }) {
    const rb = new RingBuffer(ring, Float64Array);
    const chunk = chunkOf(batch);
    const begin = waitForStart();
    if (role === 'producer') {
      for (let i = 0; i < items;) {
        // The values nextBatch fills in go from `chunk` itself: push takes a count.
        const n = nextBatch(chunk, i, items, skew).length;
        let pushed = 0;
        while (pushed < n) pushed += rb.push(chunk, n - pushed, pushed);
        i += n;
      }
      return { sum: 0 };
    }
    let sum = 0;
    for (let got = 0; got < items;) {
      const n = rb.pop(chunk, Math.min(batch, items - got));
      for (let k = 0; k < n; k++) sum += chunk[k];
      got += n;
    }
    return { sum, ms: performance.now() - begin };
  },
  // postMessage over a MessageChannel between the two workers: one number per message.
  postMessage({ role, items, port }, env) {
    return message(role, items, port, env, (i) => port.postMessage(i), identity, 1);
  },
  // A Float64Array(batch) per message, copied (structured clone).
  postCopied({ role, items, batch, port }, env) {
    return message(role, items, port, env, (chunk) => port.postMessage(chunk), sumOf, batch);
  },
  // A Float64Array(batch) per message, its buffer transferred (a new array per message).
  postTransferred({ role, items, batch, port }, env) {
    const send = (chunk) => port.postMessage(chunk, [chunk.buffer]);
    return message(role, items, port, env, send, sumOf, batch, true);
  },
};

// The same loops on a one-to-one queue (`oneToOne: true`, made by the bench for the scenarios
// whose name starts with 'pair'): the rows to hold against ringbuf.js, which is one-to-one too.
scenarios.pair = scenarios.queue;
scenarios.pairBatch = scenarios.queueBatch;
scenarios.pairTry = scenarios.queueTry;

/**
 * Fills `chunk` with the values `i, i + 1, ...` up to `items` (exclusive) and returns them: the
 * whole chunk, or a view of its first part for the last, shorter batch, and for the first when
 * `skew` makes it shorter (a cold run's: see {@link COLD_SKEW}).
 */
function nextBatch(chunk, i, items, skew = 0) {
  const n = Math.min(i === 0 && skew > 0 ? skew : chunk.length, items - i);
  for (let k = 0; k < n; k++) chunk[k] = i + k;
  return n === chunk.length ? chunk : chunk.subarray(0, n);
}

function identity(value) {
  return value;
}

function sumOf(chunk) {
  let sum = 0;
  for (let k = 0; k < chunk.length; k++) sum += chunk[k];
  return sum;
}

/**
 * A postMessage scenario: the producer sends `items` numbers, one per message (batch 1) or
 * `batch` per Float64Array (`fresh`: a new array per message, for transfers).
 */
function message(role, items, port, { waitForStart, listen }, send, valueOf, batch, fresh = false) {
  if (role === 'producer') {
    waitForStart();
    let chunk = new Float64Array(batch);
    for (let i = 0; i < items; i += batch) {
      if (batch === 1) {
        send(i);
        continue;
      }
      if (fresh) chunk = new Float64Array(batch);
      for (let k = 0; k < batch; k++) chunk[k] = i + k;
      send(chunk);
    }
    return { sum: 0 };
  }
  return new Promise((resolve) => {
    let sum = 0;
    let got = 0;
    let begin = 0;
    listen(port, (value) => {
      sum += valueOf(value);
      got += batch;
      if (got >= items) {
        port.close();
        resolve({ sum, ms: performance.now() - begin });
      }
    });
    // The consumer cannot stay blocked on the start word: it must return to its event loop to
    // receive messages. It takes the time the producer starts from the shared start word.
    begin = waitForStart();
  });
}
