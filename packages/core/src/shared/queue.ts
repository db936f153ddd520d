/**
 * {@link SharedQueue}: a bounded multi-producer multi-consumer FIFO queue in shared memory.
 *
 * @module
 */
import { ClosedError, CodecError } from '../errors.js';
import type { CloseOptions, QueueLike, TryGetResult } from '../interfaces.js';
import { EMPTY } from '../interfaces.js';
import { checkPositiveInteger, describe, type WaitOptions } from '../options.js';
import { emit, tracing } from '../trace/tracer.js';
import {
  blockAsync,
  blockSync,
  checkWait,
  fromState,
  IN_WORD,
  isOpening,
  openState,
  stateFor,
  type Attempt,
  type CheckedWait,
  type SharedNameOptions,
  wakeAll,
} from './base.js';
import {
  codecs,
  isBuiltinCodec,
  resolveCodec,
  type BuiltinCodecName,
  type Codec,
} from './codec/index.js';
import { checkFloat64, checkInt32 } from './codec/numbers.js';
import { HandleError } from '../errors.js';
import { HEADER_WORDS, type SharedHandle } from './handle.js';
import { SharedPrimitive } from './primitive.js';
import { CLOSED, MAX_CAPACITY, Ring } from './ring.js';
import { checkCanBlock, SpinBudget } from './wait.js';

// ---- Layout (Int32 word indices) ----
const CAPACITY = HEADER_WORDS;
const SLOT_SIZE = HEADER_WORDS + 1;
const LANE = HEADER_WORDS + 2;
// Word HEADER_WORDS + 3 is unused: `close({ immediate: true })` marks the ring's head instead
// (see Ring.closeGets), which costs gets no extra load.
/**
 * Sequence words consumers / producers sleep on, named for the predicate as in CPython's
 * queue.py. Their low bit says "someone announced they will sleep" ({@link IN_WORD}): a producer
 * that published an item, or a consumer that freed a slot, wakes the other side only then, so a
 * busy queue makes no system calls at all.
 */
const NOT_EMPTY = HEADER_WORDS + 4;
const NOT_FULL = HEADER_WORDS + 5;
/** head and tail live on cache lines of their own (64 bytes apart), so producers and
 * consumers do not invalidate each other's line on every claim. */
const HEAD = 16;
const TAIL = 32;
const STAMPS = 48;

/** How values are stored: a typed lane for the number codecs, bytes + length otherwise. */
const BYTES_LANE = 0;
const FLOAT64_LANE = 1;
const INT32_LANE = 2;

/** Default slot size for variable-size codecs, in bytes. */
export const DEFAULT_SLOT_SIZE = 256;
/** Largest slot size (16 MiB). */
export const MAX_SLOT_SIZE = 1 << 24;
/** Largest total size of the slots (1 GiB). */
const MAX_DATA_BYTES = 1 << 30;

/** Options of `new SharedQueue()`. */
export interface SharedQueueOptions<T> extends SharedNameOptions {
  /** Maximum number of items, a positive integer up to 2^24. */
  capacity: number;
  /** How values become bytes: a built-in codec's name or a {@link Codec} object. */
  codec: Codec<T> | BuiltinCodecName;
  /**
   * Bytes per slot for variable-size codecs (`utf8`, `json`, `binary`, custom codecs without
   * `fixedSize`); default 256. A value whose encoding is larger is refused with `CodecError`.
   */
  slotSize?: number;
}

/** The handle of a {@link SharedQueue}. */
export interface SharedQueueHandle extends SharedHandle<'SharedQueue'> {
  readonly capacity: number;
  readonly slotSize: number;
  /** The codec's name; a built-in codec is found again by it. */
  readonly codec: string;
}

/** Words per slot in the ring: number lanes keep the value beside the stamp. */
function strideOf(lane: number): number {
  return lane === FLOAT64_LANE ? 4 : lane === INT32_LANE ? 2 : 1;
}

/**
 * Where things are: number lanes interleave `[stamp, (pad,) value]` per slot (16 bytes for
 * float64, 8 for int32); the bytes lane has stamps, then lengths, then `slotSize`-byte slots.
 */
function layout(
  capacity: number,
  lane: number,
  slotSize: number,
): { dataOffset: number; bytes: number } {
  const words = STAMPS + capacity * strideOf(lane) + (lane === BYTES_LANE ? capacity : 0);
  const dataOffset = (words * 4 + 7) & ~7;
  const data = lane === BYTES_LANE ? capacity * slotSize : 0;
  return { dataOffset, bytes: (dataOffset + data + 7) & ~7 };
}

