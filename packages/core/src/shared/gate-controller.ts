/**
 * The controller side of the gate (see `gate.ts`): attach to a registry, see which agents are
 * parked and what each is about to do, release them one step at a time, wait until a step has
 * played out, and detach (which releases everyone). Or record: let the agents run freely while
 * the registry keeps the order in which they passed their gates, and steer a later run through
 * the same order. Usable from a Node test thread and from a browser page: it never blocks the
 * thread it runs on.
 *
 * @module
 */
import { BatonError } from '../errors.js';
import type { SharedKind } from './handle.js';
import { gateEvent, releaseGate, type GateOp } from './gate.js';
import { sharedRegistry } from './registry/default.js';
import { H_CONTROLLER, H_GATE_EVENTS, H_TICKETS } from './registry/layout.js';
import type { AgentSnapshot } from './registry/snapshot.js';
import type { SharedRegistry } from './registry/table.js';
import { now, waitAsync } from './wait.js';

/** A gate controller could not do what was asked (attach twice, release an unknown agent). */
export class GateError extends BatonError {
  static {
    this.prototype.name = 'GateError';
  }
}

/** An agent parked at its gate, and the operation it will make once released. */
export interface ParkedAgent {
  /** Its id in the registry. */
  readonly id: number;
  readonly name: string;
  readonly op: GateOp;
  /** The primitive it will operate on, when it is listed in the registry. */
  readonly primitive?: { readonly id: number; readonly kind: SharedKind; readonly name: string };
}

/** Where a steered agent is, as {@link GateController.agents} reports it. */
export interface SteeredAgent {
  readonly id: number;
  readonly name: string;
  /**
   * `'parked'`: at its gate, waiting to be released; `'waiting'`: in a wait of a primitive
   * (for another agent); `'running'`: between two operations; `'exited'`.
   */
  readonly state: 'parked' | 'waiting' | 'running' | 'exited';
  /** For `'parked'`: what it is about to do. */
  readonly parked?: ParkedAgent;
}

/** Options of {@link GateController.settle} and {@link GateController.step}. */
export interface SettleOptions {
  /** Give up (resolve `false`) after this many ms (default 10 000). */
  readonly timeout?: number;
  /**
   * Agents the caller knows will make no further operation though they have not exited (a
   * worker whose code returned and that stays alive): counted as settled.
   */
  readonly finished?: (agent: { readonly id: number; readonly name: string }) => boolean;
}

/**
 * How a controller drives the gates: `'steer'` parks every operation until released;
 * `'record'` parks nothing and keeps the order of passes (see {@link GateController.recorded}).
 */
export type GateMode = 'steer' | 'record';

/** Options of {@link GateController.attach}. */
export interface GateAttachOptions {
  /** `'steer'` (default) or `'record'`; {@link GateController.setMode} switches later. */
  readonly mode?: GateMode;
}

/** How often a waiting controller re-reads the table even without a notification (ms). */
const POLL_MS = 10;
/**
 * How long the table must stay settled while an agent waits on something other than a lock,
 * before a step counts as played out (ms). A lock's owner says whether its waiter can go on;
 * other primitives do not record who could wake a waiter, so a quiet moment stands in.
 */
const QUIET_MS = 20;

/**
 * Steers the agents (workers) of a registry through their gates: while attached, every
 * operation of a shared primitive made by another agent of the registry parks until released.
 * The controller's own agent is never parked.
 *
 * @example
 * ```ts no-run
 * import { GateController, sharedRegistry } from '@baton/core';
 * const gate = GateController.attach(sharedRegistry());
 * // ... start workers that use shared primitives ...
 * while (await gate.settle()) {
 *   const [next] = gate.parked();
 *   if (next === undefined) break; // everyone exited or waits: done, or a deadlock
 *   console.log(`${next.name}: ${next.op} ${next.primitive?.name}`);
 *   gate.release(next.id);
 * }
 * gate.detach(); // releases every gate
 * ```
 */
export class GateController {
  /** The registry it steers. */
  readonly registry: SharedRegistry;
  readonly #cells: Int32Array;
  readonly #self: number;
  #attached = true;

  private constructor(registry: SharedRegistry, self: number) {
    this.registry = registry;
    this.#cells = registry.gateTable().cells;
    this.#self = self;
  }

  /**
   * Attaches a controller to `registry` (default: this agent's), from this agent.
   *
   * @throws GateError when another controller is attached to it.
   */
  static attach(
    registry: SharedRegistry = sharedRegistry(),
    options: GateAttachOptions = {},
  ): GateController {
    const mode = options.mode ?? 'steer';
    if (mode !== 'steer' && mode !== 'record') {
      throw new TypeError(
        `GateController.attach(): mode must be 'steer' or 'record', got ${JSON.stringify(mode)}`,
      );
    }
    const self = registry.agentId;
    const cells = registry.gateTable().cells;
    const current = Atomics.load(cells, H_CONTROLLER);
    if (current === 0) {
      // A new record starts with this controller (nobody passes a gate while detached).
      Atomics.store(cells, H_TICKETS, 0);
    }
    const previous = Atomics.compareExchange(
      cells,
      H_CONTROLLER,
      0,
      mode === 'steer' ? self : -self,
    );
    if (previous !== 0) {
      throw new GateError(
        `GateController.attach(): agent ${Math.abs(previous)} already controls this registry; detach it first`,
      );
    }
    return new GateController(registry, self);
  }

