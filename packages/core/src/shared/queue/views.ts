/**
 * Views of runs of a typed array, made once and kept, so that a number lane copies a run of
 * slots with one memory copy (`TypedArray.prototype.set`) and no allocation once the views of a
 * stream exist.
 *
 * `set` copies the whole of its source, so a run of an array (part of a batch, or the slots
 * before and after the end of the ring) needs a view of exactly that run. Made per copy, such a
 * view is an object per batch, and every object made is a collection to come that stops this
 * agent. Copied element by element instead, it is slow: in Node 20, 256 float64 values took 950
 * ns into a SharedArrayBuffer that way against 234 ns with `set` (64 values: 122 against 45),
 * and a one-thread loop of 256-batch pairs through 1,024 slots ran 1.04-1.10x faster with kept
 * views when its batches started 64 slots in (one in four wraps). A stream of batches of one
 * size meets about 2 * capacity / gcd(capacity, batch size) runs (where a batch starts, the
 * part of a batch that fits before the end, and the rest): 8 for batches of 256 through 1,024
 * slots, 256 for batches of 200. So a bounded set of kept views covers the streams that repeat;
 * past the bound ({@link VIEWS_KEPT} per array), a run is copied element by element, as before,
 * and nothing more is allocated.
 *
 * @module
 */

/** A typed array a number lane copies from or into. */
export type NumberArray = Float64Array | Int32Array;

/*
 * The built-in accessors of typed arrays, taken when this module loads. A caller's array of
 * exactly the lane's kind may still carry properties of its own: `length`, or a `constructor`
 * whose species `subarray` would call. Read through the array, either runs the caller's code,
 * and under a claim a throw there would leave the claim unpublished for others to wait on. The
 * accessors read the array's internal slots instead, and a view made with the constructor taken
 * here consults no species.
 */
const TYPED_ARRAY = Object.getPrototypeOf(Int8Array.prototype) as object;
const accessor = (key: PropertyKey): ((this: unknown) => unknown) =>
  Object.getOwnPropertyDescriptor(TYPED_ARRAY, key)!.get!;
const LENGTH = accessor('length');
const BUFFER = accessor('buffer');
const BYTE_OFFSET = accessor('byteOffset');
const TAG = accessor(Symbol.toStringTag);
const SET = (TYPED_ARRAY as { set: (this: unknown, source: unknown, offset: number) => void }).set;
const FLOAT64 = Float64Array;
const INT32 = Int32Array;

/** The length of `array` from its internal slot (no getter of the caller's runs). */
export function lengthOf(array: NumberArray): number {
  return LENGTH.call(array) as number;
}

/**
 * The kind of typed array `values` is, by its internal name (`'Float64Array'`, ...), whatever
 * its prototype; `undefined` for anything else (a Proxy of a typed array included).
 */
export function kindOf(values: unknown): string | undefined {
  return TAG.call(values) as string | undefined;
}

/** Copies `source` into `into` from `at` with the built-in `set` (not one of `into`'s own). */
export function copyInto(into: NumberArray, source: NumberArray, at: number): void {
  SET.call(into, source, at);
}

/**
 * The length of `values` from its internal slot when it is a typed array (of any kind), else
 * `undefined`. Runs no code of the caller's.
 */
export function typedLength(values: unknown): number | undefined {
  // The tag accessor answers `undefined`, without throwing, for anything but a typed array.
  return TAG.call(values) === undefined ? undefined : (LENGTH.call(values) as number);
}

/** A new view of `length` elements of `array` from `start`, made without `subarray`'s species. */
function viewOf(array: NumberArray, start: number, length: number): NumberArray {
  const buffer = BUFFER.call(array) as ArrayBufferLike;
  const offset = BYTE_OFFSET.call(array) as number;
  return TAG.call(array) === 'Float64Array'
    ? new FLOAT64(buffer, offset + start * 8, length)
    : new INT32(buffer, offset + start * 4, length);
}

/** Most views kept per array (see the top). */
export const VIEWS_KEPT = 256;

/** Buckets of {@link RunViews}' recent views: 2 ** RECENT_BITS. */
const RECENT_BITS = 4;
const RECENT = 1 << RECENT_BITS;

