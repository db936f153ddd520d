/**
 * The agent's side of the gate for operations that are not a shared primitive's own: a step on
 * shared state of the program's own (a plain `Int32Array` over a `SharedArrayBuffer`), or a
 * primitive call that the program wants to be one step together with its own bookkeeping. See
 * `gate.ts` for the protocol.
 *
 * @module
 */
import type { GateOp } from './gate.js';
import { sharedRegistry } from './registry/default.js';
import type { SharedRegistry } from './registry/table.js';

/** Options of {@link gateStep} and {@link gateStepAsync}. */
export interface GateStepOptions {
  /** The registry whose controller steers or records the step (default: this agent's). */
  readonly registry?: SharedRegistry;
  /**
   * The registry id of the primitive the step is about, when it is one (shown by
   * `GateController.parked()`); 0 or omitted for the program's own state.
   */
  readonly primitive?: number;
  /**
   * Called just before this agent parks at its gate (only while a controller steers): the
   * moment to tell the controller more than the operation's name, e.g. the source line.
   */
  readonly onPark?: () => void;
}

/**
 * Runs `action` as one step of this agent at its gate, so that a {@link GateController} can
 * steer and record operations on shared state the primitives do not know about.
 *
 * - No controller attached: runs `action` (the gate costs one plain load).
 * - Steered: parks first (announcing `op`), and runs `action` once the controller releases it.
 * - Recording: `action` runs under the registry's record lock, with this pass's ticket drawn
 *   under it too, so the recorded order is the order in which steps took effect: another
 *   agent's step cannot fall between this pass and its effect.
 *
 * Shared-primitive operations that `action` makes pass with the step (they do not park or
 * record again). `action` must not wait for another agent other than through a shared
 * primitive: a primitive's wait lets the record lock go (a waiting agent holds up nobody), and
 * what it does once woken belongs to the step that woke it.
 *
 * @example
 * ```ts
 * import { gateStep, registerAgent } from '@baton/core';
 * registerAgent('adder');
 * const counter = new Int32Array(new SharedArrayBuffer(4));
 * // One step: a steering controller sees 'adder' parked at 'write' before the add.
 * gateStep('write', () => Atomics.add(counter, 0, 1));
 * console.log(counter[0]); // 1
 * ```
 */
export function gateStep<T>(op: GateOp, action: () => T, options: GateStepOptions = {}): T {
  const registry = options.registry ?? sharedRegistry();
  return registry.gateStep(options.primitive ?? 0, op, action, options.onPark);
}

/**
 * {@link gateStep} for an async `action` (parking without blocking the thread). Operations that
 * `action` starts synchronously (before its first `await`) pass with the step; the record lock
 * is held until the promise settles or the step starts to wait.
 *
 * @example
 * ```ts
 * import { gateStepAsync, SharedLock } from '@baton/core';
 * const lock = new SharedLock({ name: 'balance' });
 * await gateStepAsync('acquire', () => lock.acquire());
 * lock.release();
 * ```
 */
export function gateStepAsync<T>(
  op: GateOp,
  action: () => Promise<T>,
  options: GateStepOptions = {},
): Promise<T> {
  const registry = options.registry ?? sharedRegistry();
  return registry.gateStepAsync(options.primitive ?? 0, op, action, options.onPark);
}

/**
 * Whether a controller steers this agent now (its next step will park): one atomic load. A
 * program can use it to say more to the controller only while someone watches.
 */
export function isSteered(registry: SharedRegistry = sharedRegistry()): boolean {
  return registry.steered();
}
