/**
 * The text codecs: `utf8` (strings) and `json` (anything `JSON.stringify` accepts).
 *
 * @module
 */
import { CodecError } from '../../errors.js';
import { describe } from '../../options.js';
import type { Codec, JsonValue } from './codec.js';
import { doesNotFit, utf8Length } from './fit.js';

const encoder = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF, which a default TextDecoder drops as a byte-order mark (a
// string or key that starts with one would come back without it).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Encodes `text` as UTF-8 into `target`, or throws `CodecError` when it does not fit. */
export function writeUtf8(text: string, target: Uint8Array, codec: string): number {
  const { read, written } = encoder.encodeInto(text, target);
  if (read !== text.length) {
    throw doesNotFit(
      `${codec} codec: a value of ${text.length} characters does not fit in a ${target.length}-byte slot ` +
        '(pass a larger slotSize to the SharedQueue)',
      utf8Length(text),
    );
  }
  return written;
}

/** Decodes UTF-8 from a private (non-shared) view. */
export function readUtf8(source: Uint8Array): string {
  return decoder.decode(source);
}

/** Whether `text` is valid UTF-16 (no lone surrogate), which UTF-8 can carry. */
function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(text) : loneSurrogateAt(text) === -1;
}

/** Index of the first lone surrogate in `text`, or -1. */
function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}

/** Strings as UTF-8 (a string with a lone surrogate is a `CodecError`). */
export const utf8: Codec<string> = Object.freeze({
  name: 'utf8',
  encode(value: string, target: Uint8Array): number {
    if (typeof value !== 'string') {
      throw new CodecError(`utf8 codec needs a string, got ${describe(value)}`);
    }
    // UTF-8 cannot carry a lone surrogate: TextEncoder would write U+FFFD and the string would
    // come back changed. Refuse it (nothing is written); the json and binary codecs keep it.
    if (!isWellFormed(value)) {
      const at = loneSurrogateAt(value);
      throw new CodecError(
        `utf8 codec cannot encode a string with a lone surrogate (U+${value
          .charCodeAt(at)
          .toString(16)
          .toUpperCase()} at index ${at}); use the json or binary codec to keep it`,
      );
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