/**
 * The bucket of {@link RunViews}' recent views that the run of `length` elements from `start`
 * goes to: the top bits of a multiplicative (Fibonacci) hash. The runs of a stream start at
 * multiples of its batch size, often a power of two, whose low bits are all zero: the sum of the
 * start and seven lengths, masked, which this replaced, put all four runs of 256-item batches
 * through 1,024 slots into one bucket, so every get of such a stream looked in the map.
 *
 * @internal
 */
export function recentBucket(start: number, length: number): number {
  return Math.imul(start * 31 + length, 0x9e3779b1) >>> (32 - RECENT_BITS);
}

/** The views of one array, by the index each starts at. */
export class RunViews {
  private readonly byStart = new Map<number, NumberArray[]>();
  private kept = 0;
  /**
   * The last view found in each of {@link RECENT} buckets (by start and length), with its start
   * and length, looked at before the map: a stream meets a handful of runs over and over, and
   * the map's lookup was 9 ns of a 256-item put and get of 312 ns in one thread (Node 20).
   */
  private readonly recent: (NumberArray | undefined)[] = new Array<NumberArray | undefined>(
    RECENT,
  ).fill(undefined);
  // Float64: a caller's array may hold 2 ** 32 elements or more, whose starts an Int32Array would wrap.
  private readonly recentStart = new Float64Array(RECENT).fill(-1);
  private readonly recentLength = new Int32Array(RECENT);

  /**
   * @param array - the array the views are of.
   * @param limit - how many views are kept at most (never dropped: replacing views would make
   *   an object per batch for runs of changing lengths).
   */
  constructor(
    readonly array: NumberArray,
    private readonly limit = VIEWS_KEPT,
  ) {}

  /**
   * The view of `length` elements from `start` (inside the array), the same object every time;
   * `undefined` when it was never made and {@link limit} views are kept already.
   */
  run(start: number, length: number): NumberArray | undefined {
    const bucket = recentBucket(start, length);
    if (this.recentStart[bucket] === start && this.recentLength[bucket] === length) {
      return this.recent[bucket];
    }
    const view = this.find(start, length);
    if (view !== undefined) {
      this.recent[bucket] = view;
      this.recentStart[bucket] = start;
      this.recentLength[bucket] = length;
    }
    return view;
  }

  private find(start: number, length: number): NumberArray | undefined {
    const views = this.byStart.get(start);
    if (views !== undefined) {
      // An indexed loop: a for-of would make an iterator until the code is optimized.
      for (let i = 0; i < views.length; i++) if (views[i]!.length === length) return views[i];
    }
    if (this.kept >= this.limit) return undefined;
    const view = viewOf(this.array, start, length);
    if (views === undefined) this.byStart.set(start, [view]);
    else views.push(view);
    this.kept++;
    return view;
  }
}

/**
 * Kept views of the arrays callers pass in, one {@link RunViews} per array for as long as the
 * caller keeps the array (a producer usually fills and puts the same one, batch after batch).
 * An array gets its views from the second call that needs a run of it on: one seen once (a
 * fresh array per call, or a lane's own copy of a plain array) would only leave garbage behind,
 * so its runs are copied element by element.
 */
export class CallerViews {
  private readonly byArray = new WeakMap<NumberArray, RunViews>();
  /**
   * The array the last call that found no views needed a run of. (Held until the next such
   * call, as the lane's reused batch record holds the last array put.)
   */
  private last: NumberArray | undefined;

  /** @param limit - views kept per array (see {@link RunViews}). */
  constructor(private readonly limit = VIEWS_KEPT) {}

  /**
   * The view of `length` elements of `array` from `start`, as {@link RunViews.run};
   * `undefined` the first time an array needs one.
   */
  run(array: NumberArray, start: number, length: number): NumberArray | undefined {
    let views = this.byArray.get(array);
    if (views === undefined) {
      if (this.last !== array) {
        this.last = array;
        return undefined;
      }
      views = new RunViews(array, this.limit);
      this.byArray.set(array, views);
    }
    return views.run(start, length);
  }
}
