/**
 * A worker's side of the control block (see `../common/control.ts`): before each primitive call
 * the worker says what it is about to do and, when the page controls the run, parks until the
 * page grants it the step. Every pass is recorded in the run's `order`, which is what "Replay"
 * follows.
 *
 * @module
 */
import {
  CONTROLLED,
  GateState,
  GRANTED,
  MODE,
  ORDER_CAPACITY,
  PASSING,
  slot,
  STATE,
  TICKETS,
  type ControlHandles,
} from '../common/control.js';

/** What a worker is about to do: `{ op: 'acquire', target: 'producer_lock' }`. */
export interface Intent {
  readonly op: string;
  readonly target: string;
}

/** The gate one worker passes before each primitive call. */
export interface Gate {
  /**
   * Called before a primitive call: announces `intent` and, in controlled mode, returns only
   * once the page granted the step.
   */
  enter(intent: Intent): void;
  /**
   * Called when the call could not go on (a lock taken, a full queue). In controlled mode parks
   * until the page lets the worker try again and returns `true`; in free mode (or once the page
   * let the run go on by itself) returns `false`: then the caller waits the ordinary way.
   */
  retry(): boolean;
  /** Called when the call completed: records the pass in free mode. */
  passed(): void;
  /** Called when the worker's code finished or failed. */
  end(): void;
}

/** A gate that records nothing and never parks: for tests and for code outside a run. */
export const OPEN_GATE: Gate = {
  enter: () => undefined,
  retry: () => false,
  passed: () => undefined,
  end: () => undefined,
};

/**
 * The gate of worker `id`.
 *
 * @param announce - tells the page what the worker is about to do (called only in controlled
 *   mode, just before parking, so a free run sends nothing extra).
 */
export function openGate(
  handles: ControlHandles,
  id: number,
  announce: (intent: Intent | null, blocked: boolean) => void,
): Gate {
  const control = new Int32Array(handles.control);
  const order = new Int32Array(handles.order);
  const stateAt = slot(id, STATE);
  const grantedAt = slot(id, GRANTED);
  /** Grants consumed so far; the next park waits for `granted > asked`. */
  let asked = 0;
  /** Whether the current call's pass is already recorded (it consumed a grant). */
  let recorded = false;
  let current: Intent | null = null;

  const record = (): void => {
    const ticket = Atomics.add(control, TICKETS, 1);
    if (ticket < ORDER_CAPACITY) Atomics.store(order, ticket, id + 1);
  };
  /** Tells the page (which may wait on this word) where the worker stopped. */
  const settle = (state: GateState): void => {
    Atomics.store(control, stateAt, state);
    Atomics.notify(control, stateAt);
  };
  const controlled = (): boolean => Atomics.load(control, MODE) === CONTROLLED;

  /*
   * Free mode: a call and the ticket that records it form one step. Without this, worker A could
   * write a cell, worker B read it and draw its ticket, and only then A draw its own: the order
   * would say "B read, then A wrote", and Replay, which grants steps one at a time in that order,
   * would reach another verdict. So a worker takes the PASSING word from `enter` to `passed`
   * (a few instructions: the call itself, never a wait: `retry` lets it go before the caller
   * blocks the ordinary way). It is taken again only if not already this worker's, so a call
   * that threw between `enter` and `passed` cannot make its worker wait for itself; `end`
   * lets it go whatever happened.
   */
  const me = id + 1;
  const takePassing = (): void => {
    for (;;) {
      const holder = Atomics.compareExchange(control, PASSING, 0, me);
      if (holder === 0 || holder === me) return;
      Atomics.wait(control, PASSING, holder);
    }
  };
  const letPassingGo = (): void => {
    if (Atomics.compareExchange(control, PASSING, me, 0) === me)
      Atomics.notify(control, PASSING, 1);
  };

  /** Parks until the page grants a step; `false` if the page let the run go free instead. */
  const park = (blocked: boolean): boolean => {
    if (!controlled()) return false;
    announce(current, blocked);
    asked++;
    // The page reads STATE to know that this worker settled; it writes GRANTED (and notifies)
    // to let it go, and bumps GRANTED of every worker when it switches the run to free mode, so
    // a worker never sleeps on a value that will not change again.
    settle(blocked ? GateState.Blocked : GateState.Parked);
    for (;;) {
      const granted = Atomics.load(control, grantedAt);
      if (granted >= asked) break;
      if (!controlled()) break;
      Atomics.wait(control, grantedAt, granted);
    }
    Atomics.store(control, stateAt, GateState.Running);
    if (!controlled()) return false;
    record();
    return true;
  };

  return {
    enter(intent) {
      current = intent;
      recorded = park(false);
      if (!recorded) takePassing();
    },
    retry() {
      // The call cannot go on: in free mode its caller now waits the ordinary way, which must
      // not hold up the others.
      letPassingGo();
      const again = park(true);
      recorded = again;
      return again;
    },
    passed() {
      if (!recorded) {
        takePassing();
        record();
        letPassingGo();
      }
      recorded = false;
      current = null;
    },
    end() {
      letPassingGo();
      settle(GateState.Ended);
    },
  };
}
