/**
 * A worker's side of the event stream: numbers each event from the run's shared counter, times
 * it on the page's clock, and posts events to the page, batched when they come fast.
 *
 * @module
 */
import type { EventBody, WorkerEvent } from '../common/protocol.js';

/** Sends numbered events to the page in batches. */
export class Reporter {
  readonly #sequence: Int32Array;
  readonly #startedAt: number;
  readonly #post: (events: WorkerEvent[]) => void;
  readonly #clock: () => number;
  readonly #where: (() => number | undefined) | undefined;
  #batch: WorkerEvent[] = [];
  #lastFlush = 0;

  /**
   * @param clock - the page's clock in milliseconds (`timeOrigin + now()`); tests pass a fixed
   *   one so that batching does not depend on how fast the machine runs them.
   * @param where - the line of the user's code making the current call, if known; every event
   *   carries it, so the page can show each worker's line at any moment of the run.
   */
  constructor(
    sequence: Int32Array,
    startedAt: number,
    post: (events: WorkerEvent[]) => void,
    clock: () => number = () => performance.timeOrigin + performance.now(),
    where?: () => number | undefined,
  ) {
    this.#where = where;
    this.#sequence = sequence;
    this.#startedAt = startedAt;
    this.#post = post;
    this.#clock = clock;
  }

  /** Draws the next number from the run's shared counter. */
  draw(): number {
    return Atomics.add(this.#sequence, 0, 1);
  }

  /** Milliseconds since the run started, on the page's clock. */
  now(): number {
    return this.#clock() - this.#startedAt;
  }

  /** Records `body` with a number drawn now (or `seq`, drawn earlier). */
  emit(body: EventBody, seq = this.draw()): void {
    const t = this.now();
    const line = this.#where?.();
    this.#batch.push(
      (line === undefined ? { ...body, seq, t } : { ...body, seq, t, line }) as WorkerEvent,
    );
    // Send at once unless this worker sent less than 1 ms ago: a slow worker's events reach the
    // page immediately (even if its code then spins in a loop that never calls the API), and a
    // busy worker's are batched, so it cannot flood the page with messages.
    if (t - this.#lastFlush >= 1 || this.#batch.length >= 256) this.flush();
  }

  /**
   * Counts one more occurrence of this worker's latest event instead of sending a new one, if
   * that event is still batched and `same` says it is the same kind of event. Keeps a worker
   * that spins on a cell from sending millions of identical reads.
   */
  repeat(same: (last: WorkerEvent) => boolean): boolean {
    const last = this.#batch.at(-1);
    if (last === undefined || last.kind !== 'get' || !same(last)) return false;
    (last as { times?: number }).times = (last.times ?? 1) + 1;
    return true;
  }

  /** Sends what is batched; called before every wait, since a blocked worker cannot send. */
  flush(): void {
    if (this.#batch.length === 0) return;
    const events = this.#batch;
    this.#batch = [];
    this.#lastFlush = this.now();
    this.#post(events);
  }
}
