// Lab page driven by e2e/tests/shared-queue.spec.ts: a producer and a consumer Web Worker pass
// items through SharedQueues (float64 one at a time, and binary records in batches), and the
// page checks exactly-once delivery in order. It also checks, on this main thread, that a
// blocking call is refused with BlockingCallError, that the batch calls that never wait work
// here, and that the wait-for graph names the workers.
import { BlockingCallError, SharedQueue, findDeadlock, registerAgent, snapshot } from '@baton/core';

interface Report {
  crossOriginIsolated: boolean;
  numbers: { count: number; inOrder: boolean; exactlyOnce: boolean };
  records: { count: number; inOrder: boolean; exactlyOnce: boolean; sample: unknown };
  toPage: { count: number; inOrder: boolean; exactlyOnce: boolean };
  blockingError: string;
  tryOnPage: { put: number; got: number[]; rest: number[]; empty: number };
  agents: string[];
  deadlock: string | null;
}

const ITEMS = 20_000;
const RECORDS = 2_000;
const TO_PAGE = 5_000;

function finished(w: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    w.onmessage = (event: MessageEvent) => resolve(event.data);
    w.onerror = (event) => reject(new Error(event.message || 'worker failed'));
  });
}

function check(
  values: readonly number[],
  count: number,
): { count: number; inOrder: boolean; exactlyOnce: boolean } {
  const seen = new Uint8Array(count);
  let inOrder = true;
  let exactlyOnce = values.length === count;
  values.forEach((value, i) => {
    if (value !== i) inOrder = false;
    if (!(value >= 0 && value < count) || seen[value]) exactlyOnce = false;
    else seen[value] = 1;
  });
  return { count: values.length, inOrder, exactlyOnce };
}

async function run(): Promise<Report> {
  registerAgent('page');
  const numbers = new SharedQueue<number>({ capacity: 16, codec: 'float64', name: 'numbers' });
  const records = new SharedQueue<{ seq: number; label: string }>({
    capacity: 8,
    codec: 'binary',
    name: 'records',
  });
  // The page is an agent too: it takes these with the async get() (for await), never blocking.
  const toPage = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'to page' });

  // The main thread of a page cannot block: the blocking form must say which async form to use.
  let blockingError = '';
  try {
    numbers.getSync();
  } catch (error) {
    blockingError =
      error instanceof BlockingCallError ? error.message : `wrong error: ${String(error)}`;
  }

  // The batch calls that never wait work on a main thread: what fits, then what is there.
  const probe = new SharedQueue<number>({ capacity: 4, codec: 'float64', name: 'probe' });
  const samples = new Float64Array([1, 2, 3, 4, 5, 6]);
  const put = probe.tryPutMany(samples);
  const into = new Float64Array(3);
  const count = probe.tryGetMany(8, into);
  const got = Array.from(into.subarray(0, count));
  probe.tryPutMany(samples, put);
  const rest = probe.tryGetMany(8);
  const tryOnPage = { put, got, rest, empty: probe.tryGetMany(8, into) };

  // Written out in full: Vite only bundles a worker from this exact `new Worker(new URL(...))` form.
  const consumer = new Worker(new URL('./shared-queue-consumer.ts', import.meta.url), {
    type: 'module',
    name: 'consumer',
  });
  const producer = new Worker(new URL('./shared-queue-producer.ts', import.meta.url), {
    type: 'module',
    name: 'producer',
  });
  try {
    const consumed = finished(consumer);
    const produced = finished(producer);
    consumer.postMessage({ numbers: numbers.handle, records: records.handle });
    producer.postMessage({
      numbers: numbers.handle,
      records: records.handle,
      toPage: toPage.handle,
      items: ITEMS,
      recordCount: RECORDS,
      toPageCount: TO_PAGE,
    });
    const pageGot: number[] = [];
    for await (const value of toPage) pageGot.push(value);
    await produced;
    const result = (await consumed) as {
      numbers: number[];
      records: { seq: number; label: string }[];
    };
    // Both workers joined the page's registry when they rebuilt the queues from the handles.
    const agents = snapshot().agents.map((a) => a.name);
    const deadlock = findDeadlock();
    return {
      crossOriginIsolated,
      numbers: check(result.numbers, ITEMS),
      records: {
        ...check(
          result.records.map((r) => r.seq),
          RECORDS,
        ),
        sample: result.records[RECORDS - 1],
      },
      toPage: check(pageGot, TO_PAGE),
      blockingError,
      tryOnPage,
      agents,
      deadlock: deadlock?.message ?? null,
    };
  } finally {
    producer.terminate();
    consumer.terminate();
  }
}

const status = document.querySelector('[data-testid="status"]')!;
const output = document.querySelector('[data-testid="result"]')!;
run().then(
  (report) => {
    output.textContent = JSON.stringify(report);
    status.textContent = 'done';
  },
  (error: unknown) => {
    output.textContent = JSON.stringify({ error: String(error) });
    status.textContent = 'failed';
  },
);
