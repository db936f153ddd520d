/**
 * What every adapter of the worker API shares: the worker, its reporter, slow motion, item
 * numbering, and the shapes of a step (one that may wait, one that lets someone else go on).
 *
 * Steps: every primitive call and every cell read or write is one step at the worker's gate in
 * `@baton/core` (`gateStep`): in step mode it parks until the page releases it (after telling
 * the page, through an `intent` event, the line and what it is about to do); in a free run it is
 * recorded, atomically with its effect, in the order that "Replay" follows. The core
 * primitive's own gate passes with the step. Slow motion and events about the outcome come
 * after the step, so a sleeping worker holds up nobody.
 *
 * The numbering rule that keeps the page's replay in the real order: a call that lets someone
 * else go on (release, set, clear) draws its number *before* acting; a call that took something
 * (acquire, put, get, a wait that ended) draws it *after*.
 *
 * @module
 */
import { gateStep, gateStepAsync, isSteered, type GateOp } from '@baton/core';
import { safeString } from '../../common/compile.js';
import type { EventBody, ItemId, Settings, WaitTarget, WorkerSpec } from '../../common/protocol.js';
import type { Reporter } from '../reporter.js';

/** What a worker is about to do, in the page's words: `{ op: 'acquire', target: 'producer_lock' }`. */
export interface Intent {
  readonly op: string;
  readonly target: string;
}

/** Item numbers per worker that fit a cell's tag: `worker * ITEMS_PER_WORKER + n + 1`. */
export const ITEMS_PER_WORKER = 65536;

/** `{ ok: true, value }` when a non-waiting attempt succeeded. */
export type Attempt<T> = { ok: true; value: T } | { ok: false };

export interface ApiContext {
  readonly spec: WorkerSpec;
  readonly settings: Settings;
  readonly reporter: Reporter;
  /** Slow motion: waits `settings.delay` ms after a call completed (flushing first). */
  slow(): void;
  slowAsync(): Promise<void>;
  /** Sleeps without spinning; `terminate()` still ends the worker. */
  sleep(ms: number): void;
  /** The next item this worker makes. */
  nextItem(): ItemId;
  /** One step that never waits (a cell read or write, a `try`): `action` at the gate. */
  step<T>(intent: Intent, op: GateOp, action: () => T): T;
  /**
   * A call that may wait, as one step: tries, and only when the attempt fails reports the wait
   * and waits (then it is "waiting", not parked: another worker's step lets it go on).
   */
  blocking<T>(
    intent: Intent,
    op: GateOp,
    on: WaitTarget,
    attempt: () => Attempt<T>,
    wait: () => T,
  ): T;
  blockingAsync<T>(
    intent: Intent,
    op: GateOp,
    on: WaitTarget,
    attempt: () => Attempt<T>,
    wait: () => Promise<T>,
  ): Promise<T>;
  /** A call that lets someone else go on: reported with the number drawn before acting. */
  before(intent: Intent, op: GateOp, body: EventBody, action: () => void): void;
}

/** Turns a boolean attempt into an {@link Attempt}. */
export const tryBool = (f: () => boolean) => (): Attempt<undefined> =>
  f() ? { ok: true, value: undefined } : { ok: false };

/** The verb a failed call is reported with: `'release failed: ...'`. */
const failedVerb: Record<string, string> = {
  released: 'release',
  set: 'set',
  clear: 'clear',
};

export function createContext(
  spec: WorkerSpec,
  settings: Settings,
  reporter: Reporter,
): ApiContext {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const sleep = (ms: number): void => {
    // Nobody ever notifies `pause`: this is a plain sleep that still lets `terminate()` in.
    if (ms > 0) Atomics.wait(pause, 0, 0, ms);
  };
  let produced = 0;
  /** Tells the page, just before the worker parks, where it is and what it is about to do. */
  const announce = (intent: Intent) => (): void => {
    reporter.emit({ kind: 'intent', ...intent, blocked: false });
    reporter.flush();
  };
  /** The first part of a call that may wait: the attempt, and the wait if it failed. */
  const attemptThenWait =
    <T, R>(intent: Intent, on: WaitTarget, attempt: () => Attempt<T>, wait: () => R) =>
    (): T | R => {
      const result = attempt();
      if (result.ok) return result.value;
      reporter.emit({ kind: 'block', on });
      // In step mode the page shows that this worker now waits (and cannot be stepped).
      if (isSteered()) reporter.emit({ kind: 'intent', ...intent, blocked: true });
      reporter.flush();
      return wait();
    };

  const context: ApiContext = {
    spec,
    settings,
    reporter,
    sleep,
    slow() {
      if (settings.delay <= 0) return;
      // The page must see what just happened before this worker sleeps: a held-back event
      // would show, for the whole delay, a lock free with a waiter still listed.
      reporter.flush();
      sleep(settings.delay);
    },
    async slowAsync() {
      if (settings.delay <= 0) return;
      reporter.flush();
      await new Promise((resolve) => setTimeout(resolve, settings.delay));
    },
    nextItem() {
      if (produced >= ITEMS_PER_WORKER - 1) {
        throw new RangeError(`a worker may make at most ${ITEMS_PER_WORKER - 1} items per run`);
      }
      return [spec.id, produced++];
    },
    step(intent, op, action) {
      return gateStep(op, action, { onPark: announce(intent) });
    },
    blocking(intent, op, on, attempt, wait) {
      return gateStep(op, attemptThenWait(intent, on, attempt, wait), {
        onPark: announce(intent),
      });
    },
    blockingAsync(intent, op, on, attempt, wait) {
      const run = attemptThenWait(intent, on, attempt, wait);
      // Not async itself: the attempt and the start of the wait happen at the step.
      return gateStepAsync(op, () => Promise.resolve(run()), { onPark: announce(intent) });
    },
    before(intent, op, body, action) {
      gateStep(
        op,
        () => {
          const seq = reporter.draw();
          try {
            action();
          } catch (error) {
            const verb = failedVerb[body.kind] ?? body.kind;
            reporter.emit(
              {
                kind: 'log',
                text: `${verb} ${intent.target} failed: ${error instanceof Error ? error.message : safeString(error)}`,
              },
              seq,
            );
            throw error;
          }
          reporter.emit(body, seq);
        },
        { onPark: announce(intent) },
      );
    },
  };
  return context;
}
