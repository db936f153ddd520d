/**
 * The sentences a failing test prints: core's one wording of the wait-for graph
 * (`formatWaitGraph`, `explainWait`), with a note on what a watch cannot see.
 *
 * @module
 */
import { explainWait, formatWaitGraph, type WaitGraphWait } from '@baton/core';
import type { WaitForGraph } from './wait-for.js';

/**
 * A multi-line explanation of `graph`, one line per waiting task: the cycle first (if any), then
 * the other blocked tasks, then who is not blocked and who has finished.
 *
 * @example
 * ```ts no-run
 * import { formatWaitFor, type WaitForGraph } from '@baton/testkit';
 * declare const graph: WaitForGraph;
 * console.log(formatWaitFor(graph));
 * // cycle:
 * //   A waits for Lock b since 3 ms (at x.test.ts:12:15), held by B since 3 ms (acquired at ...)
 * //   B waits for Lock a since 3 ms (at x.test.ts:18:15), held by A since 4 ms (acquired at ...)
 * //   and so back to A
 * ```
 */
export function formatWaitFor(graph: WaitForGraph): string {
  const text = formatWaitGraph(graph);
  if (graph.waits.length > 0) return text;
  return text.replace(
    'nobody waits on a primitive',
    'nobody was seen waiting on a primitive (waits that began before the watch are not seen)',
  );
}

/**
 * One sentence about one wait, as {@link formatWaitFor} writes it.
 *
 * @example
 * ```ts no-run
 * import { describeWait, type WaitForGraph } from '@baton/testkit';
 * declare const graph: WaitForGraph;
 * for (const wait of graph.waits) console.log(describeWait(graph, wait));
 * // consumer waits for Lock m since 12 ms, held by producer since 15 ms
 * ```
 */
export function describeWait(graph: WaitForGraph, wait: WaitGraphWait): string {
  return explainWait(graph, wait);
}
