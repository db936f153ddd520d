/**
 * The bootstrap that runs a pipeline stage inside a worker (Node `worker_threads` or a browser
 * module worker). The main thread sends one `init` message naming the stage's module (URL or
 * source text) and the handles of the two `SharedQueue`s; the worker loads the function, says
 * `ready`, then loops get -> fn -> put on the shared queues until its input is closed and
 * drained, and says `done` with its counts (or `error` with the error).
 *
 * Items go worker to worker through shared memory; the main thread only sees the messages
 * above. An ordered stage's items travel as `[seq, item]` and leave as `[seq, outputs]`, so the
 * main thread can put the outputs back in input order.
 *
 * @module
 */
import { ClosedError } from '../errors.js';
import { registerAgent, SharedQueue, type SharedQueueHandle } from '../shared/index.js';
import { Counters } from './counters.js';
import { isAsyncIterable, isIterable, isThenable } from './io.js';
import { loadStageFunction } from './load.js';
import type { InitMessage, WorkerMessage } from './protocol.js';
import type { StageContext } from './types.js';

interface Port {
  post(message: WorkerMessage): void;
  once(listener: (message: unknown) => void): void;
}

/** The channel to the main thread: Node's `parentPort` or the worker's global scope. */
function parentPort(): Port {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as
    { parentPort: NodePort | null } | undefined;
  const node = threads?.parentPort;
  if (node) {
    return {
      post: (message) => node.postMessage(message),
      // `once`: with no listener left the port no longer keeps the worker alive.
      once: (listener) => node.once('message', listener),
    };
  }
  const scope = globalThis as unknown as BrowserScope;
  return {
    post: (message) => scope.postMessage(message),
    once: (listener) => {
      const handler = (event: { data: unknown }): void => {
        scope.removeEventListener('message', handler);
        listener(event.data);
      };
      scope.addEventListener('message', handler);
    },
  };
}

interface NodePort {
  postMessage(message: unknown): void;
  once(event: 'message', listener: (message: unknown) => void): void;
}

interface BrowserScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const port = parentPort();
port.once((message) => {
  void serve(message as InitMessage).catch((error: unknown) => {
    port.post({ type: 'error', error: cloneableError(error) });
  });
});

async function serve(init: InitMessage): Promise<void> {
  // Wait-for graphs and deadlock reports then name this worker after its stage.
  registerAgent(`${init.stage} #${init.index}`);
  const fn = await loadStageFunction(init.spec, init.stage);
  const input = SharedQueue.from<unknown>(init.input as SharedQueueHandle);
  const output = SharedQueue.from<unknown>(init.output as SharedQueueHandle);
  port.post({ type: 'ready' });
  const counters = new Counters();
  // Never aborted: the main thread stops a worker by closing its queues or terminating it.
  const context: StageContext = {
    signal: new AbortController().signal,
    stage: init.stage,
    index: init.index,
  };
  const put = (value: unknown): boolean => {
    let start = 0;
    if (!output.tryPut(value)) {
      start = performance.now();
      output.putSync(value);
      counters.blockedOnPutMs += performance.now() - start;
    }
    counters.itemsOut++;
    const depth = output.size;
    if (depth > counters.peakQueueDepth) counters.peakQueueDepth = depth;
    return true;
  };
  try {
    for (;;) {
      let item: unknown;
      const got = input.tryGet();
      if (got.ok) {
        item = got.value;
      } else {
        const start = performance.now();
        try {
          item = input.getSync();
        } finally {
          counters.blockedOnGetMs += performance.now() - start;
        }
      }
      counters.itemsIn++;
      const [seq, value] = init.ordered ? (item as [number, unknown]) : [0, item];
      let result = fn(value, context);
      if (isThenable(result)) result = await result;
      const outputs = await outputsOf(init.kind, value, result);
      if (init.ordered) {
        put([seq, outputs]);
        counters.itemsOut += outputs.length - 1;
      } else {
        for (const out of outputs) put(out);
      }
    }
  } catch (error) {
    if (!(error instanceof ClosedError)) throw error;
    // Input closed and drained (the stage is done), or a queue closed at once (the pipeline
    // stops): either way this worker's part is over.
  }
  port.post({ type: 'done', counts: { ...counters } });
}

async function outputsOf(
  kind: InitMessage['kind'],
  item: unknown,
  result: unknown,
): Promise<unknown[]> {
  if (kind === 'map') return [result];
  if (kind === 'filter') return result ? [item] : [];
  if (isIterable(result) && typeof result !== 'string') return [...result];
  if (isAsyncIterable(result)) {
    const outputs: unknown[] = [];
    for await (const value of result) outputs.push(value);
    return outputs;
  }
  throw new TypeError(`flatMap function must return an iterable, got ${typeof result}`);
}

/** The error as something `postMessage` can clone (Error objects clone; their extras may not). */
function cloneableError(error: unknown): unknown {
  try {
    return structuredClone(error);
  } catch {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown } | null;
    return { name: String(e?.name ?? 'Error'), message: String(e?.message ?? e), stack: e?.stack };
  }
}
