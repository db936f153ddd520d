/**
 * The two number lanes, `float64` and `int32`: values live in a typed array, one element per
 * slot, contiguous, so a batch is one plain copy loop and no value ever needs encoding.
 *
 * @module
 */
import { checkFloat64, checkInt32 } from '../codec/numbers.js';
import type { Ring } from '../ring.js';
import type { Batch, Lane, Prepared, Sink } from './lane.js';

const NO_BYTES = new Uint8Array(0);
const NO_OFFSETS = new Int32Array(1);

abstract class NumberLane implements Lane<number> {
  protected abstract readonly values: Float64Array | Int32Array;
  protected abstract check(value: unknown): number;
  /** Whether every element of `values` is valid without looking (a typed array of our kind). */
  protected abstract trusted(values: ArrayLike<unknown>): boolean;
  /** Whether `values` is a typed array of exactly the lane's element type (a plain memory copy). */
  protected abstract sameKind(values: ArrayLike<unknown>): boolean;

  prepare(value: number): number {
    this.check(value);
    return 1;
  }

  keep(value: number): Prepared<number> {
    return { value, slots: 1 };
  }

  write(index: number, value: number): void {
    this.values[index] = value;
  }

  read(index: number): unknown {
    return this.values[index];
  }

  finish(raw: unknown): number {
    return raw as number;
  }

  prepareMany(values: ArrayLike<number>): Batch<number> {
    const count = values.length;
    if (!this.trusted(values)) for (let i = 0; i < count; i++) this.check(values[i]);
    return { values, count, bytes: NO_BYTES, offsets: NO_OFFSETS };
  }

  writeMany(ring: Ring, batch: Batch<number>, from: number, count: number): void {
    // Plain stores into the contiguous lane, in at most two runs (the claim may wrap round the
    // end); the commit's release publishes them. A typed array of the lane's kind is copied as
    // memory (over twice as fast as an element loop for a batch).
    const target = this.values;
    const source = batch.values;
    const capacity = ring.capacity;
    let index = ring.indexAt(0);
    const firstRun = Math.min(count, capacity - index);
    if (this.sameKind(source)) {
      const typed = source as Float64Array | Int32Array;
      if (firstRun === count && from === 0 && count === typed.length) {
        target.set(typed, index); // the whole array in one run: no view to allocate
        return;
      }
      target.set(typed.subarray(from, from + firstRun), index);
      if (firstRun < count) target.set(typed.subarray(from + firstRun, from + count), 0);
      return;
    }
    let k = from;
    for (const end = from + firstRun; k < end; k++) target[index++] = source[k]!;
    index = 0;
    for (const end = from + count; k < end; k++) target[index++] = source[k]!;
  }

  peekMany(ring: Ring, count: number, sink: Sink<number>): { copied: number } {
    const values = this.values;
    const capacity = ring.capacity;
    let index = ring.scannedIndex(0);
    const firstRun = Math.min(count, capacity - index);
    const typed = sink.typed;
    if (typed !== undefined) {
      // Memory copies of at most two runs: over twice as fast as an element loop for a batch,
      // for two small views.
      const at = sink.offset;
      typed.set(values.subarray(index, index + firstRun), at);
      if (firstRun < count) typed.set(values.subarray(0, count - firstRun), at + firstRun);
    } else {
      const out = sink.array!;
      for (let i = 0; i < firstRun; i++) out.push(values[index++]!);
      index = 0;
      for (let i = firstRun; i < count; i++) out.push(values[index++]!);
    }
    return { copied: count };
  }
}

/** float64 values in a Float64Array over the slots. */
export class Float64Lane extends NumberLane {
  protected readonly values: Float64Array;

  constructor(buffer: SharedArrayBuffer, offset: number, capacity: number) {
    super();
    this.values = new Float64Array(buffer, offset, capacity);
  }

  protected check(value: unknown): number {
    return checkFloat64(value);
  }

  protected trusted(values: ArrayLike<unknown>): boolean {
    return values instanceof Float64Array || values instanceof Float32Array;
  }

  protected sameKind(values: ArrayLike<unknown>): boolean {
    return values instanceof Float64Array;
  }
}

/** int32 values in an Int32Array over the slots. */
export class Int32Lane extends NumberLane {
  protected readonly values: Int32Array;

  constructor(buffer: SharedArrayBuffer, offset: number, capacity: number) {
    super();
    this.values = new Int32Array(buffer, offset, capacity);
  }

  protected check(value: unknown): number {
    return checkInt32(value);
  }

  protected trusted(values: ArrayLike<unknown>): boolean {
    return (
      values instanceof Int32Array ||
      values instanceof Int16Array ||
      values instanceof Int8Array ||
      values instanceof Uint16Array ||
      values instanceof Uint8Array
    );
  }

  protected sameKind(values: ArrayLike<unknown>): boolean {
    return values instanceof Int32Array;
  }
}
