/**
 * What every adapter of the worker API shares: the worker, its reporter and gate, slow motion,
 * item numbering, and the two shapes of a primitive call (one that may wait, one that lets
 * someone else go on).
 *
 * The numbering rule that keeps the page's replay in the real order: a call that lets someone
 * else go on (release, set, clear) draws its number *before* acting; a call that took something
 * (acquire, put, get, a wait that ended) draws it *after*.
 *
 * @module
 */
import { safeString } from '../../common/compile.js';
import type { EventBody, ItemId, Settings, WaitTarget, WorkerSpec } from '../../common/protocol.js';
import type { Gate, Intent } from '../gate.js';
import type { Reporter } from '../reporter.js';

/** Item numbers per worker that fit a cell's tag: `worker * ITEMS_PER_WORKER + n + 1`. */
export const ITEMS_PER_WORKER = 65536;

/** `{ ok: true, value }` when a non-waiting attempt succeeded. */
export type Attempt<T> = { ok: true; value: T } | { ok: false };

export interface ApiContext {
  readonly spec: WorkerSpec;
  readonly settings: Settings;
  readonly reporter: Reporter;
  readonly gate: Gate;
  /** Slow motion: waits `settings.delay` ms after a call completed (flushing first). */
  slow(): void;
  slowAsync(): Promise<void>;
  /** Sleeps without spinning; `terminate()` still ends the worker. */
  sleep(ms: number): void;
  /** The next item this worker makes. */
  nextItem(): ItemId;
  /**
   * A call that may wait: asks the gate, tries, and only when the attempt fails reports the
   * wait and waits (or, under the page's control, parks until the page lets it try again).
   */
  blocking<T>(intent: Intent, on: WaitTarget, attempt: () => Attempt<T>, wait: () => T): T;
  blockingAsync<T>(
    intent: Intent,
    on: WaitTarget,
    attempt: () => Attempt<T>,
    wait: () => Promise<T>,
  ): Promise<T>;
  /** A call that lets someone else go on: reported with the number drawn before acting. */
  before(intent: Intent, body: EventBody, action: () => void): void;
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
  gate: Gate,
): ApiContext {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const sleep = (ms: number): void => {
    // Nobody ever notifies `pause`: this is a plain sleep that still lets `terminate()` in.
    if (ms > 0) Atomics.wait(pause, 0, 0, ms);
  };
  let produced = 0;

  const context: ApiContext = {
    spec,
    settings,
    reporter,
    gate,
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
    blocking(intent, on, attempt, wait) {
      gate.enter(intent);
      let result = attempt();
      if (result.ok) return result.value;
      reporter.emit({ kind: 'block', on });
      reporter.flush();
      while (gate.retry()) {
        result = attempt();
        if (result.ok) return result.value;
      }
      return wait();
    },
    async blockingAsync(intent, on, attempt, wait) {
      gate.enter(intent);
      let result = attempt();
      if (result.ok) return result.value;
      reporter.emit({ kind: 'block', on });
      reporter.flush();
      while (gate.retry()) {
        result = attempt();
        if (result.ok) return result.value;
      }
      return wait();
    },
    before(intent, body, action) {
      gate.enter(intent);
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
        gate.passed();
        throw error;
      }
      reporter.emit(body, seq);
      gate.passed();
    },
  };
  return context;
}
