/**
 * `log(...)` and `console.log` and friends: lines in the playground's console.
 *
 * Capped in number per worker ({@link LOG_LIMIT}) and in length per line ({@link LINE_LIMIT}):
 * one 20 MB line would otherwise freeze the page while it lays the line out.
 *
 * @module
 */
import { safeString } from '../../common/compile.js';
import type { ApiContext } from './context.js';

/** Console lines a worker may send in one run; more would only flood the page. */
export const LOG_LIMIT = 10_000;
/** Characters a console line keeps; the rest is replaced by "… N more characters". */
export const LINE_LIMIT = 2_000;

/** `text`, cut to {@link LINE_LIMIT} characters with a marker saying how many were left out. */
export function capLine(text: string): string {
  if (text.length <= LINE_LIMIT) return text;
  return `${text.slice(0, LINE_LIMIT)} … ${text.length - LINE_LIMIT} more characters`;
}

export function logAdapter(ctx: ApiContext): {
  log(...values: unknown[]): void;
  console: Pick<Console, 'log' | 'info' | 'debug' | 'warn' | 'error'>;
} {
  let lines = 0;
  const log = (...values: unknown[]): void => {
    lines++;
    if (lines < LOG_LIMIT) {
      ctx.reporter.emit({ kind: 'log', text: capLine(values.map(safeString).join(' ')) });
    } else if (lines === LOG_LIMIT) {
      ctx.reporter.emit({
        kind: 'log',
        text: `(${LOG_LIMIT - 1} lines logged: the rest of this worker's output is not shown; the run goes on)`,
      });
    }
  };
  return {
    log,
    console: {
      log,
      info: log,
      debug: log,
      warn: (...values: unknown[]) => log('warning:', ...values),
      error: (...values: unknown[]) => log('error:', ...values),
    },
  };
}
