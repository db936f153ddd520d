/**
 * The bytes lane: values pass through a {@link Codec} into slots of `slotSize` bytes, with each
 * slot's length in a word of its own. Used by `utf8`, `json`, `binary`, `structured` and custom
 * codecs.
 *
 * A value larger than a slot (up to `maxValueBytes`) *spans* `ceil(length / slotSize)`
 * consecutive slots, claimed and taken in one claim (see "Values that span slots" in ring.ts):
 * its bytes run on from its first slot into the next ones (round the end of the ring to slot 0
 * when the span wraps, the slots being contiguous in memory), and its first slot's length word
 * holds the whole length, which is how a consumer learns the span before claiming it.
 *
 * @module
 */
import { CodecError, ValueTooLargeError } from '../../errors.js';
import { describe } from '../../options.js';
import { codecs, type Codec } from '../codec/index.js';
import { fitFailure } from '../codec/fit.js';
import type { QueueRing } from './queue-ring.js';
import type { Batch, Lane, Prepared, Sink } from './lane.js';

export class BytesLane<T> implements Lane<T> {
  private readonly codec: Codec<T>;
  /** A built-in codec marks its "does not fit" errors (codec/fit.ts); a custom one may not. */
  private readonly builtin: boolean;
  private readonly slots: Uint8Array;
  private readonly cells: Int32Array;
  private readonly lengths: number;
  private readonly slotSize: number;
  /** The largest encoded value taken; above `slotSize`, values may span slots. */
  private readonly maxValueBytes: number;
  /** The most bytes a slot's length word may claim (a read clamps to it: see {@link read}). */
  private readonly readLimit: number;
  /**
   * Where {@link prepare} encodes first: one slot's worth (or `maxValueBytes` if smaller),
   * private to this agent, so a value that fits costs what it did before spans existed.
   */
  private readonly scratch: Uint8Array;
  /** Where a value that did not fit `scratch` is encoded: `maxValueBytes`, made when first needed. */
  private large: Uint8Array | undefined = undefined;
  /** The buffer the last {@link prepare} encoded into, and how many bytes. */
  private current: Uint8Array;
  private length = 0;
  /** Names the queue in error messages. */
  private readonly queueName: string;

  constructor(options: {
    codec: Codec<T>;
    buffer: SharedArrayBuffer;
    cells: Int32Array;
    values: number;
    lengths: number;
    capacity: number;
    slotSize: number;
    maxValueBytes: number;
    name: string;
  }) {
    this.codec = options.codec;
    this.builtin = Object.values(codecs).includes(options.codec as Codec<never>);
    this.slots = new Uint8Array(
      options.buffer,
      options.values,
      options.capacity * options.slotSize,
    );
    this.cells = options.cells;
    this.lengths = options.lengths;
    this.slotSize = options.slotSize;
    this.maxValueBytes = options.maxValueBytes;
    this.readLimit = Math.max(options.slotSize, options.maxValueBytes);
    this.scratch = new Uint8Array(Math.min(options.slotSize, options.maxValueBytes));
    this.current = this.scratch;
    this.queueName = options.name;
  }

  /** Whether values may span slots (then the ring must be told, see `Ring.allowSpans`). */
  get spans(): boolean {
    return this.maxValueBytes > this.slotSize;
  }

  /** Slots the item published at slot `index` takes, from its length word (see ring.ts). */
  readonly spanAt = (index: number): number => {
    const length = this.cells[this.lengths + index]!;
    return length <= this.slotSize ? 1 : Math.ceil(length / this.slotSize);
  };

  private slotsFor(length: number): number {
    return length <= this.slotSize ? 1 : Math.ceil(length / this.slotSize);
  }

  prepare(value: T): number {
    let length: number;
    try {
      length = encodeInto(this.codec, value, this.scratch);
      this.current = this.scratch;
    } catch (error) {
      length = this.encodeLarge(value, error, undefined);
    }
    this.length = length;
    return length <= this.slotSize ? 1 : this.slotsFor(length);
  }

