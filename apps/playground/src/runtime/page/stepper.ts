/**
 * The page's side of the control block (see `../common/control.ts`): who may take the next
 * step, granting it, waiting until the worker stopped again, letting the run go free, and the
 * order of passes the run recorded (its schedule).
 *
 * Under the page's control only the worker granted a step runs, until it parks before its next
 * primitive call, parks blocked, or ends: so a run stepped in a given order always does the
 * same thing, which is what makes "Replay" exact.
 *
 * @module
 */
import {
  CONTROLLED,
  createControl,
  FREE,
  GateState,
  GRANTED,
  MODE,
  ORDER_CAPACITY,
  slot,
  STATE,
  TICKETS,
  type ControlHandles,
} from '../common/control.js';

export class Stepper {
  readonly handles: ControlHandles;
  readonly #control: Int32Array;
  readonly #order: Int32Array;
  readonly #workers: number;
  /**
   * Steps that got somewhere (the worker did not end up blocked): a blocked worker may retry
   * once there was progress after its failed attempt; before, it would fail the same way (and
   * two blocked workers retrying in turn would never end).
   */
  #progress = 0;
  readonly #blockedAt: number[];

  constructor(workers: number, controlled: boolean) {
    this.#workers = workers;
    this.handles = createControl(workers, controlled ? CONTROLLED : FREE);
    this.#control = new Int32Array(this.handles.control);
    this.#order = new Int32Array(this.handles.order);
    this.#blockedAt = Array.from({ length: workers }, () => -1);
  }

  /** Whether the page holds every worker before each primitive call. */
  get controlled(): boolean {
    return Atomics.load(this.#control, MODE) === CONTROLLED;
  }

  state(w: number): GateState {
    return Atomics.load(this.#control, slot(w, STATE)) as GateState;
  }

  /** Whether no worker is running its own code: each is parked, blocked or ended. */
  get settled(): boolean {
    for (let w = 0; w < this.#workers; w++) if (this.state(w) === GateState.Running) return false;
    return true;
  }

  /**
   * Whether worker `w` may take a step now: it is parked, or it is blocked and some step got
   * somewhere since its last attempt (before that, trying again would fail the same way).
   */
  canStep(w: number): boolean {
    const state = this.state(w);
    return (
      state === GateState.Parked ||
      (state === GateState.Blocked && this.#progress > (this.#blockedAt[w] ?? -1))
    );
  }

  /** The workers that may take a step now (none unless the run is settled). */
  eligible(): number[] {
    if (!this.controlled || !this.settled) return [];
    const out: number[] = [];
    for (let w = 0; w < this.#workers; w++) if (this.canStep(w)) out.push(w);
    return out;
  }

  /** Whether every worker ended. */
  get allEnded(): boolean {
    for (let w = 0; w < this.#workers; w++) if (this.state(w) !== GateState.Ended) return false;
    return true;
  }

  /**
   * Under control, settled, and nobody can step though not all ended: the workers left wait
   * for each other (or for something nobody will do). Stepping reached a deadlock.
   */
  get stuck(): boolean {
    return this.controlled && this.settled && !this.allEnded && this.eligible().length === 0;
  }

  /**
   * Lets worker `w` take one step and resolves once it stopped again (parked, blocked or
   * ended), or after `patience` ms if its own code keeps running.
   */
  async step(w: number, patience = 2000): Promise<void> {
    if (!this.canStep(w)) throw new Error(`worker ${w} cannot take a step now`);
    const at = slot(w, STATE);
    // Marked running by the page itself, so the wait below cannot see the old "parked".
    Atomics.store(this.#control, at, GateState.Running);
    Atomics.add(this.#control, slot(w, GRANTED), 1);
    Atomics.notify(this.#control, slot(w, GRANTED));
    await waitWhile(this.#control, at, GateState.Running, patience);
    if (this.state(w) === GateState.Blocked) this.#blockedAt[w] = this.#progress;
    else this.#progress++;
  }

  /** Lets every worker go on by itself from now on (the run leaves step mode). */
  release(): void {
    Atomics.store(this.#control, MODE, FREE);
    for (let w = 0; w < this.#workers; w++) {
      // Changes the word a parked worker sleeps on, so it wakes and sees the mode.
      Atomics.add(this.#control, slot(w, GRANTED), 1);
      Atomics.notify(this.#control, slot(w, GRANTED));
    }
  }

  /** The order in which workers passed their primitive calls so far (worker ids). */
  schedule(): number[] {
    const n = Math.min(Atomics.load(this.#control, TICKETS), ORDER_CAPACITY);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const w = Atomics.load(this.#order, i) - 1;
      // A ticket drawn but not yet written (the worker is between the two): stop there.
      if (w < 0) break;
      out.push(w);
    }
    return out;
  }
}

/** Resolves once `array[index] !== value`, or after `ms`. */
async function waitWhile(array: Int32Array, index: number, value: number, ms: number) {
  // Atomics.waitAsync is ES2024; the page's lib is ES2023, and happy-dom's tests may lack it.
  const waitAsync = (
    Atomics as unknown as {
      waitAsync?: (
        a: Int32Array,
        i: number,
        v: number,
        ms: number,
      ) => { async: boolean; value: unknown };
    }
  ).waitAsync;
  if (typeof waitAsync === 'function') {
    const result = waitAsync(array, index, value, ms);
    if (result.async) await result.value;
    return;
  }
  // Without waitAsync: poll.
  const until = performance.now() + ms;
  while (Atomics.load(array, index) === value && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
