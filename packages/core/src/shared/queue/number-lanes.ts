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
import { CallerViews, copyInto, kindOf, lengthOf, type NumberArray, RunViews } from './views.js';

const NO_BYTES = new Uint8Array(0);
const NO_OFFSETS = new Int32Array(1);

/** A batch of numbers (nothing to encode), mutable so that a blocking call can reuse one. */
interface NumberBatch {
  values: ArrayLike<number>;
  count: number;
  /**
   * Whether `values` is a typed array of the lane's element type (by its internal name, see
   * {@link NumberLane.sameKind}), so that its runs go in with memory copies. Found once, when the
   * batch is prepared: a typed array's kind never changes, whatever is done to its prototype
   * while an async put waits (its length may: the copy reads it again).
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
   * Whether every element of `values` is valid without looking: a typed array of a fitting kind.
   * Kinds go by the array's internal name (`kindOf`), not its prototype, which the caller may
   * set to another kind's (a `BigInt64Array` dressed as a `Float64Array` would throw in the
   * copy, under the claim). Reading one runs no code of the caller's either: the copies read its
   * length and elements from its internal slots and make their own views (see views.ts), so a
   * subclass, or own `length` and `constructor` properties, change nothing.
   */
  protected abstract trusted(kind: string | undefined): boolean;
  /** Whether `kind` is the lane's own element type (a plain memory copy). */
  protected abstract sameKind(kind: string | undefined): boolean;

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
    const kind = kindOf(values);
    const memory = this.sameKind(kind);
    if (!memory && !this.trusted(kind)) {
      // Anything but a typed array (a plain array, an array-like, a Proxy, a subclass) is read
      // once, here, into a typed array of the lane's kind: its getters never run under a claim,
      // and what was checked is what is written. Values before `from` are not put: not read.
      const copy = this.typedOf(count);
      for (let i = from; i < count; i++) copy[i] = this.check(values[i]);
      return { values: copy, count, memory: true, bytes: NO_BYTES, offsets: NO_OFFSETS };
    }
    // Only a typed array of our kind is reused for (a batch record per call would be garbage).
    if (!reuse || !memory) return { values, count, memory, bytes: NO_BYTES, offsets: NO_OFFSETS };
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
    if ((batch as NumberBatch).memory) {
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
      // The built-in `set`: one of `into`'s own would get a live view of the shared slots.
      copyInto(into, view, at);
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

  protected trusted(kind: string | undefined): boolean {
    return kind === 'Float64Array' || kind === 'Float32Array';
  }

  protected sameKind(kind: string | undefined): boolean {
    return kind === 'Float64Array';
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

  protected trusted(kind: string | undefined): boolean {
    return (
      kind === 'Int32Array' ||
      kind === 'Int16Array' ||
      kind === 'Int8Array' ||
      kind === 'Uint16Array' ||
      kind === 'Uint8Array'
    );
  }

  protected sameKind(kind: string | undefined): boolean {
    return kind === 'Int32Array';
  }
}
