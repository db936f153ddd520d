// `pnpm demo`: the lesson's producer-consumer pipeline, in real worker threads.
//
//   1. One producer and one consumer worker pass ten random integers (1 to 100) through a
//      SharedQueue of capacity 10 (the lesson's `queue.Queue(maxsize=10)` step).
//   2. Three producers and three consumers share one queue (the lesson's last step).
//   3. The same with pipeline(): three producers in this thread, the consumers as a worker
//      stage (three workers, ordered), and a sink that checks what arrives.
//
// No FINISH sentinel anywhere: a queue is closed once its producers are done, and a consumer
// stops when the queue is closed and drained. Each part ends with a verdict computed from what
// the workers reported (never assumed); the process exits with 1 if any verdict is wrong.
import { Worker } from 'node:worker_threads';
import { SharedQueue, map, pipeline } from '../dist/index.js';

const COUNT = 10;
let failures = 0;

/** Starts `file` in a worker; resolves when it exits cleanly. */
function startWorker(file, workerData, onMessage) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(file, import.meta.url), { workerData });
    worker.on('message', onMessage);
    worker.on('error', reject);
    worker.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}`)),
    );
  });
}

/**
 * Checks that every produced message was consumed exactly once, and that each consumer saw each
 * producer's messages in the order they were produced. Returns the verdict line.
 */
function verdict(produced, consumedBy) {
  const key = (m) => `${m.producer}#${m.seq}`;
  const consumed = [...consumedBy.values()].flat();
  const seen = new Map();
  for (const m of consumed) seen.set(key(m), (seen.get(key(m)) ?? 0) + 1);
  const lost = produced.filter((m) => !seen.has(key(m))).map(key);
  const doubled = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  const changed = consumed.filter((m) => {
    const original = produced.find((p) => key(p) === key(m));
    return original !== undefined && original.value !== m.value;
  });
  const outOfOrder = [];
  for (const [consumer, list] of consumedBy) {
    const last = new Map();
    for (const m of list) {
      if ((last.get(m.producer) ?? 0) > m.seq) outOfOrder.push(`${key(m)} at consumer ${consumer}`);
      last.set(m.producer, m.seq);
    }
  }
  const problems = [
    lost.length > 0 && `${lost.length} lost (${lost.slice(0, 3).join(', ')})`,
    doubled.length > 0 && `${doubled.length} doubled (${doubled.slice(0, 3).join(', ')})`,
    changed.length > 0 && `${changed.length} changed on the way`,
    outOfOrder.length > 0 && `${outOfOrder.length} out of order (${outOfOrder[0]})`,
  ].filter(Boolean);
  if (problems.length > 0) {
    failures++;
    return `verdict: WRONG, ${produced.length} produced, ${consumed.length} consumed: ${problems.join('; ')}`;
  }
  const producers = new Set(produced.map((m) => m.producer)).size;
  const order = producers === 1 ? 'in order' : "each producer's in order";
  return `verdict: all ${produced.length} messages consumed once, ${order}`;
}

/** Parts 1 and 2: producer and consumer workers around one SharedQueue. */
async function workers(producers, consumers) {
  const queue = new SharedQueue({ capacity: 10, codec: 'json', name: 'pipeline' });
  const who = (role, n, of) => (of > 1 ? `${role} ${n}` : role);
  const produced = [];
  const consumedBy = new Map();
  const producing = Array.from({ length: producers }, (_, i) =>
    startWorker(
      './pipeline/producer.mjs',
      { queue: queue.handle, producer: i + 1, count: COUNT },
      (m) => {
        if (m.type !== 'produced') return;
        produced.push(m);
        console.log(`${who('Producer', m.producer, producers)} got message: ${m.value}`);
      },
    ),
  );
  const consuming = Array.from({ length: consumers }, (_, i) =>
    startWorker('./pipeline/consumer.mjs', { queue: queue.handle, consumer: i + 1 }, (m) => {
      if (m.type !== 'consumed') return;
      const list = consumedBy.get(m.consumer) ?? [];
      list.push(m);
      consumedBy.set(m.consumer, list);
      const from = producers > 1 ? ` (producer ${m.producer}, #${m.seq})` : '';
      console.log(`${who('Consumer', m.consumer, consumers)} storing message: ${m.value}${from}`);
    }),
  );
  await Promise.all(producing);
  queue.close(); // the consumers drain what is left, then stop
  await Promise.all(consuming);
  return verdict(produced, consumedBy);
}

/** Part 3: the same shape as a pipeline, the consumers being a worker stage. */
async function withPipeline(producers, consumers) {
  const produced = [];
  const consumedBy = new Map();
  const { stats } = await pipeline({
    source: async (put, { index }) => {
      for (let seq = 1; seq <= COUNT; seq++) {
        const message = { producer: index + 1, seq, value: 1 + Math.floor(Math.random() * 100) };
        produced.push(message);
        console.log(`Producer ${message.producer} got message: ${message.value}`);
        await put(message);
      }
    },
    producers,
    stages: [
      map(
        { module: new URL('./pipeline/store.mjs', import.meta.url) },
        { name: 'consumer', placement: 'worker', concurrency: consumers, ordered: true },
      ),
    ],
    sink: (m) => {
      // ordered: true, so everything arrives here in the order it entered the stage.
      const list = consumedBy.get('sink') ?? [];
      list.push(m);
      consumedBy.set('sink', list);
      console.log(
        `Consumer ${m.storedBy + 1} storing message: ${m.value} (producer ${m.producer}, #${m.seq})`,
      );
    },
    capacity: 10,
  }).run();
  const stage = stats.find((s) => s.name === 'consumer');
  console.log(
    `stats: ${stage.itemsIn} in, ${stage.itemsOut} out of ${stage.concurrency} workers; ` +
      `source blocked on put ${stats[0].blockedOnPutMs.toFixed(1)} ms`,
  );
  return verdict(produced, consumedBy);
}

const verdicts = [];
console.log('1. One producer, one consumer, a SharedQueue of capacity 10 (worker threads)');
verdicts.push(await workers(1, 1));
console.log(verdicts.at(-1));
console.log('\n2. Three producers, three consumers, one SharedQueue (worker threads)');
verdicts.push(await workers(3, 3));
console.log(verdicts.at(-1));
console.log(
  '\n3. pipeline(): three producers -> consumer stage in three workers (ordered) -> sink',
);
verdicts.push(await withPipeline(3, 3));
console.log(verdicts.at(-1));
console.log(
  failures === 0
    ? `\nverdict: all consumed once, in order (${verdicts.length} runs, real worker threads)`
    : `\nverdict: ${failures} of ${verdicts.length} runs went wrong`,
);
process.exit(failures === 0 ? 0 : 1);
