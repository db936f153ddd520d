/**
 * Starting a worker that serves a stage's jobs (worker-jobs.ts), in Node (`worker_threads`) or
 * in a browser (a module `Worker`), behind one small interface. Keeps a count of the workers
 * alive, so tests can check that a pipeline leaves none behind.
 *
 * @module
 */
import { isNode } from './environment.js';
import type { CloseMessage, CodeCacheMessage, NodeWorkerData, WorkerMessage } from './protocol.js';

/** A started worker, whichever kind. */
export interface WorkerPort {
  post(message: unknown): void;
  /** Messages from the worker. */
  onMessage(listener: (message: unknown) => void): void;
  /** An error the worker did not catch (or failed to load with). */
  onError(listener: (error: unknown) => void): void;
  /** Stops the worker now (its last console lines may be lost). Idempotent. */
  terminate(): void;
  /**
   * Asks the worker to finish its job and exit on its own, which flushes its console output;
   * terminates it if it has not exited after `graceMs` (user code left a timer or socket open).
   * Resolves once it has exited. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
  /** Resolves once the worker has exited (Node) or been terminated (browser). */
  readonly exited: Promise<void>;
}

let alive = 0;

/** How long a closed worker may take to exit on its own before it is terminated. */
export const CLOSE_GRACE_MS = 5_000;

/** How many workers started by pipelines are alive now (for leak checks). */
export function liveWorkers(): number {
  return alive;
}

interface NodeWorker {
  postMessage(message: unknown): void;
  on(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): void;
  terminate(): Promise<number>;
}

interface NodeWorkerThreads {
  Worker: new (url: URL, options: { name?: string; workerData?: unknown }) => NodeWorker;
}

/** Starts a worker running the stage bootstrap; `name` shows in debuggers and traces. */
export function spawnWorker(name: string): WorkerPort {
  return isNode() ? spawnNode(name) : spawnBrowser(name);
}

interface NodeFs {
  existsSync(path: URL): boolean;
}

let nodeEntryUrl: URL | undefined;

/**
 * The file a Node worker starts from: `node-worker.js`, which runs the build's one-script bundle
 * of the worker's code (see node-worker.ts), or worker.js itself where the build made no bundle.
 * Looked up once.
 */
function nodeEntry(proc: { getBuiltinModule?: (id: string) => unknown } | undefined): URL {
  if (nodeEntryUrl === undefined) {
    // `@vite-ignore`: Vite would otherwise emit these files as raw assets (imports unresolved)
    // for a browser build that never takes this branch.
    const bundle = new URL(/* @vite-ignore */ './node-worker-bundle.js', import.meta.url);
    const fs = proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
    nodeEntryUrl = fs?.existsSync(bundle)
      ? new URL(/* @vite-ignore */ './node-worker.js', import.meta.url)
      : new URL(/* @vite-ignore */ './worker.js', import.meta.url);
  }
  return nodeEntryUrl;
}

/**
 * The code cache of the workers' bootstrap, from the last worker of this process that had to
 * compile it (see node-worker.ts): given to every worker started after.
 */
let codeCache: Uint8Array | undefined;
/** How many caches workers have sent (for tests: a worker that used one sends none). */
let codeCachesReceived = 0;

/** What this process knows of the bootstrap's code cache (for tests). */
export function bootstrapCodeCache(): { readonly bytes: number; readonly received: number } {
  return { bytes: codeCache?.byteLength ?? 0, received: codeCachesReceived };
}

function isCodeCache(message: unknown): message is CodeCacheMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'code-cache' &&
    (message as { data?: unknown }).data instanceof Uint8Array
  );
}

function spawnNode(name: string): WorkerPort {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  if (threads === undefined) {
    throw new TypeError('worker stages need Node 20.16 or later (process.getBuiltinModule)');
  }
  const workerData: NodeWorkerData = codeCache === undefined ? {} : { codeCache };
  const worker = new threads.Worker(nodeEntry(proc), { name, workerData });
  alive++;
  // The code cache is this module's business: the stage never sees the message.
  worker.on('message', (message) => {
    if (!isCodeCache(message)) return;
    codeCache = message.data;
    codeCachesReceived++;
  });
  const exited = new Promise<void>((resolve) =>
    worker.on('exit', () => {
      alive--;
      resolve();
    }),
  );
  let terminated = false;
  const terminate = (): void => {
    if (terminated) return;
    terminated = true;
    worker.terminate().catch(() => undefined); // 'exit' still comes, and settles `exited`
  };
  let closing: Promise<void> | undefined;
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) =>
      worker.on('message', (message) => {
        if (!isCodeCache(message)) listener(message);
      }),
    onError: (listener) => worker.on('error', listener),
    terminate,
    close: (graceMs = CLOSE_GRACE_MS) =>
      (closing ??= graceful(
        () => worker.postMessage({ type: 'close' } satisfies CloseMessage),
        terminate,
        exited,
        graceMs,
      )),
    exited,
  };
}

function spawnBrowser(name: string): WorkerPort {
  // Written out in full so that bundlers (Vite) see `new Worker(new URL(...))` and bundle it.
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name });
  alive++;
  let markExited!: () => void;
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  let terminated = false;
  const terminate = (): void => {
    if (terminated) return;
    terminated = true;
    worker.terminate();
    alive--;
    markExited();
  };
  // The worker says `closing` just before it closes itself (browsers have no exit event).
  worker.addEventListener('message', (event) => {
    if ((event.data as WorkerMessage | null)?.type === 'closing') terminate();
  });
  let closing: Promise<void> | undefined;
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.addEventListener('message', (event) => listener(event.data)),
    onError: (listener) =>
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        listener(event.error ?? new Error(event.message || `worker '${name}' failed to start`));
      }),
    terminate,
    close: (graceMs = CLOSE_GRACE_MS) =>
      (closing ??= graceful(
        () => worker.postMessage({ type: 'close' } satisfies CloseMessage),
        terminate,
        exited,
        graceMs,
      )),
    exited,
  };
}

/** Sends `close`, then waits for `exited`, terminating the worker after `graceMs` at most. */
async function graceful(
  sendClose: () => void,
  terminate: () => void,
  exited: Promise<void>,
  graceMs: number,
): Promise<void> {
  try {
    sendClose();
  } catch {
    terminate(); // already gone
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      terminate();
      resolve();
    }, graceMs);
  });
  await Promise.race([exited, late]);
  clearTimeout(timer);
  await exited;
}