function laneOf(codec: Codec<unknown>): number {
  if (codec === codecs.float64) return FLOAT64_LANE;
  if (codec === codecs.int32) return INT32_LANE;
  return BYTES_LANE;
}

/**
 * A bounded FIFO queue in shared memory for many producers and many consumers in any agents,
 * like Python's `queue.Queue(maxsize)`, with values carried through a {@link Codec}.
 *
 * - **FIFO**: items come out in the order their puts took effect; each producer's items keep
 *   its order. Every item is taken exactly once.
 * - **Bounded**: `put` waits while the queue is full (backpressure), `get` while it is empty.
 *   Both have blocking forms for workers (`putSync`, `getSync`) and async forms for any agent.
 * - **Close** as in-thread `Queue` (Python 3.13 `shutdown`): later puts throw `ClosedError`,
 *   gets drain what is left and then throw `ClosedError`; `close({ immediate: true })` drops
 *   the rest.
 * - **Codecs**: `float64` and `int32` values live in typed slots; `utf8`, `json`, `binary` and
 *   custom codecs use byte slots of `slotSize` bytes. A value that cannot be encoded, or does
 *   not fit, is refused with `CodecError` before anything is written; the queue stays usable.
 * - **Memory**: everything a producer did before `put` is visible to the consumer after the
 *   `get` that returns the item.
 * - **Batches**: `putMany` / `getMany` move many items per claim, for throughput.
 * - **Undecodable items are never lost**: a get whose item the codec cannot decode throws a
 *   `CodecError` whose `bytes` property holds a copy of the item's bytes (and whose `cause` is
 *   the codec's error). A batch get behaves as that many single gets: `getMany` returns the
 *   items before the undecodable one; this queue object keeps the items it already took out of
 *   the ring after them, and its next gets deliver them in order (the undecodable one first, as
 *   that `CodecError`), before taking anything else from the ring.
 *
 * The ring is crossbeam-channel's bounded array (see `ring.ts`); sleeping uses one sequence
 * word per predicate (`not_empty`, `not_full`) and only calls `Atomics.notify` when someone
 * sleeps.
 *
 * @example
 * ```ts
 * // main thread (Node)
 * const queue = new SharedQueue<number>({ capacity: 64, codec: 'float64', name: 'readings' });
 * const worker = new Worker(new URL('./consumer.mjs', import.meta.url), { workerData: queue.handle });
 * for (let i = 0; i < 1000; i++) await queue.put(i);
 * queue.close();
 *
 * // consumer.mjs
 * const queue = SharedQueue.from(workerData);
 * for (;;) {
 *   try { handle(queue.getSync()); } catch (e) { if (e instanceof ClosedError) break; throw e; }
 * }
 * ```
 */
