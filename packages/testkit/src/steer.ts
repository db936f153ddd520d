/**
 * Workers in an exploration: the explorer steers the workers a scenario starts through core's
 * gate ({@link GateController}). While a steered run is on, every operation of a shared
 * primitive made by a registered worker (`registerAgent(name)`) parks at the worker's gate and
 * says what it is about to do; a parked worker is one more ready continuation, next to the
 * in-thread ones, and goes on when the strategy picks it. Before each choice the explorer waits
 * until every worker has played out its last step (it parked again, waits in a primitive for
 * another agent, or exited), so the ready set at each step does not depend on how fast the
 * threads run, and a schedule replays exactly.
 *
 * The natural run attaches no gate: workers run freely, and the run counts as deadlocked only
 * when the registry shows a cycle or every worker blocked for good (the checks of
 * `withDeadlockTimeout`).
 *
 * @module
 */
import {
  GateController,
  snapshot as readSnapshot,
  type ParkedAgent,
  type SteeredAgent,
  type WaitForSnapshot,
} from '@baton/core';
import { formatWaitFor } from './explain.js';
import {
  findSharedDeadlock,
  SharedStall,
  sharedBaseline,
  sharedGraph,
  sharedRegistryAvailable,
} from './shared.js';

/** How long the explorer waits for workers to settle before it calls the run stuck (ms). */
const SETTLE_TIMEOUT = 30_000;

/** A worker parked at its gate, as the explorer lists it among the ready continuations. */
export interface ParkedWorker {
  readonly agent: string;
  readonly id: number;
  readonly what: string;
}

/** The gate of one steered run, or nothing where there is no shared memory. */
export class Steering {
  readonly #gate: GateController | undefined;
  /** Agents registered before the run: earlier runs' and tests' workers, not this run's. */
  readonly #before: ReadonlySet<number>;

  private constructor(gate: GateController | undefined) {
    this.#gate = gate;
    this.#before = new Set(gate?.agents().map((a) => a.id) ?? []);
  }

  /**
   * Attaches a controller to this thread's registry. Without shared memory, or when another
   * controller is attached (the run then cannot steer workers, which run freely), steers nothing.
   */
  static attach(): Steering {
    if (!sharedRegistryAvailable) return new Steering(undefined);
    try {
      return new Steering(GateController.attach());
    } catch {
      return new Steering(undefined);
    }
  }

  /** Whether workers are steered. */
  get steering(): boolean {
    return this.#gate !== undefined;
  }

  /**
   * Waits until every live worker (`live` of them started in the run, counted by async hooks)
   * has registered and has played out its last step. Resolves `false` if that takes longer than
   * {@link SETTLE_TIMEOUT} (a worker computing for ever, or one that never registers).
   */
  async settle(live: () => number): Promise<boolean> {
    const gate = this.#gate;
    if (gate === undefined) return true;
    const deadline = performance.now() + SETTLE_TIMEOUT;
    let last: string | undefined;
    for (;;) {
      const count = live();
      if (count === 0) return true;
      // Agents of this run only. A worker that exited without `watchWorker()` stays "running"
      // in the registry for ever, so count instead: once as many agents of the run rest
      // (parked, or waiting in a primitive) as the run has live workers, the others are gone.
      const mine = this.#mine(gate);
      const taking = aboutToTake();
      const resting = mine.filter(
        (a) => a.state === 'parked' || (a.state === 'waiting' && !taking.has(a.id)),
      );
      const key = JSON.stringify(
        mine.map((a) => [a.id, a.state, a.parked?.op, a.parked?.primitive?.id]),
      );
      // The same resting state on two reads in a row: a waiter just woken has had time to move.
      if (resting.length >= count && key === last) return true;
      last = resting.length >= count ? key : undefined;
      if (performance.now() > deadline) return false;
      await gate.changed(10);
    }
  }

