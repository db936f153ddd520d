/**
 * The gate: controlled scheduling of real workers. When a controller (a test's thread, the
 * playground page; see {@link GateController}) is attached to a registry, every operation of a
 * shared primitive made by another agent of that registry first passes the agent's gate.
 * Detached, the gate costs one plain load per operation (see `mustPark`).
 *
 * The header's `controller` word says how the gates work:
 *
 * - `0`: detached. Every operation goes on at once.
 * - `+id` (steering, by agent `id`): an operation **parks** at the agent's gate word, publishing
 *   what it is about to do (which primitive, which operation), and goes on only when the
 *   controller releases it. The pass is then recorded (the controller chose the order).
 * - `-id` (recording, by agent `id`): nothing parks; each pass draws the next **ticket** and
 *   writes the agent's id into the registry's `order` area, so the controller can read the order
 *   in which a free run passed its gates and later steer a new run through the same order.
 *
 * Steering, per agent row (words in `registry/layout.ts`):
 *
 * 1. The agent loads the header's `controller` word; 0 (or its own id) means go on at once.
 * 2. Otherwise it writes the primitive and the operation, stores `PARKED` in its gate word, bumps
 *    and notifies the header's `gateEvents` word (the controller waits on it), and sleeps on its
 *    gate word while it stays `PARKED` and a controller steers.
 * 3. The controller releases it by swapping `PARKED` for `RELEASED` and notifying the gate word;
 *    the agent stores `OPEN` and makes its operation.
 *
 * Detaching (or switching to recording) stores the new `controller` word first and then releases
 * every parked gate. An agent stores `PARKED` before it loads `controller` again (both
 * sequentially consistent), so either the controller's sweep sees it parked and releases it, or
 * the agent sees that nobody steers: no agent can stay parked. A worker that is never released
 * is never harmed.
 *
 * Recording, and why a pass is one step with its operation: if worker A drew its ticket for
 * "write x" and worker B then drew one for "read x" and read before A wrote, the order would say
 * "A wrote, then B read" while B read the old value; a replay following that order would reach
 * another outcome. So a recorded pass takes the registry's **record lock**, draws its ticket,
 * and keeps the lock until its operation took effect or starts to wait (`beginWait` lets it go:
 * a waiting agent must not hold up the others). {@link gateStep} brackets an operation that
 * way; a primitive's own gate, which has no end to bracket, records its pass when the operation
 * starts. An operation that waits is recorded when it starts waiting; what it does when woken
 * is a consequence of the pass that woke it, so a replay reproduces it without a pass of its own.
 *
 * @module
 */
import { waitAsync, canBlock, now } from './wait.js';
import {
  A_GATE,
  A_GATE_OP,
  A_GATE_PRIMITIVE,
  A_STATE,
  EXITED,
  H_CONTROLLER,
  H_GATE_EVENTS,
  H_RECORD_LOCK,
  H_RECORD_WAITERS,
  H_TICKETS,
} from './registry/layout.js';

/**
 * What an agent is about to do when it passes its gate. `'read'` and `'write'` are for shared
 * state of the agent's own (a plain `Int32Array` in a `SharedArrayBuffer`) passed through
 * {@link gateStep}; the others are the shared primitives' operations.
 */
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
  | 'close'
  | 'read'
  | 'write';

/** The operations by their stored code minus one (append only: codes are shared memory). */
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
  'read',
  'write',
];

export const OPEN = 0;
export const PARKED = 1;
export const RELEASED = 2;

/**
 * How long a parked agent sleeps before it re-checks that a controller still steers. A detach
 * notifies every parked agent, so this only bounds the damage of a missed notification.
 */
const RECHECK_MS = 1000;
/**
 * How long an agent sleeps on a taken record lock before it checks whether the holder exited
 * (a terminated worker cannot let it go).
 */
const HOLDER_CHECK_MS = 50;

/** The shared words one agent's gate lives in. */
export interface GateWords {
  readonly cells: Int32Array;
  /** Index of the agent's row in `cells`. */
  readonly row: number;
  /** The agent's id in the registry. */
  readonly self: number;
  /** The registry's recorded order of passes (agent ids). */
  readonly order: Int32Array;
  /** Index in `cells` of an agent's row, to check whether a record lock's holder exited. */
  rowOf(id: number): number;
}

/**
 * Whether an operation of agent `self` must pass its gate: someone else steers or records.
 * `atomic: false` (a primitive's own operations) reads the controller word with a plain load.
 */
export function mustPark(cells: Int32Array, self: number, atomic = false): boolean {
  // The one load the gate costs when no controller is attached. A primitive's operations make
  // it a plain one: an atomic load is a builtin call in V8 (about 5 ns against under 1 ns, on
  // every operation of every primitive). What makes that safe: the word changes only when a
  // controller attaches, detaches, or switches between steering and recording (between +id and
  // -id); a non-zero value read stale sends the call to its gate, which reads the word again
  // atomically before it parks or records; and every operation of a primitive makes atomic
  // operations of its own between two of these reads, which keep a compiler from reusing one
  // read for the next (in V8 they are calls with side effects). The test kit and the
  // playground attach their controller before they start the agents it steers, so those
  // agents' first reads already come after the attach. `gateStep`'s actions need not make any
  // atomic operation, so its checks load atomically (`atomic: true`).
  const controller = atomic ? Atomics.load(cells, H_CONTROLLER) : cells[H_CONTROLLER]!;
  return controller !== 0 && controller !== self && controller !== -self;
}

