/**
 * The run's control block: shared memory through which the page can hold every worker before
 * each primitive call (step mode, replay), and through which every run records the order in
 * which its workers passed their primitive calls (the schedule that "Replay" follows).
 *
 * Layout of `control` (an `Int32Array`):
 * - `[MODE]`: {@link FREE} (workers go on by themselves) or {@link CONTROLLED} (each worker
 *   parks before each primitive call until the page grants it a step);
 * - `[TICKETS]`: how many passes were recorded so far (the next index into `order`);
 * - `[PASSING]`: in free mode, `w + 1` of the worker between announcing a call and recording its
 *   pass (0: none), so that a call and its ticket are one step that no other worker's call can
 *   fall between (see `worker/gate.ts`);
 * - per worker `w`, at `WORKER_BASE + w * WORKER_SLOTS`: its {@link WorkerGateState} and how many
 *   steps the page has granted it.
 *
 * `order[i]` is `w + 1` for the worker that made the i-th pass (0: not written yet).
 *
 * Why a worker ticket is drawn where it is: in free mode a call that lets someone else go on
 * (release, set, put) and a call that took something (acquire, get) both complete before the
 * worker draws, so "A released L" is recorded before "B acquired L" whenever B waited for A. In
 * controlled mode the ticket is drawn when the worker consumes a grant, which is exactly the
 * order the page chose.
 *
 * @module
 */

export const MODE = 0;
export const TICKETS = 1;
export const PASSING = 2;
export const WORKER_BASE = 4;
export const WORKER_SLOTS = 4;
/** Offsets inside a worker's slots. */
export const STATE = 0;
export const GRANTED = 1;

export const FREE = 0;
export const CONTROLLED = 1;

/** Where a worker is, as far as the page's scheduler is concerned (the value of its STATE slot). */
export const GateState = {
  /** Running its own code (or not yet at its first primitive call). */
  Running: 0,
  /** Parked before a primitive call, waiting for the page's grant. */
  Parked: 1,
  /** Parked after a call that could not go on (lock taken, queue full): retries when granted. */
  Blocked: 2,
  /** Finished or failed: takes no more steps. */
  Ended: 3,
} as const;
export type GateState = (typeof GateState)[keyof typeof GateState];

/** How many passes a run records at most; a longer run cannot be replayed past that point. */
export const ORDER_CAPACITY = 1 << 16;

/** The structured-clonable buffers of a run's control block. */
export interface ControlHandles {
  readonly control: SharedArrayBuffer;
  readonly order: SharedArrayBuffer;
}

/** Allocates the control block for `workers` workers, in `mode`. */
export function createControl(
  workers: number,
  mode: typeof FREE | typeof CONTROLLED,
): ControlHandles {
  const control = new SharedArrayBuffer(4 * (WORKER_BASE + workers * WORKER_SLOTS));
  new Int32Array(control)[MODE] = mode;
  return { control, order: new SharedArrayBuffer(4 * ORDER_CAPACITY) };
}

/** The index of worker `w`'s slot `offset` in `control`. */
export const slot = (w: number, offset: number): number => WORKER_BASE + w * WORKER_SLOTS + offset;
