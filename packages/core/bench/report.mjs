// Shared by the bench files: machine facts, medians, and one summary row per line of issue 15's
// table.
// `bench/run.mjs` sets BATON_BENCH_ROWS to a file; each bench appends its rows there (JSON
// lines) and run.mjs prints them all at the end with a target column and the measured ratio.
import { appendFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/** Cores and load, to print beside figures (a busy machine makes every ratio noisy). */
export function machine() {
  const [one, five] = loadavg();
  return `${availableParallelism()} cores, load average ${one.toFixed(2)} (1 min) ${five.toFixed(2)} (5 min)`;
}

/**
 * The median of `values`: the middle one, or the upper of the two middle ones of an even count
 * (a figure that was measured, never an average of two).
 */
export function median(values) {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}

/**
 * Records one summary row: `what` names it, `baton` and `peer` are the figures as text, `ratio`
 * a number where bigger is better for Baton, `target` the ratio wanted (`ratio >= target`), or
 * `targetText` when the target is not a plain ratio.
 */
export function report({ what, baton, peer = '', ratio, target, targetText }) {
  const row = {
    what,
    baton,
    peer,
    ratio,
    target: targetText ?? (target === undefined ? '' : `>= ${target}x`),
    ok: target === undefined ? undefined : ratio >= target,
  };
  if (process.env.BATON_BENCH_ROWS) {
    appendFileSync(process.env.BATON_BENCH_ROWS, `${JSON.stringify(row)}\n`);
  }
  return row;
}
