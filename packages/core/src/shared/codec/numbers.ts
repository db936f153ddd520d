/**
 * The fixed-size number codecs, `float64` and `int32`. A queue using them stores values in a
 * typed lane (a `Float64Array` / `Int32Array` over the slots) rather than through
 * `encode`/`decode`; these objects still implement both, for other uses and for symmetry.
 *
 * @module
 */
import { CodecError } from '../../errors.js';
import { describe } from '../../options.js';
import type { Codec } from './codec.js';

/** Checks a value for the float64 codec. */
export function checkFloat64(value: unknown): number {
  if (typeof value !== 'number') {
    throw new CodecError(`float64 codec needs a number, got ${describe(value)}`);
  }
  return value;
}

/** Checks a value for the int32 codec. */
export function checkInt32(value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < -0x80000000 ||
    value > 0x7fffffff
  ) {
    throw new CodecError(
      `int32 codec needs an integer from -2^31 to 2^31-1, got ${describe(value)}`,
    );
  }
  return value;
}

function fits(target: Uint8Array, size: number, codec: string): void {
  if (target.length < size) {
    throw new CodecError(`${codec} codec needs ${size} bytes, the slot has ${target.length}`);
  }
}

/** 64-bit floats: every JS number, NaN and -0 included, 8 bytes each. */
export const float64: Codec<number> = Object.freeze({
  name: 'float64',
  fixedSize: 8,
  encode(value: number, target: Uint8Array): number {
    checkFloat64(value);
    fits(target, 8, 'float64');
    new DataView(target.buffer, target.byteOffset, 8).setFloat64(0, value, true);
    return 8;
  },
  decode(source: Uint8Array): number {
    return new DataView(source.buffer, source.byteOffset, 8).getFloat64(0, true);
  },
});

/** 32-bit signed integers, 4 bytes each; other numbers are refused with `CodecError`. */
export const int32: Codec<number> = Object.freeze({
  name: 'int32',
  fixedSize: 4,
  encode(value: number, target: Uint8Array): number {
    checkInt32(value);
    fits(target, 4, 'int32');
    new DataView(target.buffer, target.byteOffset, 4).setInt32(0, value, true);
    return 4;
  },
  decode(source: Uint8Array): number {
    return new DataView(source.buffer, source.byteOffset, 4).getInt32(0, true);
  },
});
