/**
 * The gate: controlled scheduling of real workers. When a controller (a test's thread, the
 * playground page; see {@link GateController}) is attached to a registry, every operation of a
 * shared primitive made by another agent of that registry first **parks** at the agent's gate
 * word, publishing what it is about to do (which primitive, which operation), and goes on only
 * when the controller releases it. Detached, the gate costs one atomic load per operation.
 *
 * Protocol, per agent row (words in `registry/layout.ts`):
 *
 * 1. The agent loads the header's `controller` word; 0 (or its own id) means go on at once.
 * 2. Otherwise it writes the primitive and the operation, stores `PARKED` in its gate word, bumps
 *    and notifies the header's `gateEvents` word (the controller waits on it), and sleeps on its
 *    gate word while it stays `PARKED` and a controller is attached.
 * 3. The controller releases it by swapping `PARKED` for `RELEASED` and notifying the gate word;
 *    the agent stores `OPEN` and makes its operation.
 *
 * Detaching stores 0 in `controller` first and then releases every parked gate. An agent stores
 * `PARKED` before it loads `controller` again (both sequentially consistent), so either the
 * detaching controller sees it parked and releases it, or the agent sees the controller gone:
 * no agent can stay parked after a detach. A worker that is never released is never harmed.
 *
 * @module
 */
import { waitAsync, canBlock, now } from './wait.js';
import {
  A_GATE,
  A_GATE_OP,
  A_GATE_PRIMITIVE,
  H_CONTROLLER,
  H_GATE_EVENTS,
} from './registry/layout.js';

/** What an agent is about to do when it parks at its gate. */
export type GateOp =
  | 'acquire'
  | 'release'
  | 'wait'
  | 'notify'
  | 'set'
  | 'clear'
  | 'put'
  | 'get'
  | 'reset'
  | 'abort'
  | 'close';

/** The operations by their stored code minus one. */
export const GATE_OPS: readonly GateOp[] = [
  'acquire',
  'release',
  'wait',
  'notify',
  'set',
  'clear',
  'put',
  'get',
  'reset',
  'abort',
  'close',
];

export const OPEN = 0;
export const PARKED = 1;
export const RELEASED = 2;

/**
 * How long a parked agent sleeps before it re-checks that a controller is still attached. A
 * detach notifies every parked agent, so this only bounds the damage of a missed notification.
 */
const RECHECK_MS = 1000;

/** The shared words one agent's gate lives in. */
export interface GateWords {
  readonly cells: Int32Array;
  /** Index of the agent's row in `cells`. */
  readonly row: number;
  /** The agent's id in the registry. */
  readonly self: number;
}

/** Whether an operation of agent `self` must park: a controller is attached and it is not us. */
export function mustPark(cells: Int32Array, self: number): boolean {
  // The one atomic load the gate costs when no controller is attached.
  const controller = Atomics.load(cells, H_CONTROLLER);
  return controller !== 0 && controller !== self;
}

/** Parks agent `words` (blocking) until the controller releases it or detaches. */
export function parkSync(words: GateWords, primitive: number, op: GateOp): void {
  const { cells, row } = words;
  // A browser's main thread cannot block: it is not steered (it is usually the controller).
  if (!canBlock()) return;
  announce(words, primitive, op);
  while (Atomics.load(cells, row + A_GATE) === PARKED && Atomics.load(cells, H_CONTROLLER) !== 0) {
    Atomics.wait(cells, row + A_GATE, PARKED, RECHECK_MS);
  }
  leave(words);
}

/** Parks agent `words` (without blocking the thread) until released or detached. */
export async function parkAsync(words: GateWords, primitive: number, op: GateOp): Promise<void> {
  const { cells, row } = words;
  announce(words, primitive, op);
  while (Atomics.load(cells, row + A_GATE) === PARKED && Atomics.load(cells, H_CONTROLLER) !== 0) {
    await waitAsync(cells, row + A_GATE, PARKED, now() + RECHECK_MS, undefined);
  }
  leave(words);
}

/** Publishes what we are about to do, then parks: the gate word is stored last. */
function announce({ cells, row }: GateWords, primitive: number, op: GateOp): void {
  Atomics.store(cells, row + A_GATE_PRIMITIVE, primitive);
  Atomics.store(cells, row + A_GATE_OP, GATE_OPS.indexOf(op) + 1);
  Atomics.store(cells, row + A_GATE, PARKED);
  gateEvent(cells);
}

function leave({ cells, row }: GateWords): void {
  Atomics.store(cells, row + A_GATE, OPEN);
  Atomics.store(cells, row + A_GATE_OP, 0);
  Atomics.store(cells, row + A_GATE_PRIMITIVE, 0);
}

/** Tells the controller that something it may wait for happened (a park, a wait, an exit). */
export function gateEvent(cells: Int32Array): void {
  Atomics.add(cells, H_GATE_EVENTS, 1);
  Atomics.notify(cells, H_GATE_EVENTS);
}

/** The primitive and operation agent row `row` is parked at, if it is parked. */
export function parkedAt(
  cells: Int32Array,
  row: number,
): { primitive: number; op: GateOp } | undefined {
  if (Atomics.load(cells, row + A_GATE) !== PARKED) return undefined;
  const op = GATE_OPS[Atomics.load(cells, row + A_GATE_OP) - 1];
  if (op === undefined) return undefined;
  return { primitive: Atomics.load(cells, row + A_GATE_PRIMITIVE), op };
}

/** Releases agent row `row` if it is parked; `true` when it was. */
export function releaseGate(cells: Int32Array, row: number): boolean {
  if (Atomics.compareExchange(cells, row + A_GATE, PARKED, RELEASED) !== PARKED) return false;
  Atomics.notify(cells, row + A_GATE);
  return true;
}

/**
 * What a shared primitive passes to {@link gateSync} / {@link gateAsync}: its registry row.
 *
 * @internal
 */
export interface Gated {
  readonly registryRow: {
    readonly registry: {
      gateSync(primitive: number, op: GateOp): void;
      gateAsync(primitive: number, op: GateOp): Promise<void> | undefined;
    };
    readonly id: number;
  };
}

/**
 * The gate of a blocking or synchronous operation: returns at once (one atomic load) when no
 * controller is attached; otherwise parks this agent until the controller releases it.
 *
 * @internal
 */
export function gateSync(subject: Gated, op: GateOp): void {
  const { registry, id } = subject.registryRow;
  registry.gateSync(id, op);
}

/**
 * The gate of an async operation: `undefined` (nothing to await, one atomic load) when no
 * controller is attached; otherwise a promise that resolves when the controller releases this
 * agent. Use it as `const gate = gateAsync(this, 'acquire'); if (gate) await gate;` so that the
 * detached path adds no microtask turn.
 *
 * @internal
 */
export function gateAsync(subject: Gated, op: GateOp): Promise<void> | undefined {
  const { registry, id } = subject.registryRow;
  return registry.gateAsync(id, op);
}
