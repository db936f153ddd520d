/**
 * Short ASCII strings from bytes, without a decoder call or an array.
 *
 * Most strings in records are short and ASCII (names, codes, enums, keys). A `TextDecoder`
 * call costs more than the string, and `String.fromCharCode.apply` over a scratch array
 * costs a copy into the array and a generic call; `String.fromCharCode` with the codes as
 * arguments is the cheapest way V8 offers to build such a string (measured on the bench's
 * order record: the binary codec's decode 5-7% faster than with `apply`, medians of
 * alternating runs).
 *
 * @module
 */

/** The longest string {@link shortAscii} builds. */
export const SHORT_ASCII = 16;

const fcc = String.fromCharCode;

/**
 * Whether bytes `start .. start + length - 1` of `bytes` are all ASCII (below 0x80).
 */
export function isAscii(bytes: Uint8Array, start: number, length: number): boolean {
  let or = 0;
  for (let i = start; i < start + length; i++) or |= bytes[i]!;
  return or < 0x80;
}

/**
 * The string of `length` (at most {@link SHORT_ASCII}) ASCII bytes of `bytes` from `start`;
 * the caller has checked them with {@link isAscii}.
 */
export function shortAscii(s: Uint8Array, p: number, n: number): string {
  // Loads in groups of four and a call with as many arguments as there are characters: no
  // loop, no array. (One-letter names keep the sixteen-argument calls readable.)
  if (n < 4) {
    if (n === 0) return '';
    const a = s[p]!;
    if (n === 1) return fcc(a);
    const b = s[p + 1]!;
    return n === 2 ? fcc(a, b) : fcc(a, b, s[p + 2]!);
  }
  const a = s[p]!;
  const b = s[p + 1]!;
  const c = s[p + 2]!;
  const d = s[p + 3]!;
  if (n < 8) {
    if (n === 4) return fcc(a, b, c, d);
    const e = s[p + 4]!;
    if (n === 5) return fcc(a, b, c, d, e);
    const f = s[p + 5]!;
    return n === 6 ? fcc(a, b, c, d, e, f) : fcc(a, b, c, d, e, f, s[p + 6]!);
  }
  const e = s[p + 4]!;
  const f = s[p + 5]!;
  const g = s[p + 6]!;
  const h = s[p + 7]!;
  if (n < 12) {
    if (n === 8) return fcc(a, b, c, d, e, f, g, h);
    const i = s[p + 8]!;
    if (n === 9) return fcc(a, b, c, d, e, f, g, h, i);
    const j = s[p + 9]!;
    return n === 10
      ? fcc(a, b, c, d, e, f, g, h, i, j)
      : fcc(a, b, c, d, e, f, g, h, i, j, s[p + 10]!);
  }
  const i = s[p + 8]!;
  const j = s[p + 9]!;
  const k = s[p + 10]!;
  const l = s[p + 11]!;
  if (n === 12) return fcc(a, b, c, d, e, f, g, h, i, j, k, l);
  const m = s[p + 12]!;
  if (n === 13) return fcc(a, b, c, d, e, f, g, h, i, j, k, l, m);
  const o = s[p + 13]!;
  if (n === 14) return fcc(a, b, c, d, e, f, g, h, i, j, k, l, m, o);
  const q = s[p + 14]!;
  if (n === 15) return fcc(a, b, c, d, e, f, g, h, i, j, k, l, m, o, q);
  return fcc(a, b, c, d, e, f, g, h, i, j, k, l, m, o, q, s[p + 15]!);
}
