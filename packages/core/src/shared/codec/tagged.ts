/**
 * The engine of the `binary` and `structured` codecs: a compact tagged encoding in the spirit
 * of MessagePack, written for speed in plain JavaScript (no dependency), so that it beats
 * `JSON.stringify` + UTF-8 on encode and UTF-8 + `JSON.parse` on decode for typical records
 * (see `bench/codec.bench.mjs` and the README for the measured figures).
 *
 * What makes it fast:
 * - one module-level cursor over the target, no per-call objects (no `DataView`, no `Set`);
 * - small values in the tag byte itself (integers -32..127, strings up to 31 bytes, arrays and
 *   objects up to 15 entries), as MessagePack does;
 * - ASCII strings copied char by char (cheaper than `TextEncoder` for short strings); others
 *   through `encodeInto`;
 * - on decode, object keys come from a small cache of recently seen keys (no new string, no
 *   re-hashing into V8's string table for the same key in every record);
 * - the path to a bad value (`$.items[3]`) and cycles are worked out only after a failure,
 *   never on the hot path.
 *
 * Format (multi-byte numbers little-endian):
 *
 * ```
 * 0x00-0x7f  integer 0..127                 0xe0-0xff  integer -32..-1
 * 0x80-0x9f  string of 0..31 UTF-8 bytes    0xa0-0xaf  array of 0..15 items
 * 0xb0-0xbf  object of 0..15 entries (key string, value)
 * 0xc0 null  0xc1 false  0xc2 true  0xc3 int32 (4)  0xc4 float64 (8)
 * 0xc5 string (uint32 length, bytes)  0xc6 array (uint32 count)  0xc7 object (uint32 count)
 * 0xc8 float32 (4; a number that is exactly a float32)
 * 0xc9 string with a lone surrogate (uint32 count, UTF-16 code units)
 * structured only:
 * 0xd0 undefined  0xd1 Date (float64 ms)  0xd2 bigint (sign byte, uint32 length, decimal digits)
 * 0xd3 Map (uint32 count, key, value...)  0xd4 Set (uint32 count, items)
 * 0xd5 typed array (kind byte, uint32 byte length, bytes)  0xd6 ArrayBuffer (uint32 length, bytes)
 * ```
 *
 * @module
 */
import { CodecError } from '../../errors.js';
import { isAscii, SHORT_ASCII, shortAscii } from './ascii.js';
import { doesNotFit } from './fit.js';
import { describe } from '../../options.js';

const NULL = 0xc0;
const FALSE = 0xc1;
const TRUE = 0xc2;
const INT32 = 0xc3;
const FLOAT64 = 0xc4;
const FLOAT32 = 0xc8;
const UTF16 = 0xc9;
const STRING = 0xc5;
const ARRAY = 0xc6;
const OBJECT = 0xc7;
const UNDEFINED = 0xd0;
const DATE = 0xd1;
const BIGINT = 0xd2;
const MAP = 0xd3;
const SET = 0xd4;
const TYPED = 0xd5;
const BUFFER = 0xd6;

/** Nesting deeper than this is refused (and is how a cycle shows itself). */
const MAX_DEPTH = 512;

/** Typed array classes by kind byte (the order is the format: append only). */
const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
type AnyTypedArray = InstanceType<(typeof TYPED_ARRAYS)[number]>;

