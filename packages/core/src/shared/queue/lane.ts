/**
 * A queue's *value lane*: how values are checked, written into slots and read out of them. One
 * implementation per kind of slot (float64, int32, bytes through a codec), so the queue itself
 * never asks which kind it has.
 *
 * Every write happens after a claim and before the commit that publishes it; every read after
 * a claim (or, for batches, after the marks were seen published and before the claim, see
 * `Ring.scanGet`) and before the free that hands the slot back. The ring's atomics order these
 * plain accesses.
 *
 * @module
 */
import type { CodecError } from '../../errors.js';
import type { QueueRing } from './queue-ring.js';

/** Where a batch get puts its values: a plain array, or a typed array from an offset. */
export interface Sink<T> {
  /** A plain array to push to, or undefined. */
  readonly array: T[] | undefined;
  /** A typed array to write into from `offset`, or undefined. */
  typed: Float64Array | Int32Array | undefined;
  offset: number;
}

/** Values of a batch put, checked and (for byte lanes) encoded before anything is written. */
export interface Batch<T> {
  readonly values: ArrayLike<T>;
  readonly count: number;
  /** Byte lanes: every value's encoding, back to back, and where each starts (count + 1). */
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
  /**
   * Byte lanes: slots each value takes, when any takes more than one (a value spanning slots);
   * `undefined` when every value fits one slot.
   */
  readonly slots?: Int32Array;
}

export interface Lane<T> {
  /**
   * Checks `value` (and, for byte lanes, encodes it into the lane's scratch). Touches nothing
   * shared. Returns how many slots the value takes: 1, or more for a value that spans slots.
   */
  prepare(value: T): number;
  /**
   * A copy of what the last {@link prepare} made that survives later prepares (for a put that
   * waits); the value itself is not needed again.
   */
  keep(): Prepared;
  /**
   * Writes the value just prepared (or kept) into slot `index` (and the slots after it, for a
   * span). A lane that keeps the encoding in `kept` does not read `value`: a batch's span passes
   * `undefined` rather than read the caller's array again under its claim.
   */
  write(index: number, value: T | undefined, kept?: Prepared): void;
  /** Copies slot `index` out (all of a spanning value): the number, or a private copy of the bytes. */
  read(index: number): unknown;
  /** Turns what {@link read} returned into a value; a byte lane decodes (CodecError carries the bytes). */
  finish(raw: unknown): T;
  /**
   * Checks (and encodes) every value of a batch from `from` on first, so a bad one is refused
   * before any is written, and reads each value of the caller's array exactly once, here: no
   * getter or Proxy trap of the caller's runs while a claim is held (one that threw there would
   * leave the claim unpublished), and what was checked is what is written. With `reuse`, the
   * lane may return the same object on every call: for a call that is done with its batch
   * before it returns (a number lane then allocates nothing per batch of its own typed array).
   * `count` is how many values `values` holds, read once by the caller (a typed array's from its
   * internal slot): the lane does not read `values.length` again.
   */
  prepareMany(values: ArrayLike<T>, count: number, reuse?: boolean, from?: number): Batch<T>;
  /** Writes values `from .. from+count-1` of `batch` into the slots of the ring's last claim. */
  writeMany(ring: QueueRing, batch: Batch<T>, from: number, count: number): void;
  /**
   * Copies (and decodes) the values of the `count` slots the ring's last `scanGet` found into
   * `sink`, stopping before the first that cannot be decoded. Returns how many were copied;
   * when it stopped early, {@link failure} holds that item's `CodecError`. Optimistic: the slots
   * are not claimed yet, so the caller claims what was copied and discards the copy if the
   * claim fails.
   */
  peekMany(ring: QueueRing, count: number, sink: Sink<T>): number;
  /** The `CodecError` of the item the last {@link peekMany} stopped before, if it stopped early. */
  readonly failure: CodecError | undefined;
}

/** A value made ready for a slot: the number itself, or its encoded bytes. */
export interface Prepared {
  readonly bytes?: Uint8Array;
  /** Slots it takes (1 unless it spans slots). */
  readonly slots: number;
}
