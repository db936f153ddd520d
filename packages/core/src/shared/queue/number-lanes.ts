/**
 * The two number lanes, `float64` and `int32`: values live in a typed array, one element per
 * slot, contiguous, so a batch is at most two memory copies (two runs, when it wraps round the
 * end of the ring: see views.ts) and no value ever needs encoding.
 *
 * @module
 */
import { checkFloat64, checkInt32 } from '../codec/numbers.js';
import type { QueueRing } from './queue-ring.js';
import type { Batch, Lane, Prepared, Sink } from './lane.js';
import { CallerViews, lengthOf, type NumberArray, RunViews } from './views.js';

const NO_BYTES = new Uint8Array(0);
const NO_OFFSETS = new Int32Array(1);

/** A batch of numbers (nothing to encode), mutable so that a blocking call can reuse one. */
interface NumberBatch {
  values: ArrayLike<number>;
  count: number;
  /**
   * True when `values` is known to be a typed array of exactly the lane's kind, so that its runs
   * go in with memory copies: the lane's own copy, or the caller's array in a reused batch (a
   * blocking or try call with no tracer installed, in which no code of the caller's runs between
   * the check and the copy: the copy reads the array's length from its internal slot and makes
   * its views without `subarray`, see views.ts). The check reads the prototype, which V8 leaves to a runtime call here (1.6% of a
   * one-thread loop of 256-item puts and gets, where it was made three times per put). False:
   * {@link NumberLane.writeMany} checks again (an async put's caller may have changed its array
   * while the put waited).
   */
  memory: boolean;
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
    memory: false,
    bytes: NO_BYTES,
    offsets: NO_OFFSETS,
  };
  /** Number lanes decode nothing, so a batch get never stops early. */
  readonly failure = undefined;
  /** Views of runs of `values` that batch gets copy from (see {@link copyOut}). */
  private get views(): RunViews {
    return (this.valueViews ??= new RunViews(this.values));
  }
  private valueViews: RunViews | undefined;
  /** Views of runs of callers' arrays that batch puts copy from (see {@link copyIn}). */
  private readonly callerViews = new CallerViews();
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

  prepareMany(values: ArrayLike<number>, count: number, reuse = false, from = 0): NumberBatch {
    const memory = this.sameKind(values);
    if (!memory && !this.trusted(values)) {
      // Anything but a typed array (a plain array, an array-like, a Proxy, a subclass) is read
      // once, here, into a typed array of the lane's kind: its getters never run under a claim,
      // and what was checked is what is written. Values before `from` are not put: not read.
      const copy = this.typedOf(count);
      for (let i = from; i < count; i++) copy[i] = this.check(values[i]);
      return { values: copy, count, memory: true, bytes: NO_BYTES, offsets: NO_OFFSETS };
    }
    // Only a typed array of our kind is reused for (a batch record per call would be garbage).
    if (!reuse || !memory)
      return { values, count, memory: false, bytes: NO_BYTES, offsets: NO_OFFSETS };
    const batch = this.reused;
    batch.values = values;
    batch.count = count;
    batch.memory = true;
    return batch;
  }

  writeMany(ring: QueueRing, batch: Batch<number>, from: number, count: number): void {
    // Plain stores into the contiguous lane, in at most two runs (the claim may wrap round the
    // end); the commit's release publishes them.
    const source = batch.values;
    const index = ring.indexAt(0);
    const firstRun = Math.min(count, ring.capacity - index);
    if ((batch as NumberBatch).memory || this.sameKind(source)) {
      // Memory copies: of the whole array, or of kept views of its runs (see views.ts).
      const typed = source as NumberArray;
      this.copyIn(typed, from, firstRun, index);
      if (firstRun < count) this.copyIn(typed, from + firstRun, count - firstRun, 0);
      return;
    }
    this.writeEach(source, from, firstRun, index);
    if (firstRun < count) this.writeEach(source, from + firstRun, count - firstRun, 0);
  }

  /**
   * Copies `length` values of `source` from `start` into the slots from `index`. An array that
   * no longer holds the run (its buffer transferred or shrunk while an async put waited for
   * room) is read element by element, as plain stores of what it reads now (`undefined` reads
   * as NaN, or 0 in an int32 lane): a view of it, or `set()` from a kept one, would throw here,
   * between the claim and its commit, and leave the claim for others to wait on.
   */
  private copyIn(source: NumberArray, start: number, length: number, index: number): void {
    // The length from the array's internal slot: an own `length` property of the caller's would
    // run its code here, under the claim (see views.ts).
    const total = lengthOf(source);
    if (start + length > total) {
      this.writeEach(source, start, length, index);
      return;
    }
    const view =
      start === 0 && length === total ? source : this.callerViews.run(source, start, length);
    if (view === undefined) this.writeEach(source, start, length, index);
    else this.values.set(view, index);
  }

  /** {@link copyIn} element by element, for arrays of another kind and runs past the views kept. */
  private writeEach(source: ArrayLike<number>, start: number, length: number, index: number): void {
    const target = this.values;
    for (let k = 0; k < length; k++) target[index + k] = source[start + k]!;
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
   * Copies `length` values from slot `start` into `into` at `at`: a memory copy from the view
   * kept for that run of slots, else (past the views kept: see views.ts) element by element.
   */
  private copyOut(start: number, length: number, into: NumberArray, at: number): void {
    const view = this.views.run(start, length);
    if (view !== undefined) {
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