/** Parks agent `words` (blocking) until the controller releases it or stops steering. */
export function parkSync(words: GateWords, primitive: number, op: GateOp): void {
  const { cells, row } = words;
  // A browser's main thread cannot block: it is not steered (it is usually the controller).
  if (!canBlock()) return;
  announce(words, primitive, op);
  while (Atomics.load(cells, row + A_GATE) === PARKED && Atomics.load(cells, H_CONTROLLER) > 0) {
    Atomics.wait(cells, row + A_GATE, PARKED, RECHECK_MS);
  }
  leave(words);
}

/** Parks agent `words` (without blocking the thread) until released or no longer steered. */
export async function parkAsync(words: GateWords, primitive: number, op: GateOp): Promise<void> {
  const { cells, row } = words;
  announce(words, primitive, op);
  while (Atomics.load(cells, row + A_GATE) === PARKED && Atomics.load(cells, H_CONTROLLER) > 0) {
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

/** Draws the next ticket and writes agent `self` at it (passes past the capacity are dropped). */
function ticket({ cells, order, self }: GateWords): void {
  const at = Atomics.add(cells, H_TICKETS, 1);
  if (at >= 0 && at < order.length) Atomics.store(order, at, self);
}

/**
 * One agent's gate in one registry: its shared words, and what it alone knows (whether it is
 * inside a {@link gateStep}, whether it holds the record lock). The registry makes one per agent.
 */
export class AgentGate {
  readonly words: GateWords;
  /** > 0 inside a {@link gateStep}: the primitives' own gates pass with the step. */
  depth = 0;
  /** Whether this agent holds the record lock (a recorded step is under way). */
  holding = false;

  constructor(words: GateWords) {
    this.words = words;
  }

  /**
   * The pass of one operation when someone else steers or records (the caller checked). Parks
   * when steered and calls `onPark` first; when recording, takes the record lock and draws a
   * ticket, and keeps the lock when `hold` (the caller lets it go once its operation took
   * effect, see {@link letGo}).
   */
  passSync(primitive: number, op: GateOp, hold: boolean, onPark?: () => void): void {
    const { cells, self } = this.words;
    let controller = Atomics.load(cells, H_CONTROLLER);
    if (controller > 0 && controller !== self) {
      onPark?.();
      parkSync(this.words, primitive, op);
      controller = Atomics.load(cells, H_CONTROLLER);
      // Released by the controller: the step it chose, in the order it chose.
      if (controller > 0) return ticket(this.words);
    }
    if (controller < 0 && controller !== -self) this.#record(hold);
  }

  /** {@link passSync} without blocking the thread while parked. */
  async passAsync(
    primitive: number,
    op: GateOp,
    hold: boolean,
    onPark?: () => void,
  ): Promise<void> {
    const { cells, self } = this.words;
    let controller = Atomics.load(cells, H_CONTROLLER);
    if (controller > 0 && controller !== self) {
      onPark?.();
      await parkAsync(this.words, primitive, op);
      controller = Atomics.load(cells, H_CONTROLLER);
      if (controller > 0) return ticket(this.words);
    }
    if (controller < 0 && controller !== -self) this.#record(hold);
  }

  /** Lets the record lock go if this agent holds it (its step took effect or starts to wait). */
  letGo(): void {
    if (!this.holding) return;
    this.holding = false;
    const { cells, self } = this.words;
    if (
      Atomics.compareExchange(cells, H_RECORD_LOCK, self, 0) === self &&
      Atomics.load(cells, H_RECORD_WAITERS) > 0
    ) {
      Atomics.notify(cells, H_RECORD_LOCK, 1);
    }
  }

  #record(hold: boolean): void {
    // Several async tasks of one agent may overlap: the lock is already ours, and the step
    // that took it lets it go.
    if (this.holding) return ticket(this.words);
    this.#take();
    ticket(this.words);
    this.holding = true;
    if (!hold) this.letGo();
  }

  /** Takes the record lock: held only while one operation takes effect, never across a wait. */
  #take(): void {
    const { cells, self, rowOf } = this.words;
    const block = canBlock();
    for (;;) {
      const holder = Atomics.compareExchange(cells, H_RECORD_LOCK, 0, self);
      if (holder === 0) return;
      if (!block) continue; // a browser main thread: the holder is another thread, and brief
      Atomics.add(cells, H_RECORD_WAITERS, 1);
      const outcome = Atomics.wait(cells, H_RECORD_LOCK, holder, HOLDER_CHECK_MS);
      Atomics.sub(cells, H_RECORD_WAITERS, 1);
      // A holder that was terminated mid-step cannot let go: take the lock over.
      if (outcome === 'timed-out' && Atomics.load(cells, rowOf(holder) + A_STATE) === EXITED) {
        Atomics.compareExchange(cells, H_RECORD_LOCK, holder, 0);
      }
    }
  }
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
 * The gate of a blocking or synchronous operation: returns at once (one plain load) when no
 * controller is attached; otherwise passes this agent's gate (parks until released, or records).
 *
 * @internal
 */
export function gateSync(subject: Gated, op: GateOp): void {
  const { registry, id } = subject.registryRow;
  registry.gateSync(id, op);
}

/**
 * The gate of an async operation: `undefined` (nothing to await, one plain load) when no
 * controller is attached; otherwise a promise that resolves when this agent passed its gate.
 * Use it as `const gate = gateAsync(this, 'acquire'); if (gate) await gate;` so that the
 * detached path adds no microtask turn.
 *
 * @internal
 */
export function gateAsync(subject: Gated, op: GateOp): Promise<void> | undefined {
  const { registry, id } = subject.registryRow;
  return registry.gateAsync(id, op);
}
