/**
 * The text codecs: `utf8` (strings) and `json` (anything `JSON.stringify` accepts).
 *
 * @module
 */
import { CodecError } from '../../errors.js';
import { describe } from '../../options.js';
import type { Codec, JsonValue } from './codec.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes `text` as UTF-8 into `target`, or throws `CodecError` when it does not fit. */
export function writeUtf8(text: string, target: Uint8Array, codec: string): number {
  const { read, written } = encoder.encodeInto(text, target);
  if (read !== text.length) {
    throw new CodecError(
      `${codec} codec: a value of ${text.length} characters does not fit in a ${target.length}-byte slot ` +
        '(pass a larger slotSize to the SharedQueue)',
    );
  }
  return written;
}

/** Decodes UTF-8 from a private (non-shared) view. */
export function readUtf8(source: Uint8Array): string {
  return decoder.decode(source);
}

/** Strings as UTF-8. */
export const utf8: Codec<string> = Object.freeze({
  name: 'utf8',
  encode(value: string, target: Uint8Array): number {
    if (typeof value !== 'string') {
      throw new CodecError(`utf8 codec needs a string, got ${describe(value)}`);
    }
    return writeUtf8(value, target, 'utf8');
  },
  decode: readUtf8,
});

/** JSON text as UTF-8: whatever `JSON.stringify` accepts, read back with `JSON.parse`. */
export const json: Codec<JsonValue> = Object.freeze({
  name: 'json',
  encode(value: JsonValue, target: Uint8Array): number {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new CodecError(`json codec cannot encode the value: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (text === undefined) {
      throw new CodecError(`json codec cannot encode ${describe(value)}`);
    }
    return writeUtf8(text, target, 'json');
  },
  decode(source: Uint8Array): JsonValue {
    return JSON.parse(readUtf8(source)) as JsonValue;
  },
});
