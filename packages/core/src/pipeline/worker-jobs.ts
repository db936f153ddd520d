/**
 * What a stage's worker does (Node `worker_threads` or a browser module worker), started by
 * {@link serveJobs} from the worker's entry file (`worker.ts`, or in Node `node-worker.ts`). The
 * main thread sends `init` messages, one job at a time, each naming the stage's module (URL or
 * source text) and the handles of two `SharedQueue`s; for each, the worker loads the function
 * (once per module: a pooled worker keeps it for the next run), says `ready`, then loops get ->
 * fn -> put on the shared queues until its input is closed and drained, and says `done` with
 * its counts (or `error` with the error). On `close` it stops listening and exits on its own, so
 * that whatever it wrote to the console is flushed first (a terminated worker loses its last
 * lines).
 *
 * Items go worker to worker through shared memory; the main thread only sees the messages
 * above. An ordered stage's items travel as `[seq, item]` and leave as `[seq, outputs]`, so the
 * main thread can put the outputs back in input order.
 *
 * @module
 */
import { ClosedError } from '../errors.js';
// The modules themselves rather than the shared/ barrel: a worker then loads only what it
// uses (fewer modules to read and compile before it is ready).
import { SharedQueue, type SharedQueueHandle } from '../shared/queue.js';
import { registerAgent } from '../shared/registry.js';
import { Counters } from './counters.js';
import { isAsyncIterable, isIterable, isThenable } from './io.js';
import { loadStageFunction } from './load.js';
import {
  specKey,
  type InitMessage,
  type MainMessage,
  type ModuleSpec,
  type WorkerMessage,
} from './protocol.js';
import type { StageContext, StageFunction } from './types.js';

interface Port {
  post(message: WorkerMessage): void;
  /** Calls `listener` with every message until {@link Port.stop}. */
  listen(listener: (message: unknown) => void): void;
  /** Stops listening and lets the worker exit once nothing else keeps it alive. */
  stop(): void;
}

/** The channel to the main thread: Node's `parentPort` or the worker's global scope. */
function parentPort(): Port {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as
    { parentPort: NodePort | null } | undefined;
  const node = threads?.parentPort;
  let handler: ((message: unknown) => void) | undefined;
  if (node) {
    return {
      post: (message) => node.postMessage(message),
      listen: (listener) => node.on('message', (handler = listener)),
      // With no listener and unreferenced, the port no longer keeps the worker alive: it exits
      // when the event loop is empty, after Node flushed its stdout and stderr to the parent.
      stop: () => {
        if (handler) node.off('message', handler);
        node.unref();
      },
    };
  }
  const scope = globalThis as unknown as BrowserScope;
  const onEvent = (event: { data: unknown }): void => handler?.(event.data);
  return {
    post: (message) => scope.postMessage(message),
    listen: (listener) => {
      handler = listener;
      scope.addEventListener('message', onEvent);
    },
    stop: () => {
      scope.removeEventListener('message', onEvent);
      // A browser worker has no exit event: say so, then close (the console is not piped).
      scope.postMessage({ type: 'closing' } satisfies WorkerMessage);
      scope.close();
    },
  };
}

interface NodePort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  off(event: 'message', listener: (message: unknown) => void): void;
  unref(): void;
}

interface BrowserScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** The most items a worker takes at once (see the loop in `serve`). */
const MAX_BATCH = 16;

/**
 * About how long a batch may keep a worker busy (see the loop in `serve`): what the other
 * workers may end up waiting for, at the end of a stage, on a batch one of them holds.
 */
const BATCH_MS = 0.25;

/** Loaded stage functions by module (see `specKey`): a pooled worker loads each once. */
const loaded = new Map<string, Promise<StageFunction<unknown, unknown>>>();

function load(spec: ModuleSpec, stage: string): Promise<StageFunction<unknown, unknown>> {
  const key = specKey(spec);
  let fn = loaded.get(key);
  if (fn === undefined) {
    fn = loadStageFunction(spec, stage);
    loaded.set(key, fn);
    fn.catch(() => loaded.delete(key)); // a failed load is tried again next time
  }
  return fn;
}