export class SharedQueue<T = unknown>
  extends SharedPrimitive<'SharedQueue'>
  implements QueueLike<T>
{
  readonly kind = 'SharedQueue' as const;
  /** Maximum number of items. */
  readonly capacity: number;
  /** Bytes per slot. */
  readonly slotSize: number;
  /** The codec values pass through. */
  readonly codec: Codec<T>;
  private readonly ring: Ring;
  private readonly lane: number;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly valueBase: number;
  private readonly bytes: Uint8Array;
  private readonly lengths: number;
  private readonly scratch: Uint8Array;
  /**
   * Items a batch get took out of the ring but did not return because an item before them
   * failed to decode (see {@link getMany}); every get of this object delivers them first, in
   * order. `null` when empty, so the fast path costs one load.
   */
  private carry: Carried<T>[] | null = null;
  private carryAt = 0;
  /** How long this agent's puts / gets spin before sleeping (see {@link SpinBudget}). */
  private readonly putSpin = new SpinBudget();
  private readonly getSpin = new SpinBudget();

  /**
   * @throws RangeError / TypeError naming `capacity`, `slotSize` or `codec` when invalid.
   */
  constructor(options: SharedQueueOptions<T>) {
    const opening = isOpening();
    let codec: Codec<T>;
    let capacity = 0;
    let slotSize = 0;
    let lane = BYTES_LANE;
    if (!opening) {
      if (typeof options !== 'object' || options === null) {
        throw new TypeError(
          `SharedQueue needs options { capacity, codec }, got ${describe(options)}`,
        );
      }
      capacity = checkCapacity(options.capacity);
      codec = resolveCodec<T>(options.codec);
      lane = laneOf(codec as Codec<unknown>);
      slotSize = checkSlotSize(codec, options.slotSize);
      if (capacity * slotSize > MAX_DATA_BYTES) {
        throw new RangeError(
          `capacity x slotSize must be at most ${MAX_DATA_BYTES} bytes, got ${capacity} x ${slotSize}`,
        );
      }
    } else {
      codec = openingCodec as Codec<T>;
    }
    const state = stateFor(
      'SharedQueue',
      opening ? 0 : layout(capacity, lane, slotSize).bytes,
      options,
    );
    super(state);
    const cells = this.cells;
    if (state.created) {
      cells[CAPACITY] = capacity;
      cells[SLOT_SIZE] = slotSize;
      cells[LANE] = lane;
    } else {
      capacity = cells[CAPACITY]!;
      slotSize = cells[SLOT_SIZE]!;
      lane = cells[LANE]!;
    }
    this.capacity = capacity;
    this.slotSize = slotSize;
    this.codec = codec;
    this.lane = lane;
    this.ring = new Ring(
      cells,
      { head: HEAD, tail: TAIL, stamps: STAMPS, stride: strideOf(lane) },
      capacity,
    );
    if (state.created) this.ring.init();
    const { dataOffset } = layout(capacity, lane, slotSize);
    this.lengths = STAMPS + capacity;
    // Number lanes: slot i's value is lane[valueBase + i * 2] (beside the slot's stamp).
    this.f64 = new Float64Array(
      this.buffer,
      0,
      lane === FLOAT64_LANE ? this.buffer.byteLength >> 3 : 0,
    );
    this.i32 = cells;
    this.valueBase = lane === FLOAT64_LANE ? STAMPS / 2 + 1 : STAMPS + 1;
    this.bytes = new Uint8Array(
      this.buffer,
      dataOffset,
      lane === BYTES_LANE ? capacity * slotSize : 0,
    );
    this.scratch = new Uint8Array(lane === BYTES_LANE ? slotSize : 0);
    if (state.created && tracing()) emit(this, 'created', { capacity, codec: codec.name });
  }

  /**
   * Rebuilds a queue from its `handle` in this agent. A built-in codec is found by the name in
   * the handle; a custom codec must be passed again (its name must match).
   *
   * @throws HandleError when `handle` is not a SharedQueue's handle, or the codec is missing or
   *   has another name.
   */
  static from<T = unknown>(handle: SharedQueueHandle, codec?: Codec<T>): SharedQueue<T> {
    const state = openState(handle, 'SharedQueue');
    const name = (handle as Partial<SharedQueueHandle>).codec;
    let resolved: Codec<T>;
    if (codec !== undefined) {
      resolved = resolveCodec<T>(codec);
      if (resolved.name !== name) {
        throw new HandleError(
          `SharedQueue.from(): the queue uses codec '${name}', got codec '${resolved.name}'`,
        );
      }
    } else if (isBuiltinCodec(name)) {
      resolved = codecs[name] as unknown as Codec<T>;
    } else {
      throw new HandleError(
        `SharedQueue.from(): the queue uses the custom codec ${describe(name)}; pass it: SharedQueue.from(handle, codec)`,
      );
    }
    const cells = new Int32Array(state.buffer, 0, STAMPS);
    const lane = cells[LANE]!;
    if (lane !== laneOf(resolved as Codec<unknown>)) {
      throw new HandleError(
        `SharedQueue.from(): codec '${resolved.name}' does not match the queue's slots`,
      );
    }
    if (state.buffer.byteLength < layout(cells[CAPACITY]!, lane, cells[SLOT_SIZE]!).bytes) {
      throw new HandleError(
        'SharedQueue.from(): the buffer is too small for the queue it describes',
      );
    }
    openingCodec = resolved;
    try {
      return fromState(
        state,
        () => new SharedQueue<T>(undefined as unknown as SharedQueueOptions<T>),
      );
    } finally {
      openingCodec = undefined;
    }
  }

  /** Send this with `postMessage`; rebuild the queue with `SharedQueue.from(handle)`. */
  override get handle(): SharedQueueHandle {
    return {
      ...super.handle,
      capacity: this.capacity,
      slotSize: this.slotSize,
      codec: this.codec.name,
    };
  }

  /** Number of items in the queue now. */
  get size(): number {
    return this.ring.size;
  }

  /** Whether `close()` was called (by any agent). */
  get closed(): boolean {
    return this.ring.closed;
  }

  // ------------------------------------------------------------------ put

  /**
   * Adds `value` if there is room now. Returns whether it was added.
   *
   * @throws CodecError when the value cannot be encoded (nothing is written);
   *   ClosedError when the queue is closed.
   */
  tryPut(value: T): boolean {
    const length = this.encode(value);
    const index = this.ring.claimPut();
    if (index === CLOSED) throw this.closedError('put');
    if (index < 0) return false;
    this.write(index, value, this.scratch, 0, length);
    this.ring.commitPut(index);
    this.putDone(1);
    return true;
  }

  /**
   * Waits for room, then adds `value`. Rejects with `CodecError` (nothing written) when the
   * value cannot be encoded, `ClosedError` when the queue is or becomes closed (the value is
   * not added), `TimeoutError` after `timeout` ms or `signal.reason` on abort.
   */
  async put(value: T, options?: WaitOptions): Promise<void> {
    const wait = checkWait(options);
    if (this.tryPut(value)) return;
    // Another task of this agent may encode into the scratch buffer while we wait: keep a copy.
    const encoded =
      this.lane === BYTES_LANE ? this.scratch.slice(0, this.encodedLength) : this.scratch;
    const length = this.encodedLength;
    await blockAsync(this, this.putAttempt(value, encoded, length), 'put', wait, 'put');
  }

  /**
   * Blocks until there is room, then adds `value`; see {@link put}. Throws `BlockingCallError`
   * on a browser's main thread.
   */
  putSync(value: T, options?: WaitOptions): void {
    checkCanBlock(this.name, 'putSync', 'put');
    const wait = checkWait(options);
    if (this.tryPut(value)) return;
    blockSync(this, this.putAttempt(value, this.scratch, this.encodedLength), 'put', wait, 'put');
  }

  /**
   * Adds every value of `values`, in order, claiming as many slots per step as are free: much
   * faster than one `put` per value. Every value is encoded (and refused with `CodecError`)
   * before any is written. Not atomic: other producers' items may come between batches, and on
   * a timeout, abort or close the values before the failure stay put (the error's message says
   * how many).
   */
  async putMany(values: ArrayLike<T>, options?: WaitOptions): Promise<void> {
    const wait = checkWait(options);
    const batch = this.encodeMany(values);
    let done = this.putBatch(batch, 0);
    if (done === batch.count) return;
    await this.blockBatch(
      batch,
      () => done,
      (n) => (done = n),
      wait,
      false,
    );
  }

  /** Blocking form of {@link putMany}. */
  putManySync(values: ArrayLike<T>, options?: WaitOptions): void {
    checkCanBlock(this.name, 'putManySync', 'putMany');
    const wait = checkWait(options);
    const batch = this.encodeMany(values);
    let done = this.putBatch(batch, 0);
    if (done === batch.count) return;
    void this.blockBatch(
      batch,
      () => done,
      (n) => (done = n),
      wait,
      true,
    );
  }

  // ------------------------------------------------------------------ get

  /**
   * Removes the oldest item if there is one now.
   *
   * @throws CodecError when the item cannot be decoded: the item is out of the queue, and the
   *   error's `bytes` property holds a copy of its bytes (`cause`: the codec's error);
   *   ClosedError when the queue is closed and drained.
   */
  tryGet(): TryGetResult<T> {
    const result = this.take();
    if (result === CLOSED_TAKE) throw this.closedError('get');
    return result === EMPTY_TAKE ? EMPTY : { ok: true, value: this.decode(result) };
  }

  /**
   * Waits for an item, then removes and returns the oldest. Rejects with `ClosedError` once
   * the queue is closed and drained, `TimeoutError` after `timeout` ms, or `signal.reason`;
   * with `CodecError` when the item cannot be decoded (see {@link tryGet}: the item's bytes are
   * in the error's `bytes` property).
   */
  async get(options?: WaitOptions): Promise<T> {
    const wait = checkWait(options);
    const first = this.take();
    if (first !== EMPTY_TAKE) return this.taken(first);
    let value: unknown;
    await blockAsync(
      this,
      this.getAttempt((v) => (value = v)),
      'get',
      wait,
      'get',
    );
    return this.taken(value);
  }

  /** Blocking form of {@link get}; throws `BlockingCallError` on a browser's main thread. */
  getSync(options?: WaitOptions): T {
    checkCanBlock(this.name, 'getSync', 'get');
    const wait = checkWait(options);
    const first = this.take();
    if (first !== EMPTY_TAKE) return this.taken(first);
    let value: unknown;
    blockSync(
      this,
      this.getAttempt((v) => (value = v)),
      'get',
      wait,
      'get',
    );
    return this.taken(value);
  }

  /**
   * Waits until at least one item is there, then removes and returns up to `max` items (those
   * present now), oldest first. Rejects with `ClosedError` once closed and drained.
   *
   * Decode failures lose nothing and reorder nothing: a batch behaves as that many single gets.
   * When an item of the batch cannot be decoded, `getMany` returns the items before it; this
   * queue object keeps the undecodable item and the ones after it (already out of the ring,
   * so other consumers cannot take them), and its next get (`get`, `getMany`, `tryGet`, ...)
   * rejects with a `CodecError` for the undecodable item, whose `bytes` property holds a copy of
   * its bytes and whose `cause` is the codec's error; the gets after that return the kept items
   * before anything new. When the first item of the batch is the undecodable one, this call
   * rejects with that `CodecError` itself. Kept items are delivered even after
   * `close({ immediate: true })`: they were already taken.
   *
   * @example
   * ```ts
   * // The codec cannot decode item 'c' of the batch a, b, c, d:
   * await queue.getMany(10); // ['a', 'b']
   * await queue.getMany(10); // rejects: CodecError, error.bytes holds c's bytes
   * await queue.getMany(10); // ['d'], then whatever the queue holds on later calls
   * ```
   */
  async getMany(max: number, options?: WaitOptions): Promise<T[]> {
    checkPositiveInteger('max', max);
    const wait = checkWait(options);
    const out: T[] = [];
    if (this.takeMany(max, out) > 0) return out;
    await blockAsync(this, this.getManyAttempt(max, out), 'get', wait, 'getMany');
    return out;
  }

  /** Blocking form of {@link getMany}. */
  getManySync(max: number, options?: WaitOptions): T[] {
    checkCanBlock(this.name, 'getManySync', 'getMany');
    checkPositiveInteger('max', max);
    const wait = checkWait(options);
    const out: T[] = [];
    if (this.takeMany(max, out) > 0) return out;
    blockSync(this, this.getManyAttempt(max, out), 'get', wait, 'getMany');
    return out;
  }

  /**
   * Closes the queue for every agent: later puts throw `ClosedError`; waiting putters are woken
   * and throw `ClosedError` (their values are not added); gets drain what is left, then throw
   * `ClosedError`. With `immediate: true` the items left are dropped. Idempotent.
   */
  close(options?: CloseOptions): void {
    const immediate = options?.immediate ?? false;
    if (typeof immediate !== 'boolean') {
      throw new TypeError(`immediate must be a boolean, got ${describe(immediate)}`);
    }
    // Order: the mark bit in tail first (puts fail from here on); with `immediate`, then the
    // mark bit in head (gets fail from here on, dropping what is left, including items whose
    // producers are still writing them; see Ring.closeGets); then wake every sleeper by changing
    // both sequence words (rule 1 of wait.ts).
    const first = this.ring.close();
    if (immediate) this.ring.closeGets();
    if (tracing() && (first || immediate)) emit(this, 'close', { immediate, size: this.size });
    // +2 changes the words (so sleepers' `expected` no longer matches) and keeps the low bit.
    Atomics.add(this.cells, NOT_EMPTY, 2);
    Atomics.add(this.cells, NOT_FULL, 2);
    Atomics.notify(this.cells, NOT_EMPTY);
    Atomics.notify(this.cells, NOT_FULL);
  }

  /** Yields items until the queue is closed and drained: `for await (const x of queue)`. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let value: T;
      try {
        value = await this.get();
      } catch (error) {
        if (error instanceof ClosedError) return;
        throw error;
      }
      yield value;
    }
  }

  // ------------------------------------------------------------------ internals

  private encodedLength = 0;

  /** Validates / encodes `value` into the scratch buffer. Nothing shared is touched. */
  private encode(value: T): number {
    switch (this.lane) {
      case FLOAT64_LANE:
        checkFloat64(value);
        return 8;
      case INT32_LANE:
        checkInt32(value);
        return 4;
      default:
        return (this.encodedLength = encodeInto(this.codec, value, this.scratch));
    }
  }

  /** Writes an encoded value into slot `index` (before its stamp is published). */
  private write(index: number, value: T, source: Uint8Array, offset: number, length: number): void {
    switch (this.lane) {
      case FLOAT64_LANE:
        this.f64[this.valueBase + index * 2] = value as number;
        return;
      case INT32_LANE:
        this.i32[this.valueBase + index * 2] = value as number;
        return;
      default:
        this.bytes.set(source.subarray(offset, offset + length), index * this.slotSize);
        this.cells[this.lengths + index] = length;
    }
  }

  /** Reads slot `index` (after claiming it, before freeing it): a number, or a private copy. */
  private read(index: number): unknown {
    switch (this.lane) {
      case FLOAT64_LANE:
        return this.f64[this.valueBase + index * 2];
      case INT32_LANE:
        return this.i32[this.valueBase + index * 2];
      default: {
        const start = index * this.slotSize;
        // slice() copies out of shared memory: the slot may be reused as soon as we free it,
        // and TextDecoder refuses shared views.
        return this.bytes.slice(start, start + this.cells[this.lengths + index]!);
      }
    }
  }

  /** Decodes a value `take()` returned (bytes, or a {@link Carried} item). */
  private decode(raw: unknown): T {
    if (this.lane !== BYTES_LANE) return raw as T;
    if (raw instanceof Carried) return (raw as Carried<T>).unwrap();
    try {
      return this.codec.decode(raw as Uint8Array);
    } catch (error) {
      throw this.decodeError(raw as Uint8Array, error);
    }
  }

  /** The error for an item that cannot be decoded: it carries the item's bytes, so none is lost. */
  private decodeError(bytes: Uint8Array, error: unknown): CodecError {
    const message = error instanceof Error ? error.message : String(error);
    const failure = new CodecError(
      `${this.name}: codec '${this.codec.name}' failed to decode a ${bytes.length}-byte item ` +
        `(its bytes are in error.bytes): ${message}`,
      { cause: error, bytes },
    );
    return failure;
  }

  /** Delivers the oldest kept item (only called when `carry` is not null). */
  private popCarried(): Carried<T> {
    const carry = this.carry!;
    const item = carry[this.carryAt++]!;
    if (this.carryAt === carry.length) {
      this.carry = null;
      this.carryAt = 0;
    }
    return item;
  }

  /**
   * Delivers kept items into `out`: up to `max`, stopping before an undecodable one, whose
   * `CodecError` is thrown when it is the first.
   */
  private takeCarried(max: number, out: T[]): number {
    out.push(this.popCarried().unwrap());
    let count = 1;
    while (count < max && this.carry !== null && this.carry[this.carryAt]!.error === undefined) {
      out.push(this.popCarried().unwrap());
      count++;
    }
    return count;
  }

  /**
   * Decodes a batch's bytes from item `from` on (its slots are already freed), catching each
   * failure: the items before the first failure go to `out`; that item and the rest are kept
   * for the next gets. Returns how many went to `out`; throws the failure when none did.
   */
  private decodeBatch(raws: Uint8Array[], out: T[]): number {
    const count = raws.length;
    const codec = this.codec;
    for (let i = 0; i < count; i++) {
      let value: T;
      try {
        value = codec.decode(raws[i]!);
      } catch (error) {
        const kept: Carried<T>[] = [new Carried<T>(undefined, this.decodeError(raws[i]!, error))];
        for (let k = i + 1; k < count; k++) {
          try {
            kept.push(new Carried<T>(codec.decode(raws[k]!), undefined));
          } catch (later) {
            kept.push(new Carried<T>(undefined, this.decodeError(raws[k]!, later)));
          }
        }
        // carry is null here: takeMany serves it before claiming, and nothing runs in between.
        this.carry = kept;
        this.carryAt = 0;
        if (i > 0) return i;
        // The first item failed: throw its error now (the rest stay kept).
        return this.takeCarried(1, out);
      }
      out.push(value);
    }
    return count;
  }

  /** After items were published: wake sleeping consumers (only if any announced). */
  private putDone(count: number): void {
    // Our stamp stores came before wakeAll's load; a consumer announces before its last
    // re-check. Either we see its announcement, or its re-check sees our items (see blockSync).
    wakeAll(this.cells, NOT_EMPTY);
    if (tracing()) emit(this, 'put', { size: this.ring.size, capacity: this.capacity, count });
  }

  /** After slots were freed: wake sleeping producers (only if any announced). */
  private getDone(count: number): void {
    wakeAll(this.cells, NOT_FULL);
    if (tracing()) emit(this, 'get', { size: this.ring.size, capacity: this.capacity, count });
  }

  private putAttempt(value: T, encoded: Uint8Array, length: number): Attempt {
    if (tracing())
      emit(this, 'wait', { for: 'not_full', size: this.ring.size, capacity: this.capacity });
    return {
      cells: this.cells,
      word: NOT_FULL,
      waiters: IN_WORD,
      spin: this.putSpin,
      attempt: () => {
        const index = this.ring.claimPut();
        if (index === CLOSED) throw this.closedError('put');
        if (index < 0) return false;
        this.write(index, value, encoded, 0, length);
        this.ring.commitPut(index);
        this.putDone(1);
        return true;
      },
    };
  }

  /** Takes one item: the raw value, {@link EMPTY_TAKE} or {@link CLOSED_TAKE}. */
  private take(): unknown {
    if (this.carry !== null) return this.popCarried();
    const index = this.ring.claimGet();
    if (index < 0) return index === CLOSED ? CLOSED_TAKE : EMPTY_TAKE;
    const raw = this.read(index);
    this.ring.commitGet(index);
    this.getDone(1);
    return raw;
  }

  private taken(raw: unknown): T {
    if (raw === CLOSED_TAKE) throw this.closedError('get');
    return this.decode(raw);
  }

  private getAttempt(found: (raw: unknown) => void): Attempt {
    if (tracing())
      emit(this, 'wait', { for: 'not_empty', size: this.ring.size, capacity: this.capacity });
    return {
      cells: this.cells,
      word: NOT_EMPTY,
      waiters: IN_WORD,
      spin: this.getSpin,
      attempt: () => {
        const raw = this.take();
        if (raw === EMPTY_TAKE) return false;
        found(raw);
        return true;
      },
    };
  }

  /** Takes up to `max` items into `out`; returns how many, and throws when closed and drained. */
  private takeMany(max: number, out: T[]): number {
    if (this.carry !== null) return this.takeCarried(max, out);
    const count = this.ring.claimGetMany(Math.min(max, this.capacity));
    if (count === CLOSED) throw this.closedError('get');
    if (count === 0) return 0;
    let index = this.ring.indexAt(0);
    const capacity = this.capacity;
    if (this.lane === BYTES_LANE) {
      const raws: Uint8Array[] = [];
      for (let i = 0; i < count; i++, index = index + 1 === capacity ? 0 : index + 1) {
        raws.push(this.read(index) as Uint8Array);
      }
      // Free the slots before decoding (a codec may be slow); from here on the items exist only
      // in `raws`, so decodeBatch hands every one of them to the caller or keeps it.
      this.ring.commitGetMany(count);
      this.getDone(count);
      return this.decodeBatch(raws, out);
    }
    // Number lanes: read straight into `out` (a typed lane needs no decoding).
    const lane = (this.lane === FLOAT64_LANE ? this.f64 : this.i32) as ArrayLike<number>;
    const base = this.valueBase;
    const numbers = out as unknown as number[];
    for (let i = 0; i < count; i++, index = index + 1 === capacity ? 0 : index + 1) {
      numbers.push(lane[base + index * 2]!);
    }
    this.ring.commitGetMany(count);
    this.getDone(count);
    return count;
  }

  private getManyAttempt(max: number, out: T[]): Attempt {
    if (tracing())
      emit(this, 'wait', { for: 'not_empty', size: this.ring.size, capacity: this.capacity });
    return {
      cells: this.cells,
      word: NOT_EMPTY,
      waiters: IN_WORD,
      spin: this.getSpin,
      attempt: () => this.takeMany(max, out) > 0,
    };
  }

  /** Encodes every value first, so a bad one is refused before anything is written. */
  private encodeMany(values: ArrayLike<T>): Batch<T> {
    if (typeof values !== 'object' || values === null || typeof values.length !== 'number') {
      throw new TypeError(`putMany needs an array of values, got ${describe(values)}`);
    }
    const count = values.length;
    if (this.lane === FLOAT64_LANE) {
      for (let i = 0; i < count; i++) checkFloat64(values[i]);
      return { values, count, bytes: EMPTY_BYTES, offsets: EMPTY_OFFSETS };
    }
    if (this.lane === INT32_LANE) {
      for (let i = 0; i < count; i++) checkInt32(values[i]);
      return { values, count, bytes: EMPTY_BYTES, offsets: EMPTY_OFFSETS };
    }
    const offsets = new Int32Array(count + 1);
    let bytes = new Uint8Array(Math.min(count, 64) * 32);
    let used = 0;
    for (let i = 0; i < count; i++) {
      const length = encodeInto(this.codec, values[i] as T, this.scratch);
      if (used + length > bytes.length) {
        const grown = new Uint8Array(Math.max(bytes.length * 2, used + length));
        grown.set(bytes.subarray(0, used));
        bytes = grown;
      }
      bytes.set(this.scratch.subarray(0, length), used);
      used += length;
      offsets[i + 1] = used;
    }
    return { values, count, bytes, offsets };
  }

  /** Puts values `from ..` of `batch` while slots are free; returns the new `from`. */
  private putBatch(batch: Batch<T>, from: number): number {
    while (from < batch.count) {
      const count = this.ring.claimPutMany(Math.min(batch.count - from, this.capacity));
      if (count === CLOSED) throw this.closedError('put', from, batch.count);
      if (count === 0) return from;
      const capacity = this.capacity;
      let index = this.ring.indexAt(0);
      if (this.lane === BYTES_LANE) {
        for (let k = from; k < from + count; k++, index = index + 1 === capacity ? 0 : index + 1) {
          const start = batch.offsets[k]!;
          this.write(
            index,
            batch.values[k] as T,
            batch.bytes,
            start,
            batch.offsets[k + 1]! - start,
          );
        }
      } else {
        // Number lanes: plain stores into the typed lane; the stamps publish them below.
        const lane = this.lane === FLOAT64_LANE ? this.f64 : this.i32;
        const base = this.valueBase;
        const values = batch.values as ArrayLike<number>;
        for (let k = from; k < from + count; k++, index = index + 1 === capacity ? 0 : index + 1) {
          lane[base + index * 2] = values[k]!;
        }
      }
      this.ring.commitPutMany(count);
      this.putDone(count);
      from += count;
    }
    return from;
  }

  private blockBatch(
    batch: Batch<T>,
    done: () => number,
    setDone: (n: number) => void,
    wait: CheckedWait,
    sync: boolean,
  ): Promise<void> | undefined {
    const attempt: Attempt = {
      cells: this.cells,
      word: NOT_FULL,
      waiters: IN_WORD,
      spin: this.putSpin,
      attempt: () => {
        const next = this.putBatch(batch, done());
        setDone(next);
        return next === batch.count;
      },
    };
    const annotate = (error: unknown): never => {
      if (error instanceof Error && !(error instanceof ClosedError) && done() > 0) {
        error.message += ` (${done()} of ${batch.count} values were put)`;
      }
      throw error;
    };
    if (sync) {
      try {
        blockSync(this, attempt, 'put', wait, 'putMany');
      } catch (error) {
        annotate(error);
      }
      return undefined;
    }
    return blockAsync(this, attempt, 'put', wait, 'putMany').catch(annotate);
  }

  private closedError(what: 'put' | 'get', done?: number, total?: number): ClosedError {
    if (what === 'put') {
      const partial =
        done !== undefined && done > 0 ? ` (${done} of ${total} values were put)` : '';
      return new ClosedError(`${this.name}: put on a closed SharedQueue${partial}`);
    }
    return new ClosedError(`${this.name}: get on a closed and drained SharedQueue`);
  }
}

