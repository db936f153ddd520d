/**
 * The `structured` codec: plain data plus the values JSON loses or mangles: `Date`, `Map`,
 * `Set`, typed arrays (`Uint8Array`, `Float64Array`, ...), `ArrayBuffer`, `bigint` and
 * `undefined`, each read back as what it was (the `binary` format with extension tags, see
 * `tagged.ts`). Like `structuredClone`, it keeps no class other than these, no functions and no
 * symbols; unlike it, it refuses cycles and names where a refused value is.
 *
 * @module
 */
import type { Codec, StructuredData } from './codec.js';
import { decodeTagged, encodeTagged } from './tagged.js';

/**
 * Plain data plus `Date`, `Map`, `Set`, typed arrays, `ArrayBuffer`, `bigint` and `undefined`.
 *
 * @example
 * ```ts
 * import { SharedQueue, type StructuredData } from '@baton/core';
 *
 * const queue = new SharedQueue<StructuredData>({ capacity: 8, codec: 'structured', slotSize: 512 });
 * queue.putSync({ at: new Date(0), ids: new Set([1, 2]), big: 2n ** 70n, pixels: new Uint8Array([1, 2]) });
 * const copy = queue.getSync() as { at: Date; ids: Set<number>; big: bigint; pixels: Uint8Array };
 * console.log(copy.at.toISOString(), copy.ids.has(2), copy.big, copy.pixels[1]);
 * ```
 */
export const structured: Codec<StructuredData> = Object.freeze({
  name: 'structured',
  encode(value: StructuredData, target: Uint8Array): number {
    return encodeTagged('structured', value, target, true);
  },
  decode(source: Uint8Array): StructuredData {
    return decodeTagged('structured', source, true) as StructuredData;
  },
});