/** What the entry file asks of {@link serveJobs} besides serving jobs. */
export interface WorkerHooks {
  /**
   * Called once, after the worker's first job that ends well: the entry's code cache of the
   * bootstrap, which the worker then sends to the main thread (`code-cache`) for the workers it
   * starts later (see node-worker.ts). By then the cache holds the code of every function a
   * job runs.
   */
  codeCache?(): Uint8Array;
}

/** Serves the main thread's jobs until it sends `close` (or a job marked `last` is done). */
export function serveJobs(hooks: WorkerHooks = {}): void {
  const port = parentPort();
  let codeCache = hooks.codeCache;
  /** Jobs run one after the other; `close` waits for the last. */
  let idle: Promise<void> = Promise.resolve();
  port.listen((data) => {
    const message = data as MainMessage;
    if (message.type === 'init') {
      idle = idle.then(() =>
        serve(port, message).then(
          () => {
            if (codeCache !== undefined) {
              const make = codeCache;
              codeCache = undefined;
              try {
                port.post({ type: 'code-cache', data: make() });
              } catch {
                // No cache then: later workers compile the bootstrap themselves, as this one did.
              }
            }
            // A run's own worker starts exiting the moment it is done: its exit (a few ms in
            // Node) then overlaps the main thread taking the news, instead of following a
            // `close` sent back. It still exits on its own, so its console output is flushed.
            if (message.last) port.stop();
          },
          (error: unknown) => {
            port.post({ type: 'error', error: cloneableError(error) });
          },
        ),
      );
    } else if (message.type === 'load') {
      load(message.spec, 'preload').then(
        () => port.post({ type: 'loaded' }),
        (error: unknown) => port.post({ type: 'loaded', error: cloneableError(error) }),
      );
    } else if (message.type === 'close') {
      void idle.then(() => port.stop());
    }
  });
}

async function serve(port: Port, init: InitMessage): Promise<void> {
  // Wait-for graphs and deadlock reports then name this worker after its stage.
  registerAgent(`${init.stage} #${init.index}`);
  const fn = await load(init.spec, init.stage);
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
  // How long an item has taken, from the last batch: -1 before the first, 0 when too quick for
  // the clock (a browser's is coarse: 5 us to 1 ms).
  let itemMs = -1;
  // One clock read between a batch's items and the next get: it ends the one and starts the
  // other.
  let now = performance.now();
  try {
    for (;;) {
      // Items are handed over in batches: one claim and one copy for several items. A worker
      // takes its share of what is waiting (so the others get theirs), at least one, at most
      // MAX_BATCH, and no more than it can get through in about BATCH_MS: at the end of the
      // stage the others would wait for its batch, idle (a batch of CPU-heavy items held by
      // one worker, while the others have nothing left, costs more than batching saves). Its
      // first batch is one item, to time it.
      const share = Math.floor(input.size / init.workers);
      const quick = itemMs < 0 ? 1 : itemMs === 0 ? MAX_BATCH : Math.floor(BATCH_MS / itemMs);
      const most = share < quick ? share : quick;
      const want = most < 1 ? 1 : most > MAX_BATCH ? MAX_BATCH : most;
      // Returns at once with what is there (up to `want`); sleeps only when the queue is empty.
      const start = now;
      let items: unknown[];
      try {
        items = input.getManySync(want);
      } finally {
        now = performance.now();
        counters.blockedOnGetMs += now - start;
      }
      counters.itemsIn += items.length;
      const began = now;
      for (const item of items) {
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
      now = performance.now();
      itemMs = (now - began) / items.length;
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

const CLONED_NAMES = new Set([
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
]);

/**
 * The error as something `postMessage` can clone. Errors of the standard classes clone as they
 * are; others (Baton's, the user's) would arrive renamed `Error`, so they go as plain data.
 */
function cloneableError(error: unknown): unknown {
  if (!(error instanceof Error) || CLONED_NAMES.has(error.name)) {
    try {
      return structuredClone(error);
    } catch {
      // an unclonable extra property: send the plain data below
    }
  }
  const e = error as { name?: unknown; message?: unknown; stack?: unknown } | null;
  if (e === null || typeof e !== 'object') return error;
  return { name: String(e.name ?? 'Error'), message: String(e.message ?? e), stack: e.stack };
}