  /** Whether this controller is still attached. */
  get attached(): boolean {
    return this.#attached && Math.abs(Atomics.load(this.#cells, H_CONTROLLER)) === this.#self;
  }

  /** How the gates work now: `'steer'` or `'record'`. */
  get mode(): GateMode {
    return Atomics.load(this.#cells, H_CONTROLLER) < 0 ? 'record' : 'steer';
  }

  /**
   * Switches between steering and recording. To `'record'`: every parked agent goes on (its pass
   * is recorded) and nothing parks any more; to `'steer'`: each agent parks at its next gate.
   * The order of passes goes on in both (steered passes in the order the controller released
   * them).
   *
   * @throws GateError once detached.
   */
  setMode(mode: GateMode): void {
    if (!this.attached) throw new GateError('GateController.setMode(): the controller is detached');
    if (mode !== 'steer' && mode !== 'record') {
      throw new TypeError(
        `GateController.setMode(): mode must be 'steer' or 'record', got ${JSON.stringify(mode)}`,
      );
    }
    const from = mode === 'steer' ? -this.#self : this.#self;
    const to = -from;
    if (Atomics.compareExchange(this.#cells, H_CONTROLLER, from, to) !== from) return;
    // As in detach(): stored before the sweep, so an agent parking now is released by it or
    // sees that nobody steers.
    if (mode === 'record') this.releaseAll();
    gateEvent(this.#cells);
  }

  /**
   * The order in which agents passed their gates since this controller attached (agent ids; see
   * `snapshot().agents` or {@link agents} for their names): under `'record'`, the order in which
   * the operations took effect; under `'steer'`, the order the controller released them. A
   * replay steers a new run through it. At most the registry's `record` capacity is kept (see
   * `SharedRegistry.create()`); a pass whose ticket is drawn but not yet written ends the list.
   */
  recorded(): number[] {
    const order = this.registry.gateTable().order;
    const count = Math.min(Atomics.load(this.#cells, H_TICKETS), order.length);
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = Atomics.load(order, i);
      if (id === 0) break;
      out.push(id);
    }
    return out;
  }

  /** How many passes were recorded, kept or not (more than `recorded().length` past capacity). */
  get passes(): number {
    return Atomics.load(this.#cells, H_TICKETS);
  }

  /** Every agent of the registry other than this controller's, and where it is. */
  agents(): SteeredAgent[] {
    return this.registry
      .snapshot()
      .agents.filter((a) => a.id !== this.#self)
      .map((a) => {
        const parked = toParked(a);
        const state =
          a.state === 'exited'
            ? 'exited'
            : parked
              ? 'parked'
              : a.state === 'waiting'
                ? 'waiting'
                : 'running';
        return { id: a.id, name: a.name, state, ...(parked ? { parked } : {}) };
      });
  }

  /** The agents parked now, each with the operation it will make once released. */
  parked(): ParkedAgent[] {
    return this.registry.snapshot().agents.flatMap((a) => {
      const parked = a.id === this.#self ? undefined : toParked(a);
      return parked ? [parked] : [];
    });
  }

  /**
   * Lets agent `agent` (its id, or its name when no other live agent has it) make the one
   * operation it is parked at. Returns `false` when it is not parked.
   *
   * @throws GateError when no live agent has that name, or several do.
   */
  release(agent: number | string): boolean {
    const id = typeof agent === 'number' ? agent : this.#idOf(agent);
    if (!Number.isSafeInteger(id) || id < 1 || id === this.#self) return false;
    const table = this.registry.gateTable();
    if (id > table.maxAgents) return false;
    return releaseGate(this.#cells, table.agentRow(id));
  }

  /** Releases every parked agent for one operation; returns how many were released. */
  releaseAll(): number {
    let count = 0;
    const table = this.registry.gateTable();
    for (let id = 1; id <= table.agentCount(); id++) {
      if (id !== this.#self && releaseGate(this.#cells, table.agentRow(id))) count++;
    }
    return count;
  }

  /**
   * Detaches: no operation parks any more, and every parked agent goes on. Safe to call twice.
   */
  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    // Stored before the sweep: an agent parking now either is seen by the sweep or sees 0
    // (see `gate.ts`), so nobody stays parked.
    Atomics.compareExchange(this.#cells, H_CONTROLLER, this.#self, 0);
    Atomics.compareExchange(this.#cells, H_CONTROLLER, -this.#self, 0);
    this.releaseAll();
    gateEvent(this.#cells);
  }

  /** Detaches (for `using gate = GateController.attach()`). */
  [Symbol.dispose](): void {
    this.detach();
  }

  /**
   * Resolves `true` at the next change a controller may care about (an agent parks, starts a
   * wait, or exits), or `false` after `timeout` ms.
   */
  async changed(timeout = Infinity): Promise<boolean> {
    const seen = Atomics.load(this.#cells, H_GATE_EVENTS);
    const outcome = await waitAsync(this.#cells, H_GATE_EVENTS, seen, now() + timeout, undefined);
    return outcome !== 'timed-out';
  }

  /**
   * Whether the last step has played out: every other live agent is parked at its gate, has
   * exited, or waits in a primitive for another agent (a lock wait counts only while the lock
   * is held, since a waiter of a free lock is about to take it).
   */
  settled(options?: Pick<SettleOptions, 'finished'>): boolean {
    return this.#settled(options?.finished).settled;
  }

  /**
   * Waits until {@link settled} (see there), and then, when an agent waits on something other
   * than a lock, until the table has stayed so for a quiet moment. Resolves `false` after
   * `timeout` ms or once detached.
   */
  async settle(options?: SettleOptions): Promise<boolean> {
    const deadline = now() + (options?.timeout ?? 10_000);
    let quietSince: number | undefined;
    let quietEvents = -1;
    while (this.attached) {
      const events = Atomics.load(this.#cells, H_GATE_EVENTS);
      const { settled, unsure } = this.#settled(options?.finished);
      if (settled && !unsure) return true;
      if (settled && unsure) {
        if (quietSince === undefined || events !== quietEvents) {
          quietSince = now();
          quietEvents = events;
        } else if (now() - quietSince >= QUIET_MS) {
          return true;
        }
      } else {
        quietSince = undefined;
      }
      const left = deadline - now();
      if (left <= 0) return false;
      await waitAsync(
        this.#cells,
        H_GATE_EVENTS,
        events,
        now() + Math.min(POLL_MS, left),
        undefined,
      );
    }
    return false;
  }

  /**
   * Releases `agent` for one operation and waits until that step has played out (see
   * {@link settle}). Resolves with the agents parked afterwards.
   *
   * @throws GateError when `agent` is not parked.
   */
  async step(agent: number | string, options?: SettleOptions): Promise<ParkedAgent[]> {
    if (!this.release(agent)) {
      throw new GateError(`GateController.step(): ${String(agent)} is not parked at its gate`);
    }
    if (!(await this.settle(options))) {
      throw new GateError(
        `GateController.step(): the step of ${String(agent)} did not settle within ${options?.timeout ?? 10_000} ms`,
      );
    }
    return this.parked();
  }

  /**
   * Calls `listener` with the parked agents each time the set of parked agents (or what they
   * are about to do) changes, until the returned function is called or the controller detaches.
   */
  onChange(listener: (parked: ParkedAgent[]) => void): () => void {
    let active = true;
    let last: string | undefined;
    const loop = async (): Promise<void> => {
      while (active && this.attached) {
        // Woken by a change, or after a while anyway: a change that came before this wait
        // began is caught by comparing with what the listener saw last.
        await this.changed(250);
        const parked = this.parked();
        const key = parked.map((p) => `${p.id}:${p.op}:${p.primitive?.id ?? 0}`).join(',');
        if (active && key !== last) {
          last = key;
          listener(parked);
        }
      }
    };
    void loop();
    return () => {
      active = false;
    };
  }

  #settled(finished?: SettleOptions['finished']): { settled: boolean; unsure: boolean } {
    const table = this.registry.gateTable();
    let unsure = false;
    for (const a of this.registry.snapshot().agents) {
      if (a.id === this.#self || a.state === 'exited' || a.parked !== undefined) continue;
      if (finished?.(a) === true) continue;
      const wait = a.waitingOn;
      if (a.state !== 'waiting' || wait === undefined) return { settled: false, unsure };
      const kind = wait.primitive.kind;
      if (kind === 'SharedLock' || kind === 'SharedRLock') {
        if (table.ownerOf(wait.primitive.id) === 0) return { settled: false, unsure };
      } else {
        unsure = true;
      }
    }
    return { settled: true, unsure };
  }

  #idOf(name: string): number {
    const live = this.registry
      .snapshot()
      .agents.filter((a) => a.name === name && a.state !== 'exited' && a.id !== this.#self);
    if (live.length !== 1) {
      throw new GateError(
        `GateController: ${live.length === 0 ? 'no' : String(live.length)} live agents named ${JSON.stringify(name)}`,
      );
    }
    return live[0]!.id;
  }
}

function toParked(a: AgentSnapshot): ParkedAgent | undefined {
  const parked = a.parked;
  if (parked === undefined || a.state === 'exited') return undefined;
  const p = parked.primitive;
  return {
    id: a.id,
    name: a.name,
    op: parked.op,
    ...(p !== undefined ? { primitive: { id: p.id, kind: p.kind, name: p.name } } : {}),
  };
}
