/**
 * Codecs for {@link SharedQueue}: the built-ins and how a name or a codec is resolved.
 *
 * @module
 */
import { describe } from '../../options.js';
import { binary } from './binary.js';
import type { BuiltinCodecName, BuiltinCodecs, Codec } from './codec.js';
import { float64, int32 } from './numbers.js';
import { structured } from './structured.js';
import { json, utf8 } from './text.js';

export type {
  BuiltinCodecName,
  BuiltinCodecs,
  Codec,
  JsonValue,
  PlainData,
  StructuredData,
  TypedArray,
} from './codec.js';

/** The built-in codecs by name: `codecs.float64`, `codecs.binary`, ... */
export const codecs: Readonly<BuiltinCodecs> = Object.freeze({
  float64,
  int32,
  utf8,
  json,
  binary,
  structured,
});

/** Whether `name` names a built-in codec. */
export function isBuiltinCodec(name: unknown): name is BuiltinCodecName {
  return typeof name === 'string' && Object.hasOwn(codecs, name);
}

/**
 * The codec for a `codec` option: a built-in's name, or a {@link Codec} object.
 *
 * @throws TypeError naming the option when it is neither.
 */
export function resolveCodec<T>(codec: unknown): Codec<T> {
  if (isBuiltinCodec(codec)) return codecs[codec] as unknown as Codec<T>;
  if (
    typeof codec === 'object' &&
    codec !== null &&
    typeof (codec as Codec<T>).encode === 'function' &&
    typeof (codec as Codec<T>).decode === 'function' &&
    typeof (codec as Codec<T>).name === 'string'
  ) {
    return codec as Codec<T>;
  }
  throw new TypeError(
    `codec must be one of ${Object.keys(codecs)
      .map((n) => `'${n}'`)
      .join(', ')} or a Codec ` + `object with name, encode and decode, got ${describe(codec)}`,
  );
}
