/**
 * The wait-for graph of the tasks a watch runs, kept from trace events. The model, its analysis
 * and its wording are core's one wait-for graph (`WaitGraph`, `analyseWaits`,
 * `formatWaitGraph`): the testkit renders it and adds what a watch needs, namely which named
 * tasks are alive and whether all of them are blocked for good (quiescence).
 *
 * Feed a {@link WaitForTracker} every event (the deadlock watch and the explorer do) and ask it
 * for a {@link WaitForGraph} when something hangs.
 *
 * @module
 */
import {
  WaitGraphRecorder,
  type TraceEvent,
  type WaitGraph,
  type WaitGraphEdge,
} from '@baton/core';
import { sourceLocation } from './format.js';

/** A snapshot of who waits for whom: core's {@link WaitGraph}. */
export type WaitForGraph = WaitGraph;

/** One edge of the wait-for graph: core's {@link WaitGraphEdge}. */
export type WaitEdge = WaitGraphEdge;

const BLOCKING = new Set<TraceEvent['kind']>(['acquire', 'wait']);

/**
 * Keeps the wait-for graph of every traced primitive up to date from trace events (with
 * acquisition and wait sites taken from the events' stacks), and knows which named tasks are
 * alive.
 *
 * @example
 * ```ts no-run
 * import { setTracer } from '@baton/core';
 * import { WaitForTracker, formatWaitFor } from '@baton/testkit';
 * const tracker = new WaitForTracker();
 * setTracer({ event: (e) => tracker.event(e) });
 * // ... run code that hangs ...
 * console.log(formatWaitFor(tracker.graph()));
 * ```
 */
export class WaitForTracker {
  readonly #recorder = new WaitGraphRecorder(sourceLocation);
  /** Called after each event that may leave every task blocked. */
  onBlock: (() => void) | undefined;

  /** Takes one trace event into account. */
  event(e: TraceEvent): void {
    this.#recorder.event(e);
    if (BLOCKING.has(e.kind)) this.onBlock?.();
  }

  /** Records that a task called `name` started. */
  started(name: string): void {
    this.#recorder.started(name);
  }

  /** Records that a task called `name` finished (returned or threw). */
  finished(name: string): void {
    this.#recorder.finished(name);
    this.onBlock?.();
  }

  /** Names of tasks started and not yet finished. */
  get alive(): ReadonlySet<string> {
    return this.#recorder.alive;
  }

  /** Parties that wait on some primitive now. */
  blocked(): Set<string> {
    return new Set(this.#recorder.graph().waits.map((w) => w.party));
  }

  /**
   * Whether every alive task waits on a primitive, with no timeout that could end the wait:
   * nothing inside the watched code can make progress any more.
   */
  quiescent(): boolean {
    const alive = this.#recorder.alive;
    if (alive.size === 0) return false;
    const { waits } = this.#recorder.graph();
    const blocked = new Set(waits.map((w) => w.party));
    for (const name of alive) if (!blocked.has(name)) return false;
    return !waits.some((w) => alive.has(w.party) && w.timeout !== undefined);
  }

  /** The wait-for graph now (`at`: its time, `performance.now()` ms). */
  graph(at: number = performance.now()): WaitForGraph {
    return this.#recorder.graph(at);
  }
}