  /**
   * After an encoding into {@link scratch} failed: encodes into the `maxValueBytes` buffer when
   * the failure may be for lack of room (then returns the length, {@link current} being that
   * buffer), or throws: {@link ValueTooLargeError} for a value larger than `maxValueBytes`
   * (its size measured when the codec did not say it), else the codec's error, named.
   */
  private encodeLarge(value: T, error: unknown, at: number | undefined): number {
    const bound = this.maxValueBytes;
    let failure = error;
    if (this.maybeRoom(failure)) {
      const needed = fitFailure(failure)?.needed;
      if ((needed === undefined || needed <= bound) && bound > this.scratch.length) {
        this.large ??= new Uint8Array(bound);
        try {
          const length = encodeInto(this.codec, value, this.large);
          this.current = this.large;
          return length;
        } catch (again) {
          failure = again;
        }
      }
      if (this.maybeRoom(failure)) {
        const size = fitFailure(failure)?.needed ?? this.measure(value);
        if (size !== undefined && size > bound) throw this.tooLarge(size, at);
        if (size === undefined && fitFailure(failure) !== undefined)
          throw this.tooLarge(undefined, at);
      }
    }
    throw this.named(failure, at);
  }

  /**
   * Whether an encoding error may only mean "no room": marked so, or a custom codec's (not a
   * length it returned that its target could not hold: that is a codec bug, said as such).
   */
  private maybeRoom(error: unknown): boolean {
    if (fitFailure(error) !== undefined) return true;
    return !this.builtin && error instanceof CodecError && !badLengths.has(error);
  }

  /** Bytes `value` takes, found by encoding it into a larger private buffer (on the error path only). */
  private measure(value: T): number | undefined {
    const room = Math.min(Math.max(this.maxValueBytes * 4, 1 << 16), 1 << 26);
    if (room <= this.maxValueBytes) return undefined;
    try {
      return encodeInto(this.codec, value, new Uint8Array(room));
    } catch {
      return undefined;
    }
  }

  /** The error for a value past `maxValueBytes`, naming the queue, the size and the bound. */
  private tooLarge(size: number | undefined, at: number | undefined): ValueTooLargeError {
    const bound = this.maxValueBytes;
    const most = this.slots.length;
    const where = at === undefined ? '' : `value ${at} of the batch: `;
    const what = size === undefined ? `more than ${bound * 4} bytes` : `${size} bytes`;
    const raise =
      bound < most
        ? `pass a larger maxValueBytes to new SharedQueue() (up to capacity x slotSize, ${most} bytes)`
        : `pass a larger capacity or slotSize, and maxValueBytes, to new SharedQueue() (now capacity x slotSize = ${most} bytes, all of it allowed)`;
    return new ValueTooLargeError(
      `${this.queueName}: ${where}the value's encoding (codec '${this.codec.name}') takes ${what}, ` +
        `more than the queue's maxValueBytes of ${bound}; nothing was put. To send it, ${raise}, ` +
        'or pass large data another way (a SharedArrayBuffer of its own, a file).',
      { size, limit: bound },
    );
  }

  /** Prefixes an encoding error with the queue's name (and the value's place in a batch). */
  private named(error: unknown, at: number | undefined): unknown {
    if (error instanceof CodecError) {
      const where = at === undefined ? '' : `value ${at} of the batch: `;
      error.message = `${this.queueName}: ${where}${error.message}`;
    }
    return error;
  }

  keep(): Prepared {
    // Another task of this agent may encode into the scratch buffer while we wait: a copy.
    return { bytes: this.current.slice(0, this.length), slots: this.slotsFor(this.length) };
  }

  write(index: number, _value: T | undefined, kept?: Prepared): void {
    const bytes = kept?.bytes ?? this.current.subarray(0, this.length);
    const at = index * this.slotSize;
    if (bytes.length <= this.slotSize) this.slots.set(bytes, at);
    else this.writeAcross(bytes, at);
    this.cells[this.lengths + index] = bytes.length;
  }

  /** Writes a spanning value from byte `at` on, round the end of the ring to slot 0 if need be. */
  private writeAcross(bytes: Uint8Array, at: number): void {
    const room = this.slots.length - at;
    if (bytes.length <= room) {
      this.slots.set(bytes, at);
    } else {
      this.slots.set(bytes.subarray(0, room), at);
      this.slots.set(bytes.subarray(room), 0);
    }
  }

  read(index: number): unknown {
    const start = index * this.slotSize;
    // slice() copies out of shared memory: the slot may be reused as soon as we free it, and
    // TextDecoder refuses shared views. The length is clamped: a batch reads optimistically
    // (see peekMany), and a slot being rewritten may hold any length until the claim fails.
    const length = Math.min(Math.max(this.cells[this.lengths + index]!, 0), this.readLimit);
    if (start + length <= this.slots.length) return this.slots.slice(start, start + length);
    // A span that wraps round the end of the ring.
    const out = new Uint8Array(length);
    const room = this.slots.length - start;
    out.set(this.slots.subarray(start));
    out.set(this.slots.subarray(0, length - room), room);
    return out;
  }

