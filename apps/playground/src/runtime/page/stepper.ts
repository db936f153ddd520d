/**
 * The page's side of step mode and replay, on `@baton/core`'s gate: the page attaches a
 * `GateController` to the run's registry before the workers start.
 *
 * - Step mode (`'steer'`): every step of a worker (each primitive call and each cell read or
 *   write, see `../worker/api/context.ts`) parks at the worker's gate until the page releases it;
 *   {@link Stepper.step} releases one and waits until the step has played out (the worker parked
 *   again, waits in a primitive, or finished). A worker whose call must wait (a lock held by
 *   another) simply waits: it is not parked, so it cannot be stepped, and a step of the worker
 *   that lets it go on also carries it to its next gate.
 * - Free runs (`'record'`): nothing parks, and the registry records the order in which the
 *   workers' steps took effect; "Run to the end" switches a stepped run to it.
 *
 * Either way {@link Stepper.schedule} is the order of steps, which "Replay" steers a new run
 * through: under the page's control only the released worker runs until it stops again, so a
 * run stepped in a given order always does the same thing.
 *
 * @module
 */
import { GateController, type SharedRegistry } from '@baton/core';
import type { WorkerSpec } from '../common/protocol.js';

export class Stepper {
  readonly #gate: GateController;
  readonly #specs: readonly WorkerSpec[];
  readonly #ended: (w: number) => boolean;
  /** Worker index by its agent's name in the registry (`'producer 1'`). */
  readonly #byName: ReadonlyMap<string, number>;
  /** A worker whose code returned stays alive (and "running") until the run ends. */
  readonly #finished = (agent: { readonly name: string }): boolean => {
    const w = this.#byName.get(agent.name);
    return w !== undefined && this.#ended(w);
  };

  /**
   * @param registry - the run's registry, with the page's agent in it (it never parks).
   * @param ended - whether worker `w` has finished or failed (from its events).
   */
  constructor(
    registry: SharedRegistry,
    specs: readonly WorkerSpec[],
    controlled: boolean,
    ended: (w: number) => boolean,
  ) {
    this.#specs = specs;
    this.#ended = ended;
    this.#byName = new Map(specs.map((spec) => [spec.name, spec.id]));
    this.#gate = GateController.attach(registry, { mode: controlled ? 'steer' : 'record' });
  }

  /** Whether the page holds every worker before each step. */
  get controlled(): boolean {
    return this.#gate.attached && this.#gate.mode === 'steer';
  }

  /**
   * Whether no worker is running its own code: every worker has joined the registry, and each is
   * parked, waits in a primitive, or has finished.
   */
  get settled(): boolean {
    const joined = new Set(this.#gate.agents().map((a) => this.#byName.get(a.name)));
    for (const spec of this.#specs) {
      if (!joined.has(spec.id) && !this.#ended(spec.id)) return false;
    }
    return this.#gate.settled({ finished: this.#finished });
  }

  /** The workers that may take a step now (none unless the run is settled), by index. */
  eligible(): number[] {
    if (!this.controlled || !this.settled) return [];
    return this.#parked()
      .map((p) => p.worker)
      .sort((a, b) => a - b);
  }

  /** Whether worker `w` may take a step now. */
  canStep(w: number): boolean {
    return this.eligible().includes(w);
  }

  /** Whether every worker finished or failed. */
  get allEnded(): boolean {
    return this.#specs.every((spec) => this.#ended(spec.id));
  }

  /**
   * Under control, settled, and nobody can step though not all ended: the workers left wait for
   * each other (or for something nobody will do). Stepping reached a deadlock.
   */
  get stuck(): boolean {
    return this.controlled && this.settled && !this.allEnded && this.eligible().length === 0;
  }

  /**
   * Lets worker `w` take one step and resolves once the step has played out (see
   * {@link settled}), or after `patience` ms if its own code keeps running.
   */
  async step(w: number, patience = 2000): Promise<void> {
    const parked = this.#parked().find((p) => p.worker === w);
    if (parked === undefined || !this.#gate.release(parked.id)) {
      throw new Error(`worker ${w} cannot take a step now`);
    }
    await this.#gate.settle({ timeout: patience, finished: this.#finished });
  }

  /** Lets every worker go on by itself from now on (the run leaves step mode, still recorded). */
  release(): void {
    if (this.#gate.attached) this.#gate.setMode('record');
  }

  /** The order in which workers took their steps so far (worker indices). */
  schedule(): number[] {
    const byId = new Map(this.#gate.agents().map((a) => [a.id, this.#byName.get(a.name)]));
    return this.#gate.recorded().flatMap((id) => {
      const w = byId.get(id);
      return w === undefined ? [] : [w];
    });
  }

  /** Detaches from the run's registry (at the end of the run): nothing parks any more. */
  dispose(): void {
    this.#gate.detach();
  }

  /** The parked workers: their agent ids and worker indices. */
  #parked(): { id: number; worker: number }[] {
    return this.#gate.parked().flatMap((p) => {
      const worker = this.#byName.get(p.name);
      return worker === undefined ? [] : [{ id: p.id, worker }];
    });
  }
}
