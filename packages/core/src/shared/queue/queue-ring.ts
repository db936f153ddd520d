/**
 * What a {@link SharedQueue} asks of the ring that orders its slots, so that one queue class
 * serves both rings: `Ring` (ring.ts: any number of producers and consumers, claims by CAS,
 * repair of dead agents' claims) and `OneToOneRing` (one-to-one-ring.ts: one producer and one
 * consumer, an index each, as a plain SPSC ring). The queue above handles values (the lanes),
 * waiting and waking (sleep.ts), and errors; the ring only hands out slot indices.
 *
 * A put: `claimPut` / `claimPutSpan` / `claimPutMany`, write the values into the slots
 * (`indexAt`), then `commitPut` / `commitPutMany` publish them (or report the claim revoked).
 * A get: `claimGet`, read the slot, `commitGet`; or `scanGet`, copy the values found
 * (`scannedIndex`), `claimScanned` (false: the copy is void, scan again), `commitGetMany`.
 *
 * @module
 */
import type { AgentFigures } from '../ring.js';

export interface QueueRing {
  readonly capacity: number;
  /** Slots freed by passing holes since the caller last took them (see `Ring.passed`). */
  passed: number;
  /** Why the last {@link scanGet} found nothing. */
  scanResult: number;
  readonly size: number;
  /** Slots between `head` and `tail` now (see `RingBase.slotsTaken`). */
  readonly slotsTaken: number;
  readonly closed: boolean;
  init(start?: number): void;
  allowSpans(spanAt: (index: number) => number): void;

  claimPut(): number;
  claimPutSpan(span: number): number;
  commitPut(index: number): boolean;
  claimPutMany(max: number): number;
  indexAt(offset: number): number;
  commitPutMany(): number;
  repairPut(): boolean;
  roomAhead(count: number): boolean;

  claimGet(): number;
  commitGet(index: number): number;
  scanGet(max: number): number;
  scannedIndex(offset: number): number;
  scannedItemIndex(item: number): number;
  claimScanned(count: number): boolean;
  commitGetMany(): number;
  repairGet(closed: boolean): boolean;
  readyAhead(count: number): boolean;

  close(): boolean;
  closeGets(): void;
  sweep(): number;
  losses(): { id: number; items: number }[];
  agentFigures(): AgentFigures[];
  describeStall(op: 'put' | 'get'): string | undefined;
}
