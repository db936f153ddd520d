/**
 * "The value does not fit": how the built-in codecs tell the queue that an encoding failed for
 * lack of room only (and, when they know it, how many bytes the value needs), so that the queue
 * can try a larger buffer (a value spanning slots) or name the value's size in its error.
 * Internal: not exported from the package.
 *
 * @module
 */
import { CodecError } from '../../errors.js';

/** Errors made by {@link doesNotFit}, with the bytes the value needs when known. */
const failures = new WeakMap<CodecError, number | undefined>();

/** A `CodecError` saying only that the value needs more room than `target` had. */
export function doesNotFit(message: string, needed?: number): CodecError {
  const error = new CodecError(message);
  failures.set(error, needed);
  return error;
}

/**
 * Whether `error` came from {@link doesNotFit}: `{ needed }` (the bytes the value needs, when
 * the codec knew it), or `undefined` for any other error.
 */
export function fitFailure(error: unknown): { needed: number | undefined } | undefined {
  if (!(error instanceof CodecError) || !failures.has(error)) return undefined;
  return { needed: failures.get(error) };
}

/** Bytes the UTF-8 encoding of `text` takes (a lone surrogate counts as U+FFFD's 3). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a pair: 2 units, 4 bytes
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}
