/**
 * {@link Codec}: how a {@link SharedQueue} turns values into bytes in a slot and back.
 *
 * @module
 */

/**
 * Turns values of type `T` into bytes and back, for {@link SharedQueue} slots.
 *
 * `encode` writes into a private (non-shared) scratch buffer, so a codec that throws half-way
 * leaves the queue untouched; the queue copies the bytes into shared memory only after the
 * whole value was encoded and a slot was claimed.
 *
 * @example
 * ```ts
 * // A codec for points, 8 bytes each.
 * const point: Codec<{ x: number; y: number }> = {
 *   name: 'point',
 *   fixedSize: 8,
 *   encode(p, target) {
 *     const view = new DataView(target.buffer, target.byteOffset, 8);
 *     view.setFloat32(0, p.x);
 *     view.setFloat32(4, p.y);
 *     return 8;
 *   },
 *   decode(source) {
 *     const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
 *     return { x: view.getFloat32(0), y: view.getFloat32(4) };
 *   },
 * };
 * const queue = new SharedQueue({ capacity: 64, codec: point });
 * // in the worker: SharedQueue.from(handle, point)
 * ```
 */
export interface Codec<T> {
  /** The codec's name; a handle carries it, and `from(handle, codec)` checks it matches. */
  readonly name: string;
  /** When every value takes exactly this many bytes (e.g. 8 for float64): the slot size. */
  readonly fixedSize?: number;
  /**
   * Writes `value` into `target` from offset 0 and returns the number of bytes written.
   *
   * @throws CodecError when the value cannot be encoded, or does not fit in `target.length`
   *   bytes. Must not write past `target.length`.
   */
  encode(value: T, target: Uint8Array): number;
  /** Reads back a value from the bytes `encode` wrote (a private copy the codec may keep). */
  decode(source: Uint8Array): T;
}

/** Plain data, as the `binary` codec carries it. */
export type PlainData =
  null | boolean | number | string | readonly PlainData[] | { readonly [key: string]: PlainData };

/** A typed array, as the `structured` codec carries it. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** What the `structured` codec carries: plain data plus the values JSON loses. */
export type StructuredData =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Date
  | TypedArray
  | ArrayBuffer
  | readonly StructuredData[]
  | ReadonlyMap<StructuredData, StructuredData>
  | ReadonlySet<StructuredData>
  | { readonly [key: string]: StructuredData };

/** Values the `json` codec carries (what `JSON.parse` returns). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The codecs built in, by name. A built-in codec travels in a handle by name. */
export interface BuiltinCodecs {
  float64: Codec<number>;
  int32: Codec<number>;
  utf8: Codec<string>;
  json: Codec<JsonValue>;
  binary: Codec<PlainData>;
  structured: Codec<StructuredData>;
}

/** The name of a built-in codec. */
export type BuiltinCodecName = keyof BuiltinCodecs;