  /** The live agents that registered after this run attached (the workers it started). */
  #mine(gate: GateController): SteeredAgent[] {
    return gate.agents().filter((a) => a.state !== 'exited' && !this.#before.has(a.id));
  }

  /** The workers parked now, in a stable order (by name, then registry id). */
  parked(): ParkedWorker[] {
    const gate = this.#gate;
    if (gate === undefined) return [];
    return gate
      .parked()
      .filter((p) => !this.#before.has(p.id))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id))
      .map((p) => ({ agent: p.name, id: p.id, what: describeOp(p) }));
  }

  /** The names of the workers of this run that have registered (live or not). */
  names(): string[] {
    const gate = this.#gate;
    if (gate === undefined) return [];
    return gate
      .agents()
      .filter((a) => !this.#before.has(a.id))
      .map((a) => a.name);
  }

  /** Lets worker `id` make the operation it is parked at. */
  release(id: number): void {
    this.#gate?.release(id);
  }

  /** `snapshot` with only the agents registered since this run attached. */
  only(snapshot: WaitForSnapshot): WaitForSnapshot {
    return { ...snapshot, agents: snapshot.agents.filter((a) => !this.#before.has(a.id)) };
  }

  /** Detaches: every parked worker goes on, and no operation parks any more. */
  detach(): void {
    this.#gate?.detach();
  }
}

/**
 * The agents that wait for a SharedLock or SharedRLock nobody holds: woken (or about to be), they
 * will take it, so their step has not played out yet. On a loaded machine a woken waiter may
 * not have moved between two reads, and calling it resting let a run end as a false deadlock
 * ("waits for SharedLock x, which nobody holds").
 */
function aboutToTake(): Set<number> {
  let snapshot: WaitForSnapshot;
  try {
    snapshot = readSnapshot();
  } catch {
    return new Set();
  }
  const free = new Set(
    snapshot.primitives
      .filter((p) => (p.kind === 'SharedLock' || p.kind === 'SharedRLock') && p.owner === undefined)
      .map((p) => p.id),
  );
  return new Set(
    snapshot.agents
      .filter((a) => a.state === 'waiting' && a.waitingOn !== undefined)
      .filter((a) => free.has(a.waitingOn?.primitive.id ?? -1))
      .map((a) => a.id),
  );
}

/** "goes on to acquire SharedLock a". */
function describeOp(parked: ParkedAgent): string {
  const on =
    parked.primitive === undefined ? '' : ` ${parked.primitive.kind} ${parked.primitive.name}`;
  return `goes on to ${parked.op}${on}`;
}

/**
 * Watches the workers of a natural run (no gate): a cycle or an abandoned lock among them is a
 * deadlock at once; every worker blocked for good, with this thread idle too, is one once it has
 * held for a grace period.
 */
export class WorkerWatch {
  readonly #baseline = sharedRegistryAvailable ? sharedBaseline() : new Set<string>();
  readonly #stall = new SharedStall(this.#baseline);

  /** `true` when the workers can never go on by themselves (nor be woken by this thread). */
  stuck(): boolean {
    if (!sharedRegistryAvailable) return false;
    if (findSharedDeadlock(this.#baseline) !== undefined) return true;
    return this.#stall.settled();
  }

  /** This thread ran: a stall seen so far proves nothing. */
  reset(): void {
    this.#stall.reset();
  }
}

/**
 * The workers' part of a deadlock's explanation (only the agents registered since `steering`
 * attached, when given: workers of earlier runs are not this run's), or `''` when none waits.
 */
export function explainWorkers(steering?: Steering): string {
  if (!sharedRegistryAvailable) return '';
  let snapshot: WaitForSnapshot;
  try {
    snapshot = readSnapshot();
  } catch {
    return '';
  }
  const ours = steering === undefined ? snapshot : steering.only(snapshot);
  const graph = sharedGraph(ours);
  return graph === undefined
    ? ''
    : `across workers (shared registry):\n${indent(formatWaitFor(graph))}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
