/**
 * Per-part counters behind `run()`'s stats. Plain mutable numbers: the hot loops bump them
 * without allocating, and only the waits (the slow paths) read the clock.
 *
 * @module
 */
import type { Placement, StageStats } from './types.js';

/** What one part (source, stage or sink) counts while it runs. */
export class Counters {
  itemsIn = 0;
  itemsOut = 0;
  blockedOnGetMs = 0;
  blockedOnPutMs = 0;
  peakQueueDepth = 0;
  /** `performance.now()` when the part finished, or NaN while it runs. */
  endedAt = Number.NaN;

  /** Adds what a worker counted (workers post their counters when they finish). */
  add(other: WorkerCounts): void {
    this.itemsIn += other.itemsIn;
    this.itemsOut += other.itemsOut;
    this.blockedOnGetMs += other.blockedOnGetMs;
    this.blockedOnPutMs += other.blockedOnPutMs;
    if (other.peakQueueDepth > this.peakQueueDepth) this.peakQueueDepth = other.peakQueueDepth;
  }
}

/**
 * @internal Keeps the hidden class of a `Counters` alive between pipeline runs. V8 reaches the
 * shape an instance ends up with (its class fields added one by one) only weakly, from the
 * class's initial shape; when a run's objects are all garbage, a full GC drops that shape and
 * throws away every optimized function that checks for it, so the next run starts cold (about
 * twice the cost of a warm run of 1M items). One instance that lives as long as the module keeps
 * the shape, and the optimized code, alive. Its timings hold fractions, so its shape already has
 * the representation every run's counters end up with.
 */
export const countersShape: Counters = new Counters();
countersShape.blockedOnGetMs = countersShape.blockedOnPutMs = 0.5;

/** The counters a worker sends back, as plain data. */
export interface WorkerCounts {
  itemsIn: number;
  itemsOut: number;
  blockedOnGetMs: number;
  blockedOnPutMs: number;
  peakQueueDepth: number;
}

/** Describes one part for {@link toStats}. */
export interface PartInfo {
  readonly name: string;
  readonly kind: StageStats['kind'];
  readonly placement: Placement;
  readonly concurrency: number;
  readonly capacity: number;
  readonly counters: Counters;
}

/** The frozen stats of one part, timed from the pipeline's start `startedAt`. */
export function toStats(part: PartInfo, startedAt: number, now: number): StageStats {
  const c = part.counters;
  const end = Number.isNaN(c.endedAt) ? now : c.endedAt;
  const durationMs = Math.max(0, end - startedAt);
  const handled = part.kind === 'sink' ? c.itemsIn : c.itemsOut;
  return Object.freeze({
    name: part.name,
    kind: part.kind,
    placement: part.placement,
    concurrency: part.concurrency,
    itemsIn: c.itemsIn,
    itemsOut: c.itemsOut,
    blockedOnGetMs: c.blockedOnGetMs,
    blockedOnPutMs: c.blockedOnPutMs,
    capacity: part.capacity,
    peakQueueDepth: c.peakQueueDepth,
    durationMs,
    throughput: durationMs > 0 ? (handled * 1000) / durationMs : 0,
  });
}
