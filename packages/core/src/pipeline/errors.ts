/**
 * The error a pipeline's `run()` rejects with when one of its parts fails.
 *
 * @module
 */
import { BatonError } from '../errors.js';

/**
 * A part of a pipeline (the source, a stage or the sink) threw. The message names the part,
 * `stage` holds its name, and `cause` the original error. Every other part was stopped before
 * `run()` rejected.
 *
 * @example
 * ```ts
 * try {
 *   await pipeline({ source: [1, 2, 3], stages: [map(parse, { name: 'parse' })] }).run();
 * } catch (error) {
 *   if (error instanceof PipelineError) console.log(error.stage, error.cause); // 'parse', ...
 * }
 * ```
 */
export class PipelineError extends BatonError {
  static {
    this.prototype.name = 'PipelineError';
  }
  /** Name of the part that failed. */
  readonly stage: string;
  constructor(stage: string, cause: unknown) {
    super(`pipeline stage '${stage}' failed: ${describeCause(cause)}`, { cause });
    this.stage = stage;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  try {
    return String(cause);
  } catch {
    return 'unprintable error';
  }
}
