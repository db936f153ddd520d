/**
 * Messages between the main thread and a stage's workers (see `worker.ts`).
 *
 * @module
 */
import type { WorkerCounts } from './counters.js';
import type { StageKind } from './types.js';

/** Main -> worker, once: what to run and where its items come from and go. */
export interface InitMessage {
  readonly type: 'init';
  readonly stage: string;
  readonly kind: StageKind;
  /** The module (as a URL string) or its source text, and which export to call. */
  readonly spec:
    | { readonly module: string; readonly export?: string }
    | { readonly source: string; readonly export?: string };
  /** Which of the stage's workers this is (0-based); `context.index` in the function. */
  readonly index: number;
  /** `SharedQueue` handles. */
  readonly input: unknown;
  readonly output: unknown;
  /** Items arrive as `[seq, item]` and leave as `[seq, outputs[]]`. */
  readonly ordered: boolean;
}

/** Worker -> main. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly counts: WorkerCounts }
  | { readonly type: 'error'; readonly error: unknown };