interface Batch<T> {
  readonly values: ArrayLike<T>;
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

/**
 * An item a batch get took out of the ring and kept: its value, or the `CodecError` (carrying
 * its bytes) that delivering it throws.
 */
class Carried<T> {
  constructor(
    readonly value: T | undefined,
    readonly error: CodecError | undefined,
  ) {}

  unwrap(): T {
    if (this.error !== undefined) throw this.error;
    return this.value as T;
  }
}

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_OFFSETS = new Int32Array(1);
const EMPTY_TAKE = Symbol('empty');
const CLOSED_TAKE = Symbol('closed');
let openingCodec: Codec<unknown> | undefined;

/** Runs a codec's `encode`, turning any failure or a bad length into `CodecError`. */
function encodeInto<T>(codec: Codec<T>, value: T, scratch: Uint8Array): number {
  let length: number;
  try {
    length = codec.encode(value, scratch);
  } catch (error) {
    if (error instanceof CodecError) throw error;
    throw new CodecError(
      `codec '${codec.name}' cannot encode ${describe(value)}: ${(error as Error)?.message}`,
      {
        cause: error,
      },
    );
  }
  if (!Number.isInteger(length) || length < 0 || length > scratch.length) {
    throw new CodecError(
      `codec '${codec.name}' returned length ${describe(length)} for a ${scratch.length}-byte slot`,
    );
  }
  return length;
}

function checkCapacity(capacity: unknown): number {
  checkPositiveInteger('capacity', capacity);
  if ((capacity as number) > MAX_CAPACITY) {
    throw new RangeError(`capacity must be at most ${MAX_CAPACITY}, got ${capacity as number}`);
  }
  return capacity as number;
}

function checkSlotSize(codec: Codec<unknown>, slotSize: unknown): number {
  if (codec.fixedSize !== undefined) {
    checkPositiveInteger(`codec '${codec.name}' fixedSize`, codec.fixedSize);
    if (slotSize !== undefined && slotSize !== codec.fixedSize) {
      throw new RangeError(
        `slotSize must be ${codec.fixedSize} (or absent) for codec '${codec.name}', got ${describe(slotSize)}`,
      );
    }
    return codec.fixedSize;
  }
  if (slotSize === undefined) return DEFAULT_SLOT_SIZE;
  checkPositiveInteger('slotSize', slotSize);
  if ((slotSize as number) > MAX_SLOT_SIZE) {
    throw new RangeError(
      `slotSize must be at most ${MAX_SLOT_SIZE} bytes, got ${slotSize as number}`,
    );
  }
  return slotSize as number;
}
