/**
 * What the parts of a running pipeline share: the stop signal, the failure report, and the set
 * of promises `run()` must see settle before it settles itself.
 *
 * @module
 */
import type { QueueLike, TryGetResult } from '../interfaces.js';
import { ClosedError } from '../errors.js';
import { EMPTY } from '../interfaces.js';

/** The running pipeline, as its parts see it. */
export interface RunContext {
  /** Aborts when the pipeline stops early; given to every user function. */
  readonly signal: AbortSignal;
  /** Whether the pipeline is stopping because of an error or an abort. */
  readonly stopping: boolean;
  /** Reports that `part` threw `error`: the first report stops every part. */
  fail(part: string, error: unknown): void;
  /** Registers work that `run()` must wait for before it settles. */
  track(promise: Promise<unknown>): void;
  /** Registers a queue that must be closed at once when the pipeline stops. */
  own(queue: QueueLike<unknown>): void;
  /** Registers what to do when the pipeline stops early (e.g. terminate workers). */
  onStop(stopper: () => void): void;
}

/**
 * `queue.tryGet()`, except that a closed queue reads as empty: the waiting `get` that follows
 * then reports the end.
 */
export function tryGetItem<T>(queue: QueueLike<T>): TryGetResult<T> {
  try {
    return queue.tryGet();
  } catch (error) {
    if (error instanceof ClosedError) return EMPTY;
    throw error;
  }
}

/**
 * Runs `body` as one task of `part`: its error (unless it is the echo of a stop already under
 * way) is reported with `context.fail`, so the returned promise never rejects.
 */
export function task(context: RunContext, part: string, body: () => Promise<void>): Promise<void> {
  return body().catch((error: unknown) => {
    if (context.stopping) return; // a ClosedError or AbortError caused by the stop itself
    context.fail(part, error);
  });
}
