/**
 * Messages between the main thread and a stage's workers (see `worker.ts`).
 *
 * A worker serves one job at a time and may serve many in its life (a {@link WorkerPool} lends
 * it to run after run): `load` (optional, to import a module before any job needs it), then
 * `init` -> `ready` -> ... -> `done` per job, and `close` at the end, after which it exits on
 * its own so that its console output is flushed. A run without a pool marks its job `last`:
 * the worker then exits on its own right after `done`, with no `close`.
 *
 * @module
 */
import type { WorkerCounts } from './counters.js';
import type { StageKind } from './types.js';

/** A stage module as plain data: a URL string or source text, and which export to call. */
export type ModuleSpec =
  | { readonly module: string; readonly export?: string }
  | { readonly source: string; readonly export?: string };

/** Main -> worker: run one stage job (a worker serves one at a time). */
export interface InitMessage {
  readonly type: 'init';
  readonly stage: string;
  readonly kind: StageKind;
  /** The module (as a URL string) or its source text, and which export to call. */
  readonly spec: ModuleSpec;
  /** Which of the stage's workers this is (0-based); `context.index` in the function. */
  readonly index: number;
  /** `SharedQueue` handles. */
  readonly input: unknown;
  readonly output: unknown;
  /** Items arrive as `[seq, item]` and leave as `[seq, outputs[]]`. */
  readonly ordered: boolean;
  /** How many workers share the input (each takes its share of a batch). */
  readonly workers: number;
  /**
   * This job is the worker's last (a run without a pool): once it has said `done`, the worker
   * exits on its own, as on `close`, without waiting for the main thread to send `close`.
   */
  readonly last: boolean;
}

/** Main -> worker: import a module now (a pool warming up); answered by `loaded`. */
export interface LoadMessage {
  readonly type: 'load';
  readonly spec: ModuleSpec;
}

/** Main -> worker: no more jobs; leave the message loop and exit once idle. */
export interface CloseMessage {
  readonly type: 'close';
}

export type MainMessage = InitMessage | LoadMessage | CloseMessage;

/** Worker -> main. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly counts: WorkerCounts }
  | { readonly type: 'error'; readonly error: unknown }
  | { readonly type: 'loaded'; readonly error?: unknown }
  /** Browser only (it has no exit event): about to close itself. */
  | { readonly type: 'closing' }
  /** Node only, once, after the first job: see {@link NodeWorkerData}. */
  | CodeCacheMessage;

/**
 * Worker -> main (Node): V8's code cache of the bundled bootstrap, made by a worker that had to
 * compile it from its text, for the workers started after it (see node-worker.ts).
 */
export interface CodeCacheMessage {
  readonly type: 'code-cache';
  readonly data: Uint8Array;
}

/** What a Node worker is started with (its `workerData`). */
export interface NodeWorkerData {
  /** A code cache of the bootstrap from an earlier worker of this process, if there is one. */
  readonly codeCache?: Uint8Array;
}

/** The key a worker caches a loaded module under. */
export function specKey(spec: ModuleSpec): string {
  return JSON.stringify(['module' in spec ? spec.module : spec.source, spec.export ?? 'default']);
}
