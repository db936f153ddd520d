/**
 * The two number lanes, `float64` and `int32`: values live in a typed array, one element per
 * slot, contiguous, so a batch is one plain copy loop and no value ever needs encoding.
 *
 * @module
 */
import { checkFloat64, checkInt32 } from '../codec/numbers.js';
import type { QueueRing } from './queue-ring.js';
import type { Batch, Lane, Prepared, Sink } from './lane.js';

const NO_BYTES = new Uint8Array(0);
const NO_OFFSETS = new Int32Array(1);

/** Most views of its values a number lane keeps for batch gets (see `NumberLane.copyOut`). */
const VIEWS = 64;

/** A batch of numbers (nothing to encode), mutable so that a blocking call can reuse one. */
interface NumberBatch {
  values: ArrayLike<number>;
  count: number;
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

abstract class NumberLane implements Lane<number> {
  protected abstract readonly values: Float64Array | Int32Array;
  /**
   * The batch {@link prepareMany} hands out again with `reuse` (a blocking call's). It refers to
   * the last such call's array until the next one: one array per queue and agent.
   */
  private readonly reused: NumberBatch = {
    values: [],
    count: 0,
    bytes: NO_BYTES,
    offsets: NO_OFFSETS,
  };
  /** Number lanes decode nothing, so a batch get never stops early. */
  readonly failure = undefined;
  /** Views of `values` batch gets copy from, by the slot each starts at (see {@link copyOut}). */
  private readonly views = new Map<number, Float64Array | Int32Array>();
  protected abstract check(value: unknown): number;
  /** A new typed array of the lane's kind. */
  protected abstract typedOf(length: number): Float64Array | Int32Array;
  /**
   * Whether every element of `values` is valid without looking, and reading it runs no code of
   * the caller's: a typed array of a fitting kind, by its exact prototype (a Proxy is no view,
   * and a subclass may override `length`).
   */
  protected abstract trusted(values: ArrayLike<unknown>): boolean;
  /** Whether `values` is a typed array of exactly the lane's element type (a plain memory copy). */
  protected abstract sameKind(values: ArrayLike<unknown>): boolean;

  prepare(value: number): number {
    this.check(value);
    return 1;
  }

  keep(): Prepared {
    return { slots: 1 };
  }

  write(index: number, value: number | undefined): void {
    // Always a number here: only a value spanning slots comes without one, and numbers never span.
    this.values[index] = value!;
  }

  read(index: number): unknown {
    return this.values[index];
  }

  finish(raw: unknown): number {
    return raw as number;
  }

  prepareMany(values: ArrayLike<number>, reuse = false, from = 0): Batch<number> {
    const count = values.length;
    if (!this.trusted(values)) {
      // Anything but a typed array (a plain array, an array-like, a Proxy, a subclass) is read
      // once, here, into a typed array of the lane's kind: its getters never run under a claim,
      // and what was checked is what is written. Values before `from` are not put: not read.
      const copy = this.typedOf(count);
      for (let i = from; i < count; i++) copy[i] = this.check(values[i]);
      return { values: copy, count, bytes: NO_BYTES, offsets: NO_OFFSETS };
    }
    // Only a typed array of our kind is reused for (a batch record per call would be garbage).
    if (!reuse || !this.sameKind(values))
      return { values, count, bytes: NO_BYTES, offsets: NO_OFFSETS };
    const batch = this.reused;
    batch.values = values;
    batch.count = count;
    return batch;
  }

  writeMany(ring: QueueRing, batch: Batch<number>, from: number, count: number): void {
    // Plain stores into the contiguous lane, in at most two runs (the claim may wrap round the
    // end); the commit's release publishes them.
    const target = this.values;
    const source = batch.values;
    const capacity = ring.capacity;
    let index = ring.indexAt(0);
    const firstRun = Math.min(count, capacity - index);
    if (firstRun === count && from === 0 && count === source.length && this.sameKind(source)) {
      // The whole array in one run: a memory copy (over twice as fast as an element loop for a
      // batch). Part of it (a claim that got fewer slots, or that wraps round the end of the
      // ring) is copied element by element: a view of it to copy from would be an object per
      // batch, and every object made is a collection to come that stops this agent.
      target.set(source as Float64Array | Int32Array, index);
      return;
    }
    let k = from;
    for (const end = from + firstRun; k < end; k++) target[index++] = source[k]!;
    index = 0;
    for (const end = from + count; k < end; k++) target[index++] = source[k]!;
  }

  peekMany(ring: QueueRing, count: number, sink: Sink<number>): number {
    const values = this.values;
    const capacity = ring.capacity;
    let index = ring.scannedIndex(0);
    const firstRun = Math.min(count, capacity - index);
    const typed = sink.typed;
    if (typed !== undefined) {
      // At most two runs, each a memory copy from a view kept for it, or element by element.
      let at = sink.offset;
      this.copyOut(index, firstRun, typed, at);
      at += firstRun;
      if (firstRun < count) this.copyOut(0, count - firstRun, typed, at);
    } else {
      const out = sink.array!;
      for (let i = 0; i < firstRun; i++) out.push(values[index++]!);
      index = 0;
      for (let i = firstRun; i < count; i++) out.push(values[index++]!);
    }
    return count;
  }

  /**
   * Copies `length` values from slot `start` into `into` at `at`: a memory copy (over twice as
   * fast as an element loop for a batch) from the view kept for a run of that start and length,
   * else element by element. The first {@link VIEWS} runs seen get a view, kept for good: a
   * stream of batches of one size starts at a handful of slots (capacity / batch of them), so
   * it copies memory, and no stream allocates once they are made (replacing views would make
   * an object per batch for runs of changing lengths, and every object is a collection to come
   * that stops this agent).
   */
  private copyOut(
    start: number,
    length: number,
    into: Float64Array | Int32Array,
    at: number,
  ): void {
    let view = this.views.get(start);
    if (view === undefined && this.views.size < VIEWS) {
      view = this.values.subarray(start, start + length);
      this.views.set(start, view);
    }
    if (view !== undefined && view.length === length) {
      into.set(view, at);
      return;
    }
    const values = this.values;
    for (let i = 0; i < length; i++) into[at + i] = values[start + i]!;
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

  protected typedOf(length: number): Float64Array {
    return new Float64Array(length);
  }

  protected trusted(values: ArrayLike<unknown>): boolean {
    return exactly(values, Float64Array) || exactly(values, Float32Array);
  }

  protected sameKind(values: ArrayLike<unknown>): boolean {
    return exactly(values, Float64Array);
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

  protected typedOf(length: number): Int32Array {
    return new Int32Array(length);
  }

  protected trusted(values: ArrayLike<unknown>): boolean {
    return (
      exactly(values, Int32Array) ||
      exactly(values, Int16Array) ||
      exactly(values, Int8Array) ||
      exactly(values, Uint16Array) ||
      exactly(values, Uint8Array)
    );
  }

  protected sameKind(values: ArrayLike<unknown>): boolean {
    return exactly(values, Int32Array);
  }
}

/**
 * Whether `values` is a `Kind` itself: a real typed array (a Proxy of one is no view) whose
 * prototype is `Kind`'s own (a subclass could override `length`).
 */
function exactly(values: ArrayLike<unknown>, Kind: { prototype: object }): boolean {
  return ArrayBuffer.isView(values) && Object.getPrototypeOf(values) === Kind.prototype;
}
