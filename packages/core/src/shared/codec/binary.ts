/**
 * The `binary` codec: a compact tagged encoding of plain data (numbers, strings, booleans,
 * null, arrays and plain objects), smaller and faster than JSON for typical records.
 *
 * Format, one tag byte per value:
 *
 * ```
 * 0 null  1 false  2 true
 * 3 int32 (4 bytes, little-endian)     4 float64 (8 bytes)
 * 5 short string (1-byte length, UTF-8) 6 string (4-byte length, UTF-8)
 * 7 array (varint count, items)        8 object (varint count, then key string + value each)
 * ```
 *
 * Anything else (undefined, functions, symbols, bigints, class instances such as Date or Map,
 * cycles, array holes) is refused with a `CodecError` naming where it is, e.g. `$.items[3]`.
 *
 * @module
 */
import { CodecError } from '../../errors.js';
import { describe } from '../../options.js';
import type { Codec, PlainData } from './codec.js';
import { readUtf8 } from './text.js';

const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const INT32 = 3;
const FLOAT64 = 4;
const SHORT_STRING = 5;
const STRING = 6;
const ARRAY = 7;
const OBJECT = 8;

const encoder = new TextEncoder();
const MAX_DEPTH = 512;

class Writer {
  pos = 0;
  readonly view: DataView;
  readonly path: (string | number)[] = [];
  readonly ancestors = new Set<object>();

  constructor(readonly target: Uint8Array) {
    this.view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  }

  room(bytes: number): void {
    if (this.pos + bytes > this.target.length) {
      throw new CodecError(
        `binary codec: the value does not fit in a ${this.target.length}-byte slot ` +
          '(pass a larger slotSize to the SharedQueue)',
      );
    }
  }

  fail(what: string): never {
    throw new CodecError(`binary codec cannot encode ${what} at ${this.where()}`);
  }

  where(): string {
    let out = '$';
    for (const key of this.path) {
      out +=
        typeof key === 'number'
          ? `[${key}]`
          : /^[A-Za-z_$][\w$]*$/.test(key)
            ? `.${key}`
            : `[${JSON.stringify(key)}]`;
    }
    return out;
  }

  byte(value: number): void {
    this.room(1);
    this.target[this.pos++] = value;
  }

  varint(value: number): void {
    while (value >= 0x80) {
      this.byte((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
    }
    this.byte(value);
  }

  string(text: string): void {
    // A string of n UTF-16 units takes at most 3n UTF-8 bytes: short ones get a 1-byte length.
    const short = text.length * 3 < 256;
    const lengthBytes = short ? 1 : 4;
    this.room(1 + lengthBytes);
    this.target[this.pos] = short ? SHORT_STRING : STRING;
    const start = this.pos + 1 + lengthBytes;
    const { read, written } = encoder.encodeInto(text, this.target.subarray(start));
    if (read !== text.length) this.room(this.target.length + 1); // throws "does not fit"
    if (short) this.target[this.pos + 1] = written;
    else this.view.setUint32(this.pos + 1, written, true);
    this.pos = start + written;
  }

  value(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'number':
        if (
          Number.isInteger(value) &&
          value >= -0x80000000 &&
          value <= 0x7fffffff &&
          !Object.is(value, -0)
        ) {
          this.room(5);
          this.target[this.pos] = INT32;
          this.view.setInt32(this.pos + 1, value, true);
          this.pos += 5;
        } else {
          this.room(9);
          this.target[this.pos] = FLOAT64;
          this.view.setFloat64(this.pos + 1, value, true);
          this.pos += 9;
        }
        return;
      case 'string':
        return this.string(value);
      case 'boolean':
        return this.byte(value ? TRUE : FALSE);
      case 'object':
        if (value === null) return this.byte(NULL);
        return this.container(value, depth);
      default:
        return this.fail(describe(value));
    }
  }

  container(value: object, depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`data nested deeper than ${MAX_DEPTH} levels`);
    if (this.ancestors.has(value)) this.fail('a cycle');
    this.ancestors.add(value);
    if (Array.isArray(value)) {
      this.byte(ARRAY);
      this.varint(value.length);
      for (let i = 0; i < value.length; i++) {
        this.path.push(i);
        if (!(i in value)) this.fail('an array hole');
        this.value(value[i], depth + 1);
        this.path.pop();
      }
    } else {
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        this.fail(`a ${name} (only plain objects and arrays)`);
      }
      const keys = Object.keys(value);
      this.byte(OBJECT);
      this.varint(keys.length);
      for (const key of keys) {
        this.path.push(key);
        this.string(key);
        this.value((value as Record<string, unknown>)[key], depth + 1);
        this.path.pop();
      }
    }
    this.ancestors.delete(value);
  }
}

class Reader {
  pos = 0;
  readonly view: DataView;

  constructor(readonly source: Uint8Array) {
    this.view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.byte();
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  }

  byte(): number {
    if (this.pos >= this.source.length) throw new CodecError('binary codec: truncated data');
    return this.source[this.pos++]!;
  }

  string(tag: number): string {
    let length: number;
    if (tag === SHORT_STRING) length = this.byte();
    else {
      length = this.view.getUint32(this.pos, true);
      this.pos += 4;
    }
    const text = readUtf8(this.source.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }

  value(): PlainData {
    const tag = this.byte();
    switch (tag) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case INT32: {
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case FLOAT64: {
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case SHORT_STRING:
      case STRING:
        return this.string(tag);
      case ARRAY: {
        const count = this.varint();
        const out: PlainData[] = [];
        for (let i = 0; i < count; i++) out.push(this.value());
        return out;
      }
      case OBJECT: {
        const count = this.varint();
        const out: Record<string, PlainData> = {};
        for (let i = 0; i < count; i++) {
          const keyTag = this.byte();
          const key = this.string(keyTag);
          // defineProperty, so that a key named "__proto__" stays a plain key.
          Object.defineProperty(out, key, {
            value: this.value(),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      default:
        throw new CodecError(`binary codec: unknown tag ${tag} at byte ${this.pos - 1}`);
    }
  }
}

/** Plain data (numbers, strings, booleans, null, arrays, plain objects) in a compact binary form. */
export const binary: Codec<PlainData> = Object.freeze({
  name: 'binary',
  encode(value: PlainData, target: Uint8Array): number {
    const writer = new Writer(target);
    writer.value(value, 0);
    return writer.pos;
  },
  decode(source: Uint8Array): PlainData {
    return new Reader(source).value();
  },
});
