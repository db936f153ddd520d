/**
 * The body of every playground worker: receive one {@link InitMessage}, rebuild the run's shared
 * primitives from their handles, compile the pane's code, run it with the API, and report.
 *
 * @module
 */
import { compile, describeError, locate } from '../common/compile.js';
import type { EventBatch, InitMessage, WorkerEvent } from '../common/protocol.js';
import { API_NAMES, createApi } from './api/index.js';
import { openBackends } from './backends.js';
import { Reporter } from './reporter.js';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<InitMessage>) => void) | null;
  postMessage(message: EventBatch): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
};

let started = false;

scope.onmessage = (message) => {
  if (started) return;
  started = true;
  void run(message.data);
};

async function run(init: InitMessage): Promise<void> {
  const { worker } = init;
  const file = `${worker.role}.${init.language}`;
  const post = (events: WorkerEvent[]): void =>
    scope.postMessage({ type: 'events', worker: worker.id, events });
  // The API's own frames sit between a call's event and the user's line.
  Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 30);
  const where = (): number | undefined => locate(new Error(), file)?.line;
  const reporter = new Reporter(
    new Int32Array(init.handles.sequence),
    init.startedAt,
    post,
    undefined,
    where,
  );
  let ended = false;
  const fail = (error: unknown): void => {
    if (ended) return;
    ended = true;
    reporter.emit({ kind: 'failed', error: describeError(error, file) });
    reporter.flush();
  };
  // Errors thrown later from a timer or a promise nobody awaited still end this worker's run.
  scope.addEventListener('error', (event) => fail((event as ErrorEvent).error));
  scope.addEventListener('unhandledrejection', (event) =>
    fail((event as PromiseRejectionEvent).reason),
  );

  reporter.emit({ kind: 'started' });
  try {
    const body = await compile(init.source, init.language, API_NAMES, file);
    const api = createApi(
      worker,
      init.settings,
      openBackends(init.handles, worker.name),
      reporter,
      { seed: init.seed },
    );
    await body(...API_NAMES.map((name) => api[name]));
    if (!ended) {
      ended = true;
      reporter.emit({ kind: 'done' });
      reporter.flush();
    }
  } catch (error) {
    fail(error);
  }
}