  finish(raw: unknown): T {
    try {
      return this.codec.decode(raw as Uint8Array);
    } catch (error) {
      throw this.decodeError(raw as Uint8Array, error);
    }
  }

  /** The error for an item that cannot be decoded: it carries the item's bytes, so none is lost. */
  private decodeError(bytes: Uint8Array, error: unknown): CodecError {
    const message = error instanceof Error ? error.message : String(error);
    return new CodecError(
      `${this.queueName}: codec '${this.codec.name}' failed to decode a ${bytes.length}-byte item ` +
        `(its bytes are in error.bytes): ${message}`,
      { cause: error, bytes },
    );
  }

  prepareMany(values: ArrayLike<T>, count: number, _reuse = false, from = 0): Batch<T> {
    // offsets[from] is 0: the values before `from` are not put, so they are not encoded.
    const offsets = new Int32Array(count + 1);
    let bytes = new Uint8Array(Math.min(count - from, 64) * 32);
    let used = 0;
    let slots: Int32Array | undefined;
    // One encode pass into one growing buffer.
    for (let i = from; i < count; i++) {
      let length: number;
      let source = this.scratch;
      try {
        length = encodeInto(this.codec, values[i] as T, this.scratch);
      } catch (error) {
        length = this.encodeLarge(values[i] as T, error, i);
        source = this.current;
      }
      if (length > this.slotSize) {
        slots ??= new Int32Array(count).fill(1);
        slots[i] = this.slotsFor(length);
      }
      if (used + length > bytes.length) {
        const grown = new Uint8Array(Math.max(bytes.length * 2, used + length));
        grown.set(bytes.subarray(0, used));
        bytes = grown;
      }
      bytes.set(source.subarray(0, length), used);
      used += length;
      offsets[i + 1] = used;
    }
    return slots === undefined
      ? { values, count, bytes, offsets }
      : { values, count, bytes, offsets, slots };
  }

  writeMany(ring: QueueRing, batch: Batch<T>, from: number, count: number): void {
    const capacity = ring.capacity;
    let index = ring.indexAt(0);
    for (let k = from; k < from + count; k++) {
      const start = batch.offsets[k]!;
      const end = batch.offsets[k + 1]!;
      this.slots.set(batch.bytes.subarray(start, end), index * this.slotSize);
      this.cells[this.lengths + index] = end - start;
      index = index + 1 === capacity ? 0 : index + 1;
    }
  }

  failure: CodecError | undefined;

  peekMany(ring: QueueRing, count: number, sink: Sink<T>): number {
    const out = sink.array!;
    const capacity = ring.capacity;
    const spans = this.spans;
    let index = ring.scannedIndex(0);
    for (let i = 0; i < count; i++) {
      if (spans) index = ring.scannedItemIndex(i);
      const bytes = this.read(index) as Uint8Array;
      let value: T;
      try {
        value = this.codec.decode(bytes);
      } catch (error) {
        // Stop before it: the caller claims only the items before this one (or this one alone,
        // to throw its error, when it is the first), so nothing after it leaves the queue.
        this.failure = this.decodeError(bytes, error);
        return i;
      }
      out.push(value);
      index = index + 1 === capacity ? 0 : index + 1;
    }
    return count;
  }
}

/** The errors {@link encodeInto} made for a length a codec returned that its target cannot hold. */
const badLengths = new WeakSet<CodecError>();

/** Runs a codec's `encode`, turning any failure or a bad length into `CodecError`. */
export function encodeInto<T>(codec: Codec<T>, value: T, scratch: Uint8Array): number {
  let length: number;
  try {
    length = codec.encode(value, scratch);
  } catch (error) {
    if (error instanceof CodecError) throw error;
    throw new CodecError(
      `codec '${codec.name}' cannot encode ${describe(value)}: ${(error as Error)?.message}`,
      { cause: error },
    );
  }
  if (!Number.isInteger(length) || length < 0 || length > scratch.length) {
    const error = new CodecError(
      `codec '${codec.name}' returned length ${describe(length)} for a ${scratch.length}-byte slot`,
    );
    badLengths.add(error);
    throw error;
  }
  return length;
}
