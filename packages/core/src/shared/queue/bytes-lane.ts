/**
 * The bytes lane: values pass through a {@link Codec} into slots of `slotSize` bytes, with each
 * slot's length in a word of its own. Used by `utf8`, `json`, `binary` and custom codecs.
 *
 * @module
 */
import { CodecError } from '../../errors.js';
import { describe } from '../../options.js';
import type { Codec } from '../codec/index.js';
import type { Ring } from '../ring.js';
import type { Batch, Lane, Prepared, Sink } from './lane.js';

export class BytesLane<T> implements Lane<T> {
  private readonly codec: Codec<T>;
  private readonly slots: Uint8Array;
  private readonly cells: Int32Array;
  private readonly lengths: number;
  private readonly slotSize: number;
  /** Where {@link prepare} encodes: one slot's worth, private to this agent. */
  private readonly scratch: Uint8Array;
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
    name: string;
  }) {
    this.codec = options.codec;
    this.slots = new Uint8Array(
      options.buffer,
      options.values,
      options.capacity * options.slotSize,
    );
    this.cells = options.cells;
    this.lengths = options.lengths;
    this.slotSize = options.slotSize;
    this.scratch = new Uint8Array(options.slotSize);
    this.queueName = options.name;
  }

  prepare(value: T): void {
    try {
      this.length = encodeInto(this.codec, value, this.scratch);
    } catch (error) {
      throw this.named(error, undefined);
    }
  }

  /** Prefixes an encoding error with the queue's name (and the value's place in a batch). */
  private named(error: unknown, at: number | undefined): unknown {
    if (error instanceof CodecError) {
      const where = at === undefined ? '' : `value ${at} of the batch: `;
      error.message = `${this.queueName}: ${where}${error.message}`;
    }
    return error;
  }

  keep(value: T): Prepared<T> {
    // Another task of this agent may encode into the scratch buffer while we wait: a copy.
    return { value, bytes: this.scratch.slice(0, this.length) };
  }

  write(index: number, _value: T, kept?: Prepared<T>): void {
    const bytes = kept?.bytes ?? this.scratch.subarray(0, this.length);
    this.slots.set(bytes, index * this.slotSize);
    this.cells[this.lengths + index] = bytes.length;
  }

  read(index: number): unknown {
    const start = index * this.slotSize;
    // slice() copies out of shared memory: the slot may be reused as soon as we free it, and
    // TextDecoder refuses shared views. The length is clamped: a batch reads optimistically
    // (see peekMany), and a slot being rewritten may hold any length until the claim fails.
    const length = Math.min(Math.max(this.cells[this.lengths + index]!, 0), this.slotSize);
    return this.slots.slice(start, start + length);
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

  prepareMany(values: ArrayLike<T>): Batch<T> {
    const count = values.length;
    const offsets = new Int32Array(count + 1);
    let bytes = new Uint8Array(Math.min(count, 64) * 32);
    let used = 0;
    // One encode pass into one growing buffer.
    for (let i = 0; i < count; i++) {
      let length: number;
      try {
        length = encodeInto(this.codec, values[i] as T, this.scratch);
      } catch (error) {
        throw this.named(error, i);
      }
      if (used + length > bytes.length) {
        const grown = new Uint8Array(Math.max(bytes.length * 2, used + length));
        grown.set(bytes.subarray(0, used));
        bytes = grown;
      }
      bytes.set(this.scratch.subarray(0, length), used);
      used += length;
      offsets[i + 1] = used;
    }
    return { values, count, bytes, offsets };
  }

  writeMany(ring: Ring, batch: Batch<T>, from: number, count: number): void {
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

  peekMany(ring: Ring, count: number, sink: Sink<T>): { copied: number; failure?: CodecError } {
    const out = sink.array!;
    const capacity = ring.capacity;
    let index = ring.scannedIndex(0);
    for (let i = 0; i < count; i++) {
      const bytes = this.read(index) as Uint8Array;
      let value: T;
      try {
        value = this.codec.decode(bytes);
      } catch (error) {
        // Stop before it: the caller claims only the items before this one (or this one alone,
        // to throw its error, when it is the first), so nothing after it leaves the queue.
        return { copied: i, failure: this.decodeError(bytes, error) };
      }
      out.push(value);
      index = index + 1 === capacity ? 0 : index + 1;
    }
    return { copied: count };
  }
}

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
    throw new CodecError(
      `codec '${codec.name}' returned length ${describe(length)} for a ${scratch.length}-byte slot`,
    );
  }
  return length;
}