const encoder = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF, which a default TextDecoder drops as a byte-order mark (a
// string or key that starts with one would come back without it).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
/** Scratch for float64 <-> bytes; the format is little-endian, as every engine we run on. */
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const f32 = new Float32Array(1);
const f32Bytes = new Uint8Array(f32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A value the codec refuses, and (filled in while unwinding) where it is. */
class Refused {
  readonly path: (string | number)[] = [];
  constructor(readonly what: string) {}
}

/** The value does not fit in the target; nothing else is wrong with it. */
class TooBig {}
const TOO_BIG = new TooBig();

// The cursor of the encode under way. Encoding is synchronous and never re-entrant (no user
// code runs inside it: no getters are called, only own enumerable data is read).
let out: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;
let structured = false;

function room(bytes: number): void {
  if (pos + bytes > end) throw TOO_BIG;
}

function writeUint32(at: number, value: number): void {
  out[at] = value;
  out[at + 1] = value >>> 8;
  out[at + 2] = value >>> 16;
  out[at + 3] = value >>> 24;
}

function writeFloat64(value: number): void {
  room(9);
  out[pos] = FLOAT64;
  f64[0] = value;
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) out[pos + 1 + i] = f64Bytes[i]!;
  else for (let i = 0; i < 8; i++) out[pos + 1 + i] = f64Bytes[7 - i]!;
  pos += 9;
}

function writeNumber(value: number): void {
  if ((value | 0) === value && !(value === 0 && 1 / value < 0)) {
    if (value >= -32 && value < 128) {
      room(1);
      out[pos++] = value & 0xff;
    } else {
      room(5);
      out[pos] = INT32;
      writeUint32(pos + 1, value);
      pos += 5;
    }
  } else if (Math.fround(value) === value) {
    // Exactly a float32 (20.5, 0.25, ...; never NaN, which fails ===): 5 bytes instead of 9.
    room(5);
    out[pos] = FLOAT32;
    f32[0] = value;
    if (LITTLE_ENDIAN) for (let i = 0; i < 4; i++) out[pos + 1 + i] = f32Bytes[i]!;
    else for (let i = 0; i < 4; i++) out[pos + 1 + i] = f32Bytes[3 - i]!;
    pos += 5;
  } else {
    writeFloat64(value);
  }
}

function writeString(text: string): void {
  const length = text.length;
  if (length < 32 && pos + 1 + length <= end) {
    // ASCII fast path: one byte per char, length in the tag.
    let p = pos + 1;
    let i = 0;
    for (; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      out[p++] = c;
    }
    if (i === length) {
      out[pos] = 0x80 | length;
      pos = p;
      return;
    }
  }
  if (!isWellFormed(text)) return writeUtf16(text);
  room(5);
  const start = pos + 5;
  const { read, written } = encoder.encodeInto(text, out.subarray(start, end));
  if (read !== length) throw TOO_BIG;
  if (written < 32) {
    out.copyWithin(pos + 1, start, start + written);
    out[pos] = 0x80 | written;
    pos += 1 + written;
  } else {
    out[pos] = STRING;
    writeUint32(pos + 1, written);
    pos = start + written;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` is valid UTF-16 (no lone surrogate), which UTF-8 can carry. */
function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(text) : !LONE_SURROGATE.test(text);
}

/**
 * A string with a lone surrogate, as its UTF-16 code units: UTF-8 would turn the surrogate
 * into U+FFFD, and the string would come back changed (JSON keeps it, so do we).
 */
function writeUtf16(text: string): void {
  room(5 + 2 * text.length);
  out[pos] = UTF16;
  writeUint32(pos + 1, text.length);
  let p = pos + 5;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out[p++] = unit;
    out[p++] = unit >>> 8;
  }
  pos = p;
}

function writeCount(small: number, large: number, count: number): void {
  if (count < 16) {
    room(1);
    out[pos++] = small | count;
  } else {
    room(5);
    out[pos] = large;
    writeUint32(pos + 1, count);
    pos += 5;
  }
}

function writeValue(value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      return writeNumber(value);
    case 'boolean':
      room(1);
      out[pos++] = value ? TRUE : FALSE;
      return;
    case 'object':
      if (value === null) {
        room(1);
        out[pos++] = NULL;
        return;
      }
      if (depth >= MAX_DEPTH) throw new Refused(`data nested deeper than ${MAX_DEPTH} levels`);
      if (Array.isArray(value)) return writeArray(value, depth + 1);
      return writeObject(value, depth + 1);
    case 'undefined':
      if (structured) {
        room(1);
        out[pos++] = UNDEFINED;
        return;
      }
      throw new Refused('undefined');
    case 'bigint':
      if (structured) return writeBigInt(value);
      throw new Refused('a bigint');
    default:
      throw new Refused(describe(value));
  }
}

function writeArray(array: readonly unknown[], depth: number): void {
  const length = array.length;
  writeCount(0xa0, ARRAY, length);
  for (let i = 0; i < length; i++) {
    try {
      if (!(i in array)) throw new Refused('an array hole');
      writeValue(array[i], depth);
    } catch (error) {
      if (error instanceof Refused) error.path.unshift(i);
      throw error;
    }
  }
}

function writeObject(value: object, depth: number): void {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return writeSpecial(value, depth);
  const keys = Object.keys(value);
  const count = keys.length;
  writeCount(0xb0, OBJECT, count);
  for (let i = 0; i < count; i++) {
    const key = keys[i]!;
    writeString(key);
    try {
      writeValue((value as Record<string, unknown>)[key], depth);
    } catch (error) {
      if (error instanceof Refused) error.path.unshift(key);
      throw error;
    }
  }
}

/** Class instances: the structured codec's extensions; the binary codec refuses them. */
function writeSpecial(value: object, depth: number): void {
  if (structured) {
    if (value instanceof Date) {
      writeFloat64(value.getTime());
      out[pos - 9] = DATE;
      return;
    }
    if (value instanceof Map) {
      writeCount(0, MAP, 16); // always the long form: tag + uint32 count
      writeUint32(pos - 4, value.size);
      let i = 0;
      for (const [key, item] of value) {
        try {
          writeValue(key, depth);
          writeValue(item, depth);
        } catch (error) {
          if (error instanceof Refused) error.path.unshift(`<Map entry ${i}>`);
          throw error;
        }
        i++;
      }
      return;
    }
    if (value instanceof Set) {
      writeCount(0, SET, 16);
      writeUint32(pos - 4, value.size);
      let i = 0;
      for (const item of value) {
        try {
          writeValue(item, depth);
        } catch (error) {
          if (error instanceof Refused) error.path.unshift(`<Set item ${i}>`);
          throw error;
        }
        i++;
      }
      return;
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const kind = TYPED_ARRAYS.findIndex((type) => value instanceof type);
      if (kind >= 0) return writeBytes(TYPED, value as AnyTypedArray, kind);
    }
    if (value instanceof ArrayBuffer) return writeBytes(BUFFER, new Uint8Array(value), -1);
  }
  const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  throw new Refused(
    structured
      ? `a ${name} (plain data, Date, Map, Set, typed arrays, ArrayBuffer and bigint only)`
      : `a ${name} (only plain objects and arrays; the structured codec carries Date, Map, Set, typed arrays and bigint)`,
  );
}

function writeBytes(tag: number, view: ArrayBufferView, kind: number): void {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const header = kind >= 0 ? 6 : 5;
  room(header + bytes.length);
  out[pos] = tag;
  if (kind >= 0) out[pos + 1] = kind;
  writeUint32(pos + header - 4, bytes.length);
  out.set(bytes, pos + header);
  pos += header + bytes.length;
}

function writeBigInt(value: bigint): void {
  const digits = (value < 0n ? -value : value).toString();
  room(6 + digits.length);
  out[pos] = BIGINT;
  out[pos + 1] = value < 0n ? 1 : 0;
  writeUint32(pos + 2, digits.length);
  for (let i = 0; i < digits.length; i++) out[pos + 6 + i] = digits.charCodeAt(i);
  pos += 6 + digits.length;
}

/**
 * Encodes `value` into `target` and returns the bytes written.
 *
 * @throws CodecError naming where a refused value is, or saying that the value does not fit.
 */
export function encodeTagged(
  codec: string,
  value: unknown,
  target: Uint8Array,
  withExtensions: boolean,
): number {
  out = target;
  pos = 0;
  end = target.length;
  structured = withExtensions;
  try {
    writeValue(value, 0);
    return pos;
  } catch (error) {
    if (error === TOO_BIG) {
      // A cycle usually runs out of room before it runs out of depth.
      const cycle = findCycle(value);
      if (cycle) throw new CodecError(`${codec} codec cannot encode a cycle at ${where(cycle)}`);
      throw doesNotFit(
        `${codec} codec: the value does not fit in a ${target.length}-byte slot ` +
          '(pass a larger slotSize to the SharedQueue)',
      );
    }
    if (error instanceof Refused) {
      const cycle = error.what.startsWith('data nested') ? findCycle(value) : undefined;
      const [what, path] = cycle ? ['a cycle', cycle] : [error.what, error.path];
      throw new CodecError(`${codec} codec cannot encode ${what} at ${where(path)}`);
    }
    throw error;
  } finally {
    out = new Uint8Array(0); // do not keep the caller's buffer alive
  }
}

/** Where a value is, as `$.items[3]["a key"]`. */
function where(path: readonly (string | number)[]): string {
  let text = '$';
  for (const key of path) {
    text +=
      typeof key === 'number'
        ? `[${key}]`
        : key.startsWith('<')
          ? `.${key}`
          : /^[A-Za-z_$][\w$]*$/.test(key)
            ? `.${key}`
            : `[${JSON.stringify(key)}]`;
  }
  return text;
}

/** The path at which `root` first refers back to one of its ancestors, if it does. */
function findCycle(root: unknown): (string | number)[] | undefined {
  const ancestors = new Set<object>();
  const path: (string | number)[] = [];
  const visit = (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null) return false;
    if (ancestors.has(value)) return true;
    ancestors.add(value);
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [i, item])
      : value instanceof Map
        ? [...value].map(([, item], i) => [`<Map entry ${i}>`, item])
        : value instanceof Set
          ? [...value].map((item, i) => [`<Set item ${i}>`, item])
          : Object.entries(value);
    for (const [key, item] of entries) {
      path.push(key);
      if (visit(item)) return true;
      path.pop();
    }
    ancestors.delete(value);
    return false;
  };
  return visit(root) ? path : undefined;
}

// ---- decoding ------------------------------------------------------------------------------

let src: Uint8Array = new Uint8Array(0);
let at = 0;

/**
 * Recently decoded object keys, by a hash of their bytes: a hit returns the same (internalized)
 * string as last time, which skips both building a string and V8 hashing it into its string
 * table when it becomes a property name.
 */
const KEY_CACHE_SIZE = 4096;
const keyBytes: (Uint8Array | undefined)[] = new Array(KEY_CACHE_SIZE);
const keyStrings: string[] = new Array(KEY_CACHE_SIZE);

function readUint32(): number {
  const value =
    (src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24)) >>> 0;
  at += 4;
  return value;
}

function readFloat64(): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) f64Bytes[i] = src[at + i]!;
  else for (let i = 0; i < 8; i++) f64Bytes[7 - i] = src[at + i]!;
  at += 8;
  return f64[0]!;
}

/** One reusable array per short length, for `String.fromCharCode.apply` (no resizing). */
const charCodes: number[][] = Array.from({ length: 65 }, (_, n) => new Array<number>(n).fill(0));

function readString(length: number): string {
  const start = at;
  at += length;
  // ASCII is the common case of short strings: building it in JS beats a TextDecoder call.
  if (length <= 64 && isAscii(src, start, length)) {
    if (length <= SHORT_ASCII) return shortAscii(src, start, length);
    const codes = charCodes[length]!;
    for (let i = 0; i < length; i++) codes[i] = src[start + i]!;
    return String.fromCharCode.apply(null, codes);
  }
  return decoder.decode(src.subarray(start, at));
}

/** Whether the short string at `at` (tag included) is exactly the ASCII string `key`. */
function isKeyAt(key: string): boolean {
  const length = key.length;
  if (src[at] !== (0x80 | length)) return false;
  const start = at + 1;
  for (let i = 0; i < length; i++) if (src[start + i] !== key.charCodeAt(i)) return false;
  return true;
}

function readKey(): string {
  const tag = src[at]!;
  if (tag < 0x80 || tag > 0x9f) {
    at++;
    if (tag === STRING) return readString(readUint32());
    if (tag === UTF16) {
      at--;
      return readValue() as string;
    }
    throw new CodecError(`tagged data: object key has tag 0x${tag.toString(16)} at byte ${at - 1}`);
  }
  const length = tag & 0x1f;
  const start = at + 1;
  // A cheap hash (length, first, middle and last byte); the bytes are compared on a hit.
  const hash =
    length === 0
      ? 0
      : length * 0x9e3779b1 +
        src[start]! * 0x85ebca6b +
        src[start + (length >> 1)]! * 0xc2b2ae35 +
        src[start + length - 1]! * 0x27d4eb2f;
  const slot = hash & (KEY_CACHE_SIZE - 1);
  const cached = keyBytes[slot];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached[i] !== src[start + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      at = start + length;
      return keyStrings[slot]!;
    }
  }
  at = start;
  const key = readString(length);
  keyBytes[slot] = src.slice(start, start + length);
  keyStrings[slot] = key;
  return key;
}

function readArray(count: number): unknown[] {
  const array = new Array<unknown>(count);
  for (let i = 0; i < count; i++) array[i] = readValue();
  return array;
}

/**
 * Object shapes seen while decoding, as a trie of key sequences. Once a shape has come back a
 * few times it gets a constructor made with `new Function`: an object literal with those keys
 * (`{"id": s[b], "name": s[b + 1]}`), which V8 builds in one step with its final hidden class,
 * instead of growing a `{}` key by key through a generic keyed store. Where code generation is
 * not allowed (a Content-Security-Policy without 'unsafe-eval') objects are built key by key.
 */
interface Shape {
  /** The keys so far, in order. */
  readonly keys: readonly string[];
  /** Child shapes by next key (a short list: compared by identity, keys come from the cache). */
  readonly nextKeys: string[];
  readonly next: Shape[];
  hits: number;
  make: ((values: unknown[], base: number) => Record<string, unknown>) | undefined;
}

const MAX_SHAPES = 4096;
const COMPILE_AFTER = 3;
let shapes = 0;
let compiling = true;
const rootShape: Shape = { keys: [], nextKeys: [], next: [], hits: 0, make: undefined };
/** Keys and values of the objects being decoded, nested ones above their parents. */
const keyStack: string[] = [];
const valueStack: unknown[] = [];
let stackTop = 0;
let stackHigh = 0;

function childShape(shape: Shape, key: string): Shape | undefined {
  const keys = shape.nextKeys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return shape.next[i];
  if (shapes >= MAX_SHAPES || keys.length >= 8) return undefined;
  shapes++;
  const child: Shape = {
    keys: [...shape.keys, key],
    nextKeys: [],
    next: [],
    hits: 0,
    make: undefined,
  };
  keys.push(key);
  shape.next.push(child);
  return child;
}

function compileShape(shape: Shape): Shape['make'] {
  // A literal key "__proto__" would set the prototype: such shapes stay key by key.
  if (shape.keys.includes('__proto__')) return undefined;
  const fields = shape.keys.map((key, i) => `${JSON.stringify(key)}: s[b + ${i}]`).join(', ');
  try {
    shape.make = new Function('s', 'b', `return { ${fields} };`) as Shape['make'];
  } catch {
    compiling = false; // code generation is not allowed here
  }
  return shape.make;
}

function readObject(count: number): Record<string, unknown> {
  const base = stackTop;
  stackTop += count;
  if (stackTop > stackHigh) stackHigh = stackTop;
  let shape: Shape | undefined = rootShape;
  for (let i = 0; i < count; i++) {
    // The shape seen last time usually predicts the key: check its bytes, skip the cache.
    const expected = shape?.nextKeys[0];
    let key: string;
    if (expected !== undefined && expected.length < 32 && isKeyAt(expected)) {
      at += 1 + expected.length;
      key = expected;
      shape = shape!.next[0];
    } else {
      key = readKey();
      if (shape !== undefined) shape = childShape(shape, key);
    }
    keyStack[base + i] = key;
    valueStack[base + i] = readValue();
  }
  stackTop = base;
  if (shape !== undefined) {
    if (shape.make !== undefined) return shape.make(valueStack, base);
    if (++shape.hits === COMPILE_AFTER && compiling) {
      const make = compileShape(shape);
      if (make !== undefined) return make(valueStack, base);
    }
  }
  const object: Record<string, unknown> = {};
  for (let i = base; i < base + count; i++) {
    const key = keyStack[i]!;
    // A key named "__proto__" stays a plain key (assignment would set the prototype).
    if (key === '__proto__') {
      Object.defineProperty(object, key, {
        value: valueStack[i],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      object[key] = valueStack[i];
    }
  }
  return object;
}

function readBytes(length: number): Uint8Array {
  // A copy, so the value owns aligned memory of its own (the source is a scratch view).
  const bytes = src.slice(at, at + length);
  at += length;
  return bytes;
}

function readValue(): unknown {
  const tag = src[at++]!;
  if (tag < 0x80) return tag;
  if (tag < 0xa0) return readString(tag & 0x1f);
  if (tag < 0xb0) return readArray(tag & 0x0f);
  if (tag < 0xc0) return readObject(tag & 0x0f);
  if (tag >= 0xe0) return tag - 0x100;
  switch (tag) {
    case NULL:
      return null;
    case FALSE:
      return false;
    case TRUE:
      return true;
    case INT32: {
      const value = src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24);
      at += 4;
      return value;
    }
    case FLOAT64:
      return readFloat64();
    case FLOAT32: {
      if (LITTLE_ENDIAN) for (let i = 0; i < 4; i++) f32Bytes[i] = src[at + i]!;
      else for (let i = 0; i < 4; i++) f32Bytes[3 - i] = src[at + i]!;
      at += 4;
      return f32[0]!;
    }
    case STRING:
      return readString(readUint32());
    case UTF16: {
      const length = readUint32();
      let text = '';
      for (let i = 0; i < length; i++, at += 2)
        text += String.fromCharCode(src[at]! | (src[at + 1]! << 8));
      return text;
    }
    case ARRAY:
      return readArray(readUint32());
    case OBJECT:
      return readObject(readUint32());
  }
  if (structured) {
    switch (tag) {
      case UNDEFINED:
        return undefined;
      case DATE:
        return new Date(readFloat64());
      case BIGINT: {
        const negative = src[at++] === 1;
        const digits = readString(readUint32());
        const magnitude = BigInt(digits);
        return negative ? -magnitude : magnitude;
      }
      case MAP: {
        const count = readUint32();
        const map = new Map<unknown, unknown>();
        for (let i = 0; i < count; i++) {
          const key = readValue();
          map.set(key, readValue());
        }
        return map;
      }
      case SET: {
        const count = readUint32();
        const set = new Set<unknown>();
        for (let i = 0; i < count; i++) set.add(readValue());
        return set;
      }
      case TYPED: {
        const type = TYPED_ARRAYS[src[at++]!];
        const bytes = readBytes(readUint32());
        if (type === undefined) break;
        return new type(bytes.buffer as ArrayBuffer, 0, bytes.length / type.BYTES_PER_ELEMENT);
      }
      case BUFFER:
        return readBytes(readUint32()).buffer;
    }
  }
  throw new CodecError(`tagged data: unknown tag 0x${tag.toString(16)} at byte ${at - 1}`);
}

/**
 * Decodes what {@link encodeTagged} wrote.
 *
 * @throws CodecError on an unknown tag or truncated data.
 */
export function decodeTagged(codec: string, source: Uint8Array, withExtensions: boolean): unknown {
  src = source;
  at = 0;
  structured = withExtensions;
  try {
    const value = readValue();
    if (at !== source.length) {
      throw new CodecError(
        `${codec} codec: ${at > source.length ? 'truncated data' : 'trailing bytes'} ` +
          `(read ${at} of ${source.length} bytes)`,
      );
    }
    return value;
  } catch (error) {
    if (error instanceof CodecError && error.message.startsWith('tagged data')) {
      throw new CodecError(`${codec} codec: ${error.message.slice('tagged data: '.length)}`);
    }
    throw error;
  } finally {
    src = new Uint8Array(0);
    stackTop = 0;
    // Do not keep the decoded values alive through the scratch stacks.
    valueStack.fill(undefined, 0, stackHigh);
    stackHigh = 0;
  }
}
