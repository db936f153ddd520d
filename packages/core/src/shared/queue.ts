/**
 * {@link SharedQueue}: a bounded multi-producer multi-consumer FIFO queue in shared memory.
 *
 * The ring algorithm (claims, end marks, repair of dead agents' claims) is in `ring.ts`, how
 * values sit in slots in `queue/*-lane(s).ts`, how calls wait and wake in `queue/sleep.ts`, and
 * where everything lives in the buffer in `queue/layout.ts`.
 *
 * @module
 */
import { ClosedError, HandleError } from '../errors.js';
import type { CloseOptions, QueueLike, TryGetResult } from '../interfaces.js';
import { EMPTY } from '../interfaces.js';
import { checkPositiveInteger, describe, type WaitOptions } from '../options.js';
import { emit, tracing } from '../trace/tracer.js';
import {
  checkWait,
  type CheckedWait,
  createState,
  openState,
  type SharedNameOptions,
  type SharedState,
} from './base.js';
import {
  codecs,
  isBuiltinCodec,
  resolveCodec,
  type BuiltinCodecName,
  type Codec,
} from './codec/index.js';
import type { SharedHandle } from './handle.js';
import { SharedPrimitive } from './primitive.js';
import { BytesLane } from './queue/bytes-lane.js';
import type { Batch, Lane, Prepared, Sink } from './queue/lane.js';
import {
  AGENTS,
  BYTES_LANE,
  CAPACITY,
  FLOAT64_LANE,
  GET_SLEEPERS,
  HEAD,
  INT32_LANE,
  LANE,
  DEFAULT_MAX_VALUE_BYTES,
  layoutOf,
  MAX_DATA_BYTES,
  MAX_SLOT_SIZE,
  MAX_VALUE,
  MIN_AGENTS,
  NOT_EMPTY,
  NOT_FULL,
  PUT_SLEEPERS,
  ROOM,
  ROOM_SLEEPERS,
  readLayout,
  SLOT_SIZE,
  SPAN_SLEEPERS,
  CANCEL_EPOCH,
  SPANS_SEEN,
  MARKS,
  SPLIT_HINTS,
  UNTRACKED,
  TAIL,
  ONE_TO_ONE,
  PRODUCER_ROLE,
  CONSUMER_ROLE,
} from './queue/layout.js';
import { Float64Lane, Int32Lane } from './queue/number-lanes.js';
import { kindOf, lengthOf, typedLength } from './queue/views.js';
import { sleepAsync, sleepSync, wake, wakeEveryone, type Sleep } from './queue/sleep.js';
import {
  type AgentFigures,
  type Agents,
  BUSY,
  CLOSED,
  FULL,
  MAX_CAPACITY,
  Ring,
  STALLED,
} from './ring.js';
import { OneToOneRing } from './queue/one-to-one-ring.js';
import type { QueueRing } from './queue/queue-ring.js';
import { checkCanBlock, READY_PATIENCE, SpinBudget } from './wait.js';
import { gateAsync, gateSync } from './gate.js';
import { bumpEpoch, watchCancel } from './cancel.js';
import { sleepsHere } from './exits.js';
import { sharedRegistry } from './registry/default.js';

/** Default slot size for variable-size codecs, in bytes. */
export const DEFAULT_SLOT_SIZE = 256;
export { MAX_SLOT_SIZE };

/** Options of `new SharedQueue()`. */
export interface SharedQueueOptions<T> extends SharedNameOptions {
  /** Maximum number of items, a positive integer up to 2^24. */
  capacity: number;
  /** How values become bytes: a built-in codec's name or a {@link Codec} object. */
  codec: Codec<T> | BuiltinCodecName;
  /**
   * Bytes per slot for variable-size codecs (`utf8`, `json`, `binary`, `structured`, custom
   * codecs without `fixedSize`); default 256. A value whose encoding is larger spans several
   * consecutive slots (up to {@link SharedQueueOptions.maxValueBytes}).
   */
  slotSize?: number;
  /**
   * The largest encoded value the queue takes, in bytes: a positive integer up to `capacity x
   * slotSize` (a value may span every slot, not more). Default: 1 MiB, or `capacity x slotSize`
   * when that is less. A larger value is refused with `ValueTooLargeError` (a
   * `CodecError`) naming the queue, the value's size and this bound; nothing is put. For
   * fixed-size codecs (`float64`, `int32`, `fixedSize`) every value takes one slot, and this
   * may only be absent or at least that size.
   */
  maxValueBytes?: number;
  /**
   * One producer and one consumer at a time (default `false`: any number of each). The queue
   * then runs a plain single-producer single-consumer ring (an index per side, no claims),
   * whose batches cost one copy and one atomic write per side: the fastest way to stream
   * between two workers. The first agent to put becomes the producer, the first to get the
   * consumer; a put or get by another agent while that one lives throws `RoleError`, and
   * once it has exited (a watched worker that ended, or `agentExited`) the next agent takes
   * its role over. Report an exit only once the agent can no longer run (a producer reported
   * exited in the middle of a put may mix its values with its successor's). An agent whose
   * exit the registry could not report (an id past its `maxAgents`) is refused a role.
   * Everything else (blocking and async calls, batches, close, codecs, values spanning slots)
   * works as in a many-to-many queue.
   */
  oneToOne?: boolean;
}

/** The handle of a {@link SharedQueue}. */
/** Type-only brand carrying a queue's value type in its handle (never present at run time). */
declare const valueType: unique symbol;

/**
 * The handle of a {@link SharedQueue}`<T>`: `SharedQueue.from(queue.handle)` gives back a
 * `SharedQueue<T>` with the same `T`.
 */
export interface SharedQueueHandle<T = unknown> extends SharedHandle<'SharedQueue'> {
  readonly capacity: number;
  readonly slotSize: number;
  /** The largest encoded value the queue takes (also in the buffer, where `from()` reads it). */
  readonly maxValueBytes: number;
  /** The codec's name; a built-in codec is found again by it. */
  readonly codec: string;
  /** Whether the queue is one-to-one (also in the buffer, where `from()` reads it). */
  readonly oneToOne: boolean;
  /** Type only: the values' type (structured clone does not carry it, and needs not). */
  readonly [valueType]?: T;
}

/** Items a dead consumer took with it (see {@link SharedQueue.losses}). */
export interface QueueLoss {
  readonly agent: { readonly id: number; readonly name: string };
  /** Items its gets had claimed and never freed when it exited: gone with it. */
  readonly items: number;
}

function laneOf(codec: Codec<unknown>): number {
  if (codec === codecs.float64) return FLOAT64_LANE;
  if (codec === codecs.int32) return INT32_LANE;
  return BYTES_LANE;
}

/**
 * The explicit internal path of `SharedQueue.from(handle)`: the constructor receives an
 * instance of this (never exported) class instead of options, and opens instead of creating.
 */
class Opening<T> {
  constructor(
    readonly state: SharedState,
    readonly codec: Codec<T>,
  ) {}
}

/**
 * A blocking batch call that started to wait before it made its sleep record: the cancel epoch
 * it read then, and whether it has spun (see `SharedQueue.putManySpin`).
 */
interface StartedWait {
  readonly spun: boolean;
  readonly epoch: number;
}

/**
 * A bounded FIFO queue in shared memory for many producers and many consumers in any agents,
 * like Python's `queue.Queue(maxsize)`, with values carried through a {@link Codec}.
 *
 * - **FIFO**: items come out in the order their puts took effect; each producer's items keep
 *   its order. Every item is taken at most once, and exactly once while no agent dies.
 * - **Bounded**: `put` waits while the queue is full (backpressure), `get` while it is empty.
 *   Both have blocking forms for workers (`putSync`, `getSync`) and async forms for any agent.
 *   Each item wakes one sleeping getter, each freed slot one sleeping putter.
 * - **Close** as in-thread `Queue` (Python 3.13 `shutdown`): later puts throw `ClosedError`,
 *   gets drain what is left and then throw `ClosedError`; `close({ immediate: true })` drops
 *   the rest. `close()` ends every blocked call, whatever other agents left half done.
 * - **Codecs**: `float64` and `int32` values live in typed slots; `utf8`, `json`, `binary`,
 *   `structured` and custom codecs use byte slots of `slotSize` bytes. A value larger than a
 *   slot spans consecutive slots, put and got in one claim (up to `maxValueBytes`, default
 *   1 MiB or the whole ring); it counts as one item in `size`, though it takes
 *   `ceil(bytes / slotSize)` of the `capacity` slots. A value that cannot be encoded is
 *   refused with `CodecError`, one past `maxValueBytes` with `ValueTooLargeError`, before
 *   anything is written; the queue stays usable.
 * - **Memory**: everything a producer did before `put` is visible to the consumer after the
 *   `get` that returns the item.
 * - **Batches**: `putMany` / `getMany` (and `putManySync(Float64Array)`,
 *   `getManySync(max, into)` without allocating) move many items per claim and copy. A batch
 *   behaves as that many single gets: it only takes items it returns. When an item cannot be
 *   decoded, the batch returns the items before it and leaves it in the queue, where the next
 *   get (by any consumer) throws its `CodecError`, whose `bytes` property holds a copy of the
 *   item's bytes (and whose `cause` is the codec's error): no item is lost or reordered.
 * - **Dead agents** (a worker terminated mid-call; watched with `sharedRegistry().watchWorker`
 *   or reported with `agentExited`): a producer that died between claiming a slot and
 *   publishing it leaves a hole that getters pass over (its value was never put); a consumer
 *   that died between claiming an item and freeing its slot has the slot freed by the next
 *   producer that needs it, and the item is gone with it (at-most-once), reported by
 *   {@link losses} with the agent's name. An agent that is not watched is never taken for dead:
 *   calls waiting on its slot time out, honour their signal and end at `close()`.
 * - **One-to-one** (`oneToOne: true`): one producer and one consumer at a time, on a plain
 *   single-producer single-consumer ring (an index per side, no claims; batches about 1.5x
 *   as fast between two workers). A second live producer or consumer gets `RoleError`; an
 *   exited one's role passes to the next agent that puts (gets). Nothing is ever left half
 *   done by a dead agent, so nothing needs repair.
 *
 * The many-to-many ring is crossbeam-channel's bounded array (see `ring.ts`); the one-to-one
 * ring is in `queue/one-to-one-ring.ts`.
 *
 * @example
 * ```ts
 * // main thread (Node)
 * const queue = new SharedQueue<number>({ capacity: 64, codec: 'float64', name: 'readings' });
 * const worker = new Worker(new URL('./consumer.mjs', import.meta.url), { workerData: queue.handle });
 * sharedRegistry().watchWorker(worker);
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
  /** The largest encoded value the queue takes (see {@link SharedQueueOptions.maxValueBytes}). */
  readonly maxValueBytes: number;
  /** The codec values pass through. */
  readonly codec: Codec<T>;
  /** One producer and one consumer at a time (see {@link SharedQueueOptions.oneToOne}). */
  readonly oneToOne: boolean;
  private readonly ring: QueueRing;
  private readonly lane: Lane<T>;
  /** How long this agent's puts / gets spin before sleeping (see {@link SpinBudget}). */
  private readonly putSpin = new SpinBudget();
  private readonly getSpin = new SpinBudget();
  /**
   * Free slots a blocking single put waiting for room spins for before it tries the ring again,
   * and items a blocking single get waiting for one spins for, for {@link READY_PATIENCE}
   * checks only (an eighth of the capacity; 1, no hint, below 16): streaming producer and
   * consumer then work on different cache lines instead of passing one line back and forth per
   * item. The get's patience bounds what it adds to an item's latency (a few microseconds,
   * and only while the queue was empty). Batch calls take everything there is at once anyway.
   */
  private readonly aheadHint: number;
  /**
   * Where `getManySync(max, into)` and `tryGetMany(max, into)` copy to, pointed at `into` on
   * each call: such a call is done with it before it returns, so one serves them all and a
   * batch allocates nothing. (It refers to the last call's `into` until the next one.) Not
   * while tracing: a trace listener runs in the middle of the call and could make one of its
   * own on this queue.
   */
  private readonly intoSink: Sink<T> = { array: undefined, typed: undefined, offset: 0 };
  /** Whether the last failed put / get attempt was stopped by a stalled claim. */
  private putStalled = false;
  private getStalled = false;
  /**
   * The parts of a {@link Sleep} that are the same for every call of one kind, made once: each
   * sleeping call keeps its sleep record alive until it is woken, so per-call closures would
   * be that many more objects per sleeper (see PERFORMANCE.md, "Async getters").
   */
  private readonly sleepParts = {
    putStalled: (): boolean => this.putStalled,
    getStalled: (): boolean => this.getStalled,
    putDetail: (): string | undefined => this.ring.describeStall('put'),
    getDetail: (): string | undefined => this.ring.describeStall('get'),
    roomAhead: (): boolean => this.ring.roomAhead(this.aheadHint),
    readyAhead: (): boolean => this.ring.readyAhead(this.aheadHint),
  };

  /**
   * @throws RangeError / TypeError naming `capacity`, `slotSize`, `maxValueBytes` or `codec`
   *   when invalid.
   */
  constructor(options: SharedQueueOptions<T>);
  /** @internal */
  constructor(options: Opening<T>);
  constructor(options: SharedQueueOptions<T> | Opening<T>) {
    let state: SharedState;
    let codec: Codec<T>;
    if (options instanceof Opening) {
      state = options.state;
      codec = options.codec;
    } else {
      if (typeof options !== 'object' || options === null) {
        throw new TypeError(
          `SharedQueue needs options { capacity, codec }, got ${describe(options)}`,
        );
      }
      const capacity = checkCapacity(options.capacity);
      codec = resolveCodec<T>(options.codec);
      const lane = laneOf(codec as Codec<unknown>);
      const slotSize = checkSlotSize(codec, options.slotSize);
      if (lane === BYTES_LANE && capacity * slotSize > MAX_DATA_BYTES) {
        throw new RangeError(
          `capacity x slotSize must be at most ${MAX_DATA_BYTES} bytes, got ${capacity} x ${slotSize}`,
        );
      }
      const maxValueBytes = checkMaxValueBytes(codec, capacity, slotSize, options.maxValueBytes);
      const oneToOne = options.oneToOne ?? false;
      if (typeof oneToOne !== 'boolean') {
        throw new TypeError(`oneToOne must be a boolean, got ${describe(oneToOne)}`);
      }
      // One claim row per agent the registry can report exited, so that every such agent's
      // claims (or books, one-to-one) can be repaired: a smaller table would leave the agents
      // past it untracked, and one of them would turn the queue's single-position repairs off.
      // At least MIN_AGENTS: in a small registry the agents past its rows still get one, so
      // that their claims are seen as live (rather than the queue being untracked).
      const agents = Math.max(sharedRegistry().maxAgents, MIN_AGENTS);
      state = createState(
        'SharedQueue',
        layoutOf(capacity, lane, slotSize, agents, oneToOne).bytes,
        options,
      );
      const cells = new Int32Array(state.buffer);
      cells[CAPACITY] = capacity;
      cells[SLOT_SIZE] = slotSize;
      cells[LANE] = lane;
      cells[AGENTS] = agents;
      cells[MAX_VALUE] = maxValueBytes;
      cells[ONE_TO_ONE] = oneToOne ? 1 : 0;
    }
    super(state);
    const { capacity, slotSize, lane, agents, maxValueBytes, oneToOne, layout } = readLayout(
      this.buffer,
    );
    this.capacity = capacity;
    this.aheadHint = capacity >> 3 || 1;
    this.slotSize = slotSize;
    this.maxValueBytes = maxValueBytes;
    this.codec = codec;
    this.oneToOne = oneToOne;
    const registry = state.registry;
    const who: Agents = {
      self: registry.agentId,
      hasExited: (id) => registry.hasExited(id),
      canReportExit: (id) => registry.canReportExit(id),
      exits: () => registry.exitCount(),
      known: () => registry.agentsSoFar(),
      agentName: (id) => registry.agentName(id),
      recordLoss: (id, items) => registry.recordLoss(id, state.id, items),
    };
    this.ring = oneToOne
      ? new OneToOneRing(
          this.cells,
          {
            head: HEAD,
            tail: TAIL,
            producerRole: PRODUCER_ROLE,
            consumerRole: CONSUMER_ROLE,
            table: layout.table,
            agents,
            spansSeen: SPANS_SEEN,
          },
          capacity,
          who,
          this.name,
        )
      : new Ring(
          this.cells,
          {
            head: HEAD,
            tail: TAIL,
            published: MARKS,
            freed: layout.freed,
            table: layout.table,
            agents,
            spansSeen: SPANS_SEEN,
            untracked: UNTRACKED,
            splitHints: SPLIT_HINTS,
          },
          capacity,
          who,
        );
    if (state.created) this.ring.init();
    if (lane === BYTES_LANE) {
      const bytes = new BytesLane<T>({
        codec,
        buffer: this.buffer,
        cells: this.cells,
        values: layout.values,
        lengths: layout.lengths,
        capacity,
        slotSize,
        maxValueBytes,
        name: this.name,
      });
      if (bytes.spans) this.ring.allowSpans(bytes.spanAt);
      this.lane = bytes;
    } else {
      this.lane =
        lane === FLOAT64_LANE
          ? (new Float64Lane(this.buffer, layout.values, capacity) as unknown as Lane<T>)
          : (new Int32Lane(this.buffer, layout.values, capacity) as unknown as Lane<T>);
    }
    if (state.created && tracing()) emit(this, 'created', { capacity, codec: codec.name });
  }

  /**
   * Rebuilds a queue from its `handle` in this agent. A built-in codec is found by the name in
   * the handle; a custom codec must be passed again (its name must match).
   *
   * @throws HandleError when `handle` is not a SharedQueue's handle (every layout word and the
   *   buffer's size are checked), or the codec is missing or has another name.
   */
  static from<T = unknown>(handle: SharedQueueHandle<T>, codec?: Codec<T>): SharedQueue<T> {
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
    const { lane, slotSize } = readLayout(state.buffer);
    if (lane !== laneOf(resolved as Codec<unknown>)) {
      throw new HandleError(
        `SharedQueue.from(): codec '${resolved.name}' does not match the queue's slots`,
      );
    }
    if (
      lane === BYTES_LANE &&
      resolved.fixedSize !== undefined &&
      resolved.fixedSize !== slotSize
    ) {
      throw new HandleError(
        `SharedQueue.from(): codec '${resolved.name}' has fixedSize ${resolved.fixedSize}, the queue's slots ${slotSize}`,
      );
    }
    return new SharedQueue<T>(new Opening(state, resolved));
  }

  /** Send this with `postMessage`; rebuild the queue with `SharedQueue.from(handle)`. */
  override get handle(): SharedQueueHandle<T> {
    return {
      ...super.handle,
      capacity: this.capacity,
      slotSize: this.slotSize,
      maxValueBytes: this.maxValueBytes,
      codec: this.codec.name,
      oneToOne: this.oneToOne,
    };
  }

  /**
   * Number of items in the queue now. A value spanning slots counts as one item (once any value
   * has spanned slots, this walks the slots in use to count them).
   */
  get size(): number {
    return this.ring.size;
  }

  /** Whether `close()` was called (by any agent). */
  get closed(): boolean {
    return this.ring.closed;
  }

  /**
   * Items that consumers took with them when they died: for each exited agent whose get had
   * claimed items and not freed their slots, its id, name and the count (those slots have been
   * freed by the survivors). Repairs what exited agents left first. Empty while no consumer
   * died mid-get.
   */
  losses(): QueueLoss[] {
    this.ring.sweep();
    const registry = this.registryRow.registry;
    return this.ring.losses().map(({ id, items }) => ({
      agent: { id, name: registry.agentName(id) },
      items,
    }));
  }

  /**
   * Per-agent counts for accounting (tests, diagnostics): items each agent claimed for puts
   * (and how many of those were revoked), items it claimed with gets (and how many it lost by
   * dying). Repairs what exited agents left first.
   *
   * @internal
   */
  figures(): AgentFigures[] {
    this.ring.sweep();
    return this.ring.agentFigures();
  }

  // ------------------------------------------------------------------ put

  /**
   * Adds `value` if there is room now. Returns whether it was added.
   *
   * @throws CodecError when the value cannot be encoded (nothing is written);
   *   ClosedError when the queue is closed.
   */
  tryPut(value: T): boolean {
    gateSync(this, 'put');
    return this.putNow(value);
  }

  /** {@link tryPut} past the gate: `put` and `putSync` have passed it already. */
  private putNow(value: T): boolean {
    return this.putOnce(value, undefined, this.lane.prepare(value));
  }

  /**
   * Claims a slot (`slots` consecutive slots, in one claim, for a value spanning them) and puts
   * the prepared `value` in it, repairing a dead consumer's slot or retrying a revoked claim on
   * the way (a bounded number of times).
   */
  private putOnce(value: T, kept: Prepared | undefined, slots: number): boolean {
    this.putStalled = false;
    for (let tries = 0; tries < 4; tries++) {
      const index = slots === 1 ? this.ring.claimPut() : this.ring.claimPutSpan(slots);
      if (index >= 0) {
        this.lane.write(index, value, kept);
        if (this.ring.commitPut(index)) {
          this.putDone(1);
          return true;
        }
        continue; // revoked (closed meanwhile, or we were taken for dead): claim again
      }
      if (index === CLOSED) throw this.closedError('put');
      if (index === STALLED || index === BUSY) {
        this.putStalled = true;
        if (index === STALLED && this.ring.repairPut()) continue;
      }
      return false;
    }
    return false;
  }

  /**
   * Waits for room, then adds `value`. Rejects with `CodecError` (nothing written) when the
   * value cannot be encoded, `ClosedError` when the queue is or becomes closed (the value is
   * not added), `TimeoutError` after `timeout` ms or `signal.reason` on abort.
   */
  async put(value: T, options?: WaitOptions): Promise<void> {
    const gate = gateAsync(this, 'put');
    if (gate) await gate;
    const wait = checkWait(options);
    if (this.putNow(value)) return;
    const kept = this.lane.keep();
    await sleepAsync(
      this,
      this.putSleep(() => this.putOnce(value, kept, kept.slots), kept.slots > 1),
      'put',
      wait,
      'put',
    );
  }

  /**
   * Blocks until there is room, then adds `value`; see {@link put}. Throws `BlockingCallError`
   * on a browser's main thread.
   */
  putSync(value: T, options?: WaitOptions): void {
    gateSync(this, 'put');
    checkCanBlock(this.name, 'putSync', 'put');
    const wait = checkWait(options);
    if (!this.putNow(value)) this.putSyncWaiting(value, wait);
  }

  /**
   * The waiting part of {@link putSync}, a method of its own (as are those of the other blocking
   * calls) so that the call that need not wait creates nothing: variables a closure captures
   * live in an object made when their function starts.
   */
  private putSyncWaiting(value: T, wait: CheckedWait): void {
    const kept = this.lane.keep();
    sleepSync(
      this,
      this.putSleep(() => this.putOnce(value, kept, kept.slots), kept.slots > 1, true),
      'put',
      wait,
      'put',
    );
  }

  /**
   * Adds every value of `values`, in order, claiming as many slots per step as are free, and
   * copying them in one pass: much faster than one `put` per value. Every value is checked (and
   * encoded) before any is written (a `Float64Array` for a `float64` queue, or an `Int32Array`
   * for an `int32` one, needs no check). Not atomic: other producers' items may come between
   * steps, and on a timeout, abort or close the values before the failure stay put (the
   * error's message says how many).
   */
  async putMany(values: ArrayLike<T>, options?: WaitOptions): Promise<void> {
    const gate = gateAsync(this, 'put');
    if (gate) await gate;
    const wait = checkWait(options);
    const batch = this.prepareMany(values, 'putMany');
    let done = this.putBatch(batch, 0);
    if (done === batch.count) return;
    const sleep = this.putSleep(
      () => (done = this.putBatch(batch, done)) === batch.count,
      batch.slots !== undefined,
    );
    await sleepAsync(this, sleep, 'put', wait, 'putMany').catch((error: unknown) =>
      this.annotate(error, done, batch.count),
    );
  }

  /**
   * Waits until at most half the queue's slots are taken (half the capacity, rounded down: an
   * empty queue for a capacity of 1), or resolves at once when they are. For a producer that
   * found the queue full and would rather put a batch when it wakes than be woken for every
   * slot a consumer frees, as a waiting `put` is: a producer on a main thread feeding workers
   * pays for each wake-up (a turn of its event loop, and a notify by the consumer that freed
   * the slot), while the consumers have half a ring left to take meanwhile. Only gets wake it
   * (and `close()`, `cancelAll()`): if the consumers stop while the queue is more than half
   * full, it waits for them, so give it a `timeout` or `signal` where they may.
   *
   * @throws ClosedError once the queue is closed (nothing can be put any more);
   *   `TimeoutError`, the signal's reason, or `CancelledError` as a waiting `put` does.
   *
   * @example
   * ```ts
   * import { SharedQueue } from '@baton/core';
   *
   * const queue = new SharedQueue<number>({ capacity: 8, codec: 'float64', name: 'jobs' });
   * // A worker takes from `queue.handle`; this thread feeds it:
   * async function feed(jobs: Iterable<number>): Promise<void> {
   *   for (const job of jobs) {
   *     if (queue.tryPut(job)) continue;
   *     await queue.waitForRoom(); // woken once, with 4 slots free
   *     await queue.put(job);
   *   }
   * }
   * const fed = feed([1, 2, 3]); // room for all three: no wait
   * await fed;
   * console.log(queue.size); // 3
   * ```
   */
  async waitForRoom(options?: WaitOptions): Promise<void> {
    const gate = gateAsync(this, 'put');
    if (gate) await gate;
    const wait = checkWait(options);
    const sleep = this.roomSleep();
    if (sleep === undefined) return;
    await sleepAsync(this, sleep, 'put', wait, 'waitForRoom');
    // Its wait ends here, not with a put (a timeout or abort has its own event).
    if (tracing()) emit(this, 'wake');
  }

  /**
   * Blocking form of {@link waitForRoom}: for a worker that feeds others and would rather be
   * woken once per half a queue than once per item. Throws `BlockingCallError` on a browser's
   * main thread.
   *
   * @example
   * ```ts
   * import { SharedQueue } from '@baton/core';
   *
   * const queue = new SharedQueue<number>({ capacity: 8, codec: 'float64', name: 'jobs' });
   * // In a worker feeding the others (here: room for all three, no wait):
   * for (const job of [1, 2, 3]) {
   *   if (queue.tryPut(job)) continue;
   *   queue.waitForRoomSync();
   *   queue.putSync(job);
   * }
   * console.log(queue.size); // 3
   * ```
   */
  waitForRoomSync(options?: WaitOptions): void {
    gateSync(this, 'put');
    checkCanBlock(this.name, 'waitForRoomSync', 'waitForRoom');
    const wait = checkWait(options);
    const sleep = this.roomSleep();
    if (sleep === undefined) return;
    sleepSync(this, sleep, 'put', wait, 'waitForRoomSync');
    if (tracing()) emit(this, 'wake');
  }

  /**
   * How {@link waitForRoom} waits, or `undefined` when there is room now.
   *
   * @throws ClosedError once the queue is closed.
   */
  private roomSleep(): Sleep | undefined {
    const room = (): boolean => {
      if (this.ring.closed) throw this.closedError('put');
      return this.ring.slotsTaken <= this.capacity >> 1;
    };
    if (room()) return undefined;
    sleepsHere(this); // from now on, reported exits wake our sleepers (shared/exits.ts)
    if (tracing()) emit(this, 'wait', { for: 'room', size: this.size, capacity: this.capacity });
    return {
      cells: this.cells,
      word: ROOM,
      sleepers: ROOM_SLEEPERS,
      spin: this.putSpin,
      attempt: room,
      stalled: () => false,
      detail: () => undefined,
      cancel: watchCancel(this.cells, CANCEL_EPOCH),
    };
  }

  /**
   * Blocking form of {@link putMany}. With a `Float64Array` (float64 queue) or `Int32Array`
   * (int32 queue) it allocates nothing: one claim and one copy per step.
   */
  putManySync(values: ArrayLike<T>, options?: WaitOptions): void {
    gateSync(this, 'put');
    checkCanBlock(this.name, 'putManySync', 'putMany');
    const wait = checkWait(options);
    // Reused: this call is done with it before it returns (nothing else runs in this agent
    // meanwhile, unlike in putMany's awaits), unless a trace listener runs: it could call back
    // into this queue in the middle (see `intoSink`).
    const batch = this.prepareMany(values, 'putManySync', !tracing());
    let done = this.putBatch(batch, 0);
    if (done === batch.count) return;
    // The wait starts here: a cancelAll() from now on cancels it (see shared/cancel.ts). While a
    // tracer is installed, the waiting part spins, so that every wait is reported.
    const epoch = Atomics.load(this.cells, CANCEL_EPOCH);
    const spun = !tracing();
    if (spun) done = this.putManySpin(batch, done, epoch);
    if (done !== batch.count) this.putManyWaiting(batch, done, wait, { spun, epoch });
  }

  /**
   * Puts as many of `values` (from index `from` on, 0 by default) as there is room for now, in
   * order, and returns how many it put (`0` when the queue is full). Never waits, so it works
   * where blocking is not allowed (a browser's main thread, an `AudioWorklet`) and in a loop
   * that spins as a lock-free ring's user would. Put the rest later with `from` moved on by the
   * count: no view or copy is made for it. Like {@link putManySync}, a `Float64Array` (float64
   * queue) or `Int32Array` (int32 queue) costs one claim and one copy per run of free slots and
   * allocates nothing.
   *
   * A value that spans slots goes in whole or not at all, and the values after it wait for it.
   * The count may fall short of the room while other agents race for the same slots, or hold
   * one between their claim and its commit, as {@link tryPut} may return `false` then. Byte
   * codecs encode every value (from `from` on) before any is put, so a value that cannot be
   * encoded throws and nothing is put. When the queue is closed in the middle of the call, the
   * call returns what it put before the close; the next one throws `ClosedError`.
   *
   * @example
   * ```ts
   * const samples = new Float64Array(256);
   * let sent = 0;
   * while (sent < samples.length) sent += queue.tryPutMany(samples, sent);
   * ```
   * @throws TypeError when `values` is not array-like; RangeError when `from` is not an integer
   *   from 0 to `values.length`; CodecError when a value cannot be encoded (nothing is put);
   *   ClosedError when the queue is closed (nothing is put).
   */
  tryPutMany(values: ArrayLike<T>, from = 0): number {
    gateSync(this, 'put');
    // Reused as by putManySync: this call is done with it before it returns.
    const batch = this.prepareMany(values, 'tryPutMany', !tracing(), from);
    // putBatch stops after a bounded number of claims: go on while it gets on.
    for (let done = from; ;) {
      const next = this.putBatch(batch, done, from);
      if (next === done || next === batch.count) return next - from;
      done = next;
    }
  }

  /**
   * The spin of {@link putManySync} before it waits: the budget's attempts (see `spin` in
   * wait.ts), made here rather than through a sleep record, so that the many short waits of a
   * streaming pair (a full ring that the consumer empties microseconds later) make no record
   * and no closure. Between two workers that took blocking batches of 256 from about 40 to
   * 48 M items a second (median of 20 alternating rounds). Returns where the put got to; on
   * success the budget grows, as after any spin that succeeds. It stops at once when a
   * `cancelAll()` moved the cancel epoch from `epoch` (the waiting part then gives up before it
   * attempts again): a cancelled call puts nothing more. Errors (a close) leave it as they leave
   * `putBatch`, with the count in a `ClosedError`'s message.
   */
  private putManySpin(batch: Batch<T>, from: number, epoch: number): number {
    const budget = this.putSpin;
    let done = from;
    for (let attempts = budget.limit; attempts > 0; attempts--) {
      if (Atomics.load(this.cells, CANCEL_EPOCH) !== epoch) break;
      done = this.putBatch(batch, done);
      if (done === batch.count) {
        budget.grow();
        break;
      }
    }
    return done;
  }

  /**
   * The waiting part of {@link putManySync} (see {@link putSyncWaiting}), after its spin
   * ({@link putManySpin}).
   */
  private putManyWaiting(
    batch: Batch<T>,
    from: number,
    wait: CheckedWait,
    started: StartedWait,
  ): void {
    let done = from;
    const sleep = this.putSleep(
      () => (done = this.putBatch(batch, done)) === batch.count,
      batch.slots !== undefined,
      false,
      started,
    );
    try {
      sleepSync(this, sleep, 'put', wait, 'putManySync');
    } catch (error) {
      this.annotate(error, done, batch.count);
    }
  }

  /** Checks `values` (and `from`, where a call takes one) and prepares the batch from `from` on. */
  private prepareMany(values: ArrayLike<T>, call: string, reuse = false, from = 0): Batch<T> {
    const count = countOf(values, call);
    if (from !== 0 && !(Number.isInteger(from) && from >= 0 && from <= count)) {
      throw new RangeError(
        `${this.name}: ${call}(values, from) needs from to be an integer from 0 to values.length (${count}), got ${describe(from)}`,
      );
    }
    return this.lane.prepareMany(values, count, reuse, from);
  }

  private annotate(error: unknown, done: number, total: number): never {
    if (error instanceof Error && !(error instanceof ClosedError) && done > 0) {
      error.message += ` (${done} of ${total} values were put)`;
    }
    throw error;
  }

  /**
   * Puts values `from ..` of `batch` while slots are free; returns the new `from`. Values that
   * fit a slot go in runs, one claim per run; a value spanning slots goes alone, in one claim.
   * A closed queue throws `ClosedError`; with `callFrom` (where a try call started), once the
   * call put values, it returns `from` instead (the call reports what it put; its next throws).
   */
  private putBatch(batch: Batch<T>, from: number, callFrom?: number): number {
    this.putStalled = false;
    // A call with nothing to put (no values, or `from` at the end) still finds a closed queue
    // closed, as every put does.
    if (from === batch.count && from === (callFrom ?? 0) && this.ring.closed) {
      throw this.closedError('put');
    }
    const spans = batch.slots;
    for (let tries = 0; from < batch.count && tries < 64; tries++) {
      let count: number;
      if (spans !== undefined && spans[from]! > 1) {
        const index = this.ring.claimPutSpan(spans[from]!);
        if (index >= 0) {
          // The bytes were encoded by prepareMany: the caller's array is not read again here,
          // under the claim.
          const bytes = batch.bytes.subarray(batch.offsets[from], batch.offsets[from + 1]);
          this.lane.write(index, undefined, { bytes, slots: spans[from]! });
          if (this.ring.commitPut(index)) {
            this.putDone(1);
            from++;
          }
          continue; // published, or revoked (closed meanwhile): the next claim says which
        }
        count = index === FULL ? 0 : index;
      } else {
        let run = Math.min(batch.count - from, this.capacity);
        if (spans !== undefined) {
          let fits = 1;
          while (fits < run && spans[from + fits] === 1) fits++;
          run = fits;
        }
        count = this.ring.claimPutMany(run);
      }
      if (count > 0) {
        this.lane.writeMany(this.ring, batch, from, count);
        // Fewer than claimed when a claim was revoked: the rest go again.
        const published = this.ring.commitPutMany();
        if (published > 0) this.putDone(published);
        from += published;
        continue;
      }
      if (count === CLOSED) {
        if (callFrom !== undefined && from > callFrom) return from;
        // Counted from where this call started (a try call's `from`), as its message reports.
        const start = callFrom ?? 0;
        throw this.closedError('put', from - start, batch.count - start);
      }
      if (count === STALLED || count === BUSY) {
        this.putStalled = true;
        if (count === STALLED && this.ring.repairPut()) continue;
      }
      return from;
    }
    return from;
  }

  /**
   * How a put waits for room. `spanning`: its value (or one of its batch) spans slots, so one
   * freed slot may not be enough for it: it sleeps as a greedy sleeper, and while it does every
   * freed slot wakes every sleeping putter (see queue/sleep.ts `wake`). `started`: the caller
   * started to wait earlier, and may have spun already (see {@link putManySpin}).
   */
  private putSleep(
    attempt: () => boolean,
    spanning = false,
    single = false,
    started?: StartedWait,
  ): Sleep {
    sleepsHere(this); // from now on, reported exits wake our sleepers (shared/exits.ts)
    if (tracing())
      emit(this, 'wait', { for: 'not_full', size: this.size, capacity: this.capacity });
    // One shape for every put's record (no spread): its optional parts are left undefined.
    const parts = this.sleepParts;
    return {
      cells: this.cells,
      word: NOT_FULL,
      sleepers: PUT_SLEEPERS,
      spin: this.putSpin,
      attempt,
      ready: single && this.aheadHint > 1 ? parts.roomAhead : undefined,
      patience: undefined,
      spun: started?.spun ?? false,
      stalled: parts.putStalled,
      detail: parts.putDetail,
      greedy: spanning ? SPAN_SLEEPERS : undefined,
      cancel: watchCancel(this.cells, CANCEL_EPOCH, started?.epoch),
    };
  }

  /** After items were published: wake as many sleeping consumers (only if any sleep). */
  private putDone(count: number): void {
    // Our release CAS came before wake's load of the count; a consumer counts itself before its
    // last attempt. Either we see it, or its attempt sees our items (see queue/sleep.ts).
    wake(this.cells, NOT_EMPTY, GET_SLEEPERS, count);
    if (tracing()) emit(this, 'put', { size: this.size, capacity: this.capacity, count });
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
    gateSync(this, 'get');
    const raw = this.take();
    if (raw === CLOSED_TAKE) throw this.closedError('get');
    return raw === EMPTY_TAKE ? EMPTY : { ok: true, value: this.lane.finish(raw) };
  }

  /**
   * Waits for an item, then removes and returns the oldest. Rejects with `ClosedError` once
   * the queue is closed and drained, `TimeoutError` after `timeout` ms, or `signal.reason`;
   * with `CodecError` when the item cannot be decoded (see {@link tryGet}).
   */
  get(options?: WaitOptions): Promise<T> {
    // Not an async function: a getter that sleeps would keep this call's frame alive besides
    // the sleep's own, and a thousand sleeping getters a thousand of them (see PERFORMANCE.md,
    // "Async getters"). Errors still reject the promise, as an async function's would.
    try {
      const gate = gateAsync(this, 'get');
      return gate ? this.getGated(gate, options) : this.getPassed(options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link get} held by a gate (a `GateController` recording or steering this agent): an async
   * function as `get` was, so that it settles on the same microtask as before and a recorded
   * interleaving replays the same (`gate.then(() => this.getPassed())` settled two microtasks
   * later, after a `put` started in the same tick). It repeats {@link getPassed}'s body: awaiting
   * that function's promise here would settle later still.
   */
  private async getGated(gate: Promise<void>, options: WaitOptions | undefined): Promise<T> {
    await gate;
    const wait = checkWait(options);
    const first = this.take();
    if (first !== EMPTY_TAKE) return this.taken(first);
    let raw: unknown = EMPTY_TAKE;
    await sleepAsync(
      this,
      this.getSleep(() => (raw = this.take()) !== EMPTY_TAKE),
      'get',
      wait,
      'get',
    );
    return this.taken(raw);
  }

  /** {@link get} once its gate let it pass; throws what `get` rejects with. */
  private getPassed(options: WaitOptions | undefined): Promise<T> {
    const wait = checkWait(options);
    const first = this.take();
    if (first !== EMPTY_TAKE) return Promise.resolve(this.taken(first));
    let raw: unknown = EMPTY_TAKE;
    return sleepAsync(
      this,
      this.getSleep(() => (raw = this.take()) !== EMPTY_TAKE),
      'get',
      wait,
      'get',
    ).then(() => this.taken(raw));
  }

  /** Blocking form of {@link get}; throws `BlockingCallError` on a browser's main thread. */
  getSync(options?: WaitOptions): T {
    gateSync(this, 'get');
    checkCanBlock(this.name, 'getSync', 'get');
    const wait = checkWait(options);
    const first = this.take();
    return this.taken(first !== EMPTY_TAKE ? first : this.getSyncWaiting(wait));
  }

  /** The waiting part of {@link getSync} (see {@link putSyncWaiting}): what `take` took. */
  private getSyncWaiting(wait: CheckedWait): unknown {
    let raw: unknown = EMPTY_TAKE;
    sleepSync(
      this,
      this.getSleep(() => (raw = this.take()) !== EMPTY_TAKE, true),
      'get',
      wait,
      'get',
    );
    return raw;
  }

  /**
   * Waits until at least one item is there, then removes and returns up to `max` items (those
   * present now), oldest first, with one claim and one copy. Rejects with `ClosedError` once
   * closed and drained.
   *
   * A batch behaves as that many single gets and takes only what it returns: nothing is ever
   * held back in this object, so a consumer that dies or throws mid-batch strands nothing. When
   * an item cannot be decoded, `getMany` returns the items before it and leaves it in the
   * queue; the next get (of any consumer) rejects with its `CodecError` (the item's bytes in
   * `error.bytes`, the codec's error in `cause`), and the gets after that return what follows.
   *
   * @example
   * ```ts
   * // The codec cannot decode item 'c' of the items a, b, c, d:
   * await queue.getMany(10); // ['a', 'b']
   * await queue.getMany(10); // rejects: CodecError, error.bytes holds c's bytes
   * await queue.getMany(10); // ['d']
   * ```
   */
  async getMany(max: number, options?: WaitOptions): Promise<T[]> {
    const gate = gateAsync(this, 'get');
    if (gate) await gate;
    checkPositiveInteger('max', max);
    const wait = checkWait(options);
    const sink: Sink<T> = { array: [], typed: undefined, offset: 0 };
    if (this.takeMany(max, sink) > 0) return sink.array!;
    await sleepAsync(
      this,
      this.getSleep(() => this.takeMany(max, sink) > 0),
      'get',
      wait,
      'getMany',
    );
    return sink.array!;
  }

  /**
   * Blocking form of {@link getMany}. With `into` (a `Float64Array` for a float64 queue, an
   * `Int32Array` for an int32 one) the items are written into it from index 0, at most
   * `min(max, into.length)` of them, and the call returns how many: no allocation at all.
   *
   * @example
   * ```ts
   * const into = new Float64Array(256);
   * const count = queue.getManySync(256, into); // into[0 .. count-1] hold the items
   * ```
   */
  getManySync(max: number, options?: WaitOptions): T[];
  getManySync(max: number, into: Float64Array | Int32Array, options?: WaitOptions): number;
  getManySync(
    max: number,
    into?: Float64Array | Int32Array | WaitOptions,
    options?: WaitOptions,
  ): T[] | number {
    gateSync(this, 'get');
    checkCanBlock(this.name, 'getManySync', 'getMany');
    checkPositiveInteger('max', max);
    // Every check (and every read of the caller's objects) before the sink is pointed at
    // `into`: a getter that called back into this queue could point it elsewhere.
    const typed = ArrayBuffer.isView(into) ? this.checkInto(into, 'getManySync') : undefined;
    const wait = checkWait(typed ? options : (into as WaitOptions | undefined));
    if (typed) max = Math.min(max, lengthOf(typed));
    const sink = this.sinkFor(typed);
    let count = this.takeMany(max, sink);
    if (count !== 0) return sink.array ?? count;
    // The wait starts here (see putManySync).
    const epoch = Atomics.load(this.cells, CANCEL_EPOCH);
    const spun = !tracing();
    if (spun) count = this.getManySpin(max, sink, epoch);
    if (count === 0) count = this.getManyWaiting(max, sink, wait, { spun, epoch });
    return sink.array ?? count;
  }

  /**
   * Removes up to `max` items that are in the queue now, oldest first, with one claim and one
   * copy, and returns them (an empty array when there are none). Never waits: for a browser's
   * main thread, an `AudioWorklet`, or a loop that spins. With `into` (a `Float64Array` for a
   * float64 queue, an `Int32Array` for an int32 one) the items are written into it from index
   * 0, at most `min(max, into.length)` of them, and the call returns how many (`0` when none):
   * no allocation at all. Like {@link getMany}, it takes out of the queue only what it returns.
   *
   * @example
   * ```ts
   * const into = new Float64Array(256);
   * const count = queue.tryGetMany(256, into); // 0 when the queue is empty now
   * for (let i = 0; i < count; i++) mix(into[i]);
   * ```
   * @throws ClosedError when the queue is closed and drained; CodecError when the oldest item
   *   cannot be decoded (as for {@link getMany}); TypeError / RangeError for a bad `into` or
   *   `max`.
   */
  tryGetMany(max: number): T[];
  tryGetMany(max: number, into: Float64Array | Int32Array): number;
  tryGetMany(max: number, into?: Float64Array | Int32Array): T[] | number {
    gateSync(this, 'get');
    checkPositiveInteger('max', max);
    const typed = into === undefined ? undefined : this.checkInto(into, 'tryGetMany');
    if (typed) max = Math.min(max, lengthOf(typed));
    const sink = this.sinkFor(typed);
    const count = this.takeMany(max, sink);
    return sink.array ?? count;
  }

  /**
   * Where a batch get puts its items: a new array, or `typed` (checked) through the reused
   * {@link intoSink}, which the call is done with before it returns (not while tracing). Made
   * last, after every check: nothing of the caller's runs between this and the copy.
   */
  private sinkFor(typed: Float64Array | Int32Array | undefined): Sink<T> {
    if (typed === undefined) return { array: [], typed: undefined, offset: 0 };
    if (tracing()) return { array: undefined, typed, offset: 0 };
    const sink = this.intoSink;
    sink.typed = typed;
    sink.offset = 0;
    return sink;
  }

  /** The spin of {@link getManySync} before it waits (see {@link putManySpin}): how many it took. */
  private getManySpin(max: number, sink: Sink<T>, epoch: number): number {
    const budget = this.getSpin;
    for (let attempts = budget.limit; attempts > 0; attempts--) {
      if (Atomics.load(this.cells, CANCEL_EPOCH) !== epoch) break;
      const count = this.takeMany(max, sink);
      if (count > 0) {
        budget.grow();
        return count;
      }
    }
    return 0;
  }

  /**
   * The waiting part of {@link getManySync} (see {@link putSyncWaiting}), after its spin
   * ({@link getManySpin}): how many it took.
   */
  private getManyWaiting(
    max: number,
    sink: Sink<T>,
    wait: CheckedWait,
    started: StartedWait,
  ): number {
    let count = 0;
    sleepSync(
      this,
      this.getSleep(() => (count = this.takeMany(max, sink)) > 0, false, started),
      'get',
      wait,
      'getManySync',
    );
    return count;
  }

  private checkInto(into: unknown, call: string): Float64Array | Int32Array {
    const lane = this.lane;
    // By the array's internal name and length (a Proxy of a typed array has neither), not by its
    // prototype or a `length` of its own: the count taken out of the queue is what fits.
    const kind = kindOf(into);
    const ok =
      (lane instanceof Float64Lane && kind === 'Float64Array') ||
      (lane instanceof Int32Lane && kind === 'Int32Array');
    if (!ok || lengthOf(into as Float64Array) === 0) {
      throw new TypeError(
        `${this.name}: ${call}(max, into) needs a non-empty ${lane instanceof Int32Lane ? 'Int32Array' : 'Float64Array'} for codec '${this.codec.name}', got ${describe(into)}`,
      );
    }
    return into as Float64Array | Int32Array;
  }

  /**
   * Closes the queue for every agent: later puts throw `ClosedError`; waiting putters are woken
   * and throw `ClosedError` (their values are not added); gets drain what is left, then throw
   * `ClosedError`. With `immediate: true` the items left are dropped. Idempotent.
   */
  close(options?: CloseOptions): void {
    gateSync(this, 'close');
    const immediate = options?.immediate ?? false;
    if (typeof immediate !== 'boolean') {
      throw new TypeError(`immediate must be a boolean, got ${describe(immediate)}`);
    }
    // Order: the mark bit in tail first (puts fail from here on); with `immediate`, then the
    // mark bit in head (gets fail from here on, dropping what is left; see Ring.closeGets);
    // then wake every sleeper by moving both sequence words.
    const first = this.ring.close();
    if (immediate) this.ring.closeGets();
    if (tracing() && (first || immediate)) emit(this, 'close', { immediate, size: this.size });
    this.wakeEverySleeper();
  }

  /**
   * Makes every put and get waiting now (in any agent, blocking or async, and any `select()`
   * with a case on this queue) give up with a `CancelledError` (in this agent: with `reason`
   * when given), having put or taken nothing; the queue stays open with its items, and later
   * calls are not affected. Returns how many calls were counted as sleeping on the queue at
   * that moment (see shared/cancel.ts for what the count means across agents; a call still in
   * its short spin before sleeping is cancelled too but not counted).
   *
   * @example
   * ```ts
   * const q = new SharedQueue<number>({ capacity: 4, codec: 'float64', name: 'q' });
   * const waiting = q.get().catch((e: unknown) => e); // CancelledError
   * await new Promise((r) => setTimeout(r, 10));
   * q.cancelAll(); // 1
   * ```
   */
  cancelAll(reason?: unknown): number {
    const puts = Atomics.load(this.cells, PUT_SLEEPERS) + Atomics.load(this.cells, ROOM_SLEEPERS);
    const gets = bumpEpoch(this.cells, CANCEL_EPOCH, GET_SLEEPERS, reason);
    // The epoch moved before the sleep words, which are pure sequence words: moving them wakes
    // every sleeper to re-check (and them only), as close() does (see cancel.ts).
    this.wakeEverySleeper();
    return puts + gets;
  }

  /**
   * Blocking iteration for workers: yields items (`getSync`) until the queue is closed and
   * drained. Throws `BlockingCallError` on a browser's main thread; use `for await` there.
   *
   * @example
   * ```ts
   * // in a worker
   * for (const order of SharedQueue.from(workerData.orders)) handle(order);
   * ```
   */
  *[Symbol.iterator](): Iterator<T> {
    for (;;) {
      let value: T;
      try {
        value = this.getSync();
      } catch (error) {
        if (error instanceof ClosedError) return;
        throw error;
      }
      yield value;
    }
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

  /**
   * Takes one item: what the lane read (still to be decoded), {@link EMPTY_TAKE} or
   * {@link CLOSED_TAKE}. Repairs a dead producer's slot on the way; on a closed queue it
   * revokes a claim that stops the drain, so close() always ends gets.
   */
  private take(): unknown {
    this.getStalled = false;
    for (let tries = 0; tries < 4; tries++) {
      const index = this.ring.claimGet();
      if (this.ring.passed !== 0) this.holesPassed();
      if (index >= 0) {
        const raw = this.lane.read(index);
        const freed = this.ring.commitGet(index);
        // 0: a one-to-one queue's gets were closed (immediate) between the read and the free,
        // so the item was dropped with the rest; the next claim says closed.
        if (freed === 0) continue;
        this.getDone(1, freed);
        return raw;
      }
      if (index === CLOSED) return CLOSED_TAKE;
      if (index === STALLED || index === BUSY) {
        this.getStalled = true;
        if (index === STALLED && this.ring.repairGet(this.ring.closed)) continue;
      }
      return EMPTY_TAKE;
    }
    return EMPTY_TAKE;
  }

  private taken(raw: unknown): T {
    if (raw === CLOSED_TAKE) throw this.closedError('get');
    return this.lane.finish(raw);
  }

  /**
   * Takes up to `max` items into `sink` with one claim: copies (decodes) them first, then
   * claims exactly what it copied (see Ring.scanGet), then frees their slots. Returns how many;
   * throws `ClosedError` when closed and drained, or the `CodecError` of an undecodable first
   * item (taken alone, like a single get).
   */
  private takeMany(max: number, sink: Sink<T>): number {
    this.getStalled = false;
    const ring = this.ring;
    for (let tries = 0; tries < 16; tries++) {
      const found = ring.scanGet(Math.min(max, this.capacity));
      if (ring.passed !== 0) this.holesPassed();
      if (found === 0) {
        const why = ring.scanResult;
        if (why === CLOSED) throw this.closedError('get');
        if (why === STALLED || why === BUSY) {
          this.getStalled = true;
          if (why === STALLED && ring.repairGet(ring.closed)) continue;
        }
        return 0;
      }
      const before = sink.array?.length ?? 0;
      const copied = this.lane.peekMany(ring, found, sink);
      if (!ring.claimScanned(copied > 0 ? copied : 1)) {
        if (sink.array !== undefined) sink.array.length = before; // another consumer was first
        continue;
      }
      this.getDone(copied > 0 ? copied : 1, ring.commitGetMany());
      if (copied === 0) throw this.lane.failure!;
      return copied;
    }
    this.getStalled = true;
    return 0;
  }

  /**
   * How a get waits for an item; `single`: a blocking single get (see {@link aheadHint});
   * `started`: the caller started to wait earlier, and may have spun already (see
   * {@link getManySpin}).
   */
  private getSleep(attempt: () => boolean, single = false, started?: StartedWait): Sleep {
    sleepsHere(this); // from now on, reported exits wake our sleepers (shared/exits.ts)
    if (tracing())
      emit(this, 'wait', { for: 'not_empty', size: this.size, capacity: this.capacity });
    // One shape for every get's record, as putSleep's.
    const parts = this.sleepParts;
    const hinted = single && this.aheadHint > 1;
    return {
      cells: this.cells,
      word: NOT_EMPTY,
      sleepers: GET_SLEEPERS,
      spin: this.getSpin,
      attempt,
      ready: hinted ? parts.readyAhead : undefined,
      patience: hinted ? READY_PATIENCE : undefined,
      spun: started?.spun ?? false,
      stalled: parts.getStalled,
      detail: parts.getDetail,
      greedy: undefined,
      cancel: watchCancel(this.cells, CANCEL_EPOCH, started?.epoch),
    };
  }

  /**
   * Wakes every sleeper of this queue, in every agent, to re-check, by moving both sequence
   * words: after `close()` or `cancelAll()`, and when an agent was reported exited, as it may
   * have swallowed a wake-up one of them was owed (see shared/exits.ts).
   *
   * @internal
   */
  wakeEverySleeper(): void {
    wakeEveryone(this.cells, NOT_EMPTY, GET_SLEEPERS);
    wakeEveryone(this.cells, NOT_FULL, PUT_SLEEPERS);
    wakeEveryone(this.cells, ROOM, ROOM_SLEEPERS);
  }

  /** After the ring passed holes (freeing their slots): wake putters for them, as getDone does. */
  private holesPassed(): void {
    const slots = this.ring.passed;
    this.ring.passed = 0;
    this.slotsFreed(slots);
  }

  /** After `count` items were taken and `slots` slots freed. */
  private getDone(count: number, slots: number): void {
    this.slotsFreed(slots);
    if (tracing()) emit(this, 'get', { size: this.size, capacity: this.capacity, count });
  }

  /**
   * After `slots` slots were freed: wakes as many sleeping putters (only if any sleep; all of
   * them while a putter of a spanning value sleeps, see sleep.ts), and every
   * {@link waitForRoom} sleeper once at most half the slots are taken. Why no wake-up of the
   * latter is lost: our claim moved `head` before this load of their count; a sleeper counts
   * itself before it reads `head` (sequentially consistent atomics), so either we see it, and
   * wake it if the room is there, or its own check sees our claim. Waking them all is right: it
   * happens once per half a ring, and they are few (producers that found it full).
   */
  private slotsFreed(slots: number): void {
    const cells = this.cells;
    wake(cells, NOT_FULL, PUT_SLEEPERS, slots, SPAN_SLEEPERS);
    if (Atomics.load(cells, ROOM_SLEEPERS) === 0) return;
    if (this.ring.slotsTaken <= this.capacity >> 1) wakeEveryone(cells, ROOM, ROOM_SLEEPERS);
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

const EMPTY_TAKE = Symbol('empty');
const CLOSED_TAKE = Symbol('closed');

function checkCapacity(capacity: unknown): number {
  checkPositiveInteger('capacity', capacity);
  if ((capacity as number) > MAX_CAPACITY) {
    throw new RangeError(`capacity must be at most ${MAX_CAPACITY}, got ${capacity as number}`);
  }
  return capacity as number;
}

/**
 * The `maxValueBytes` option: for a variable-size codec, a positive integer up to what the
 * slots hold (`capacity x slotSize`), default 1 MiB or that; for a fixed-size one, the size.
 */
function checkMaxValueBytes(
  codec: Codec<unknown>,
  capacity: number,
  slotSize: number,
  maxValueBytes: unknown,
): number {
  const fixed = codec.fixedSize !== undefined || laneOf(codec) !== BYTES_LANE;
  if (maxValueBytes === undefined) {
    return fixed ? slotSize : Math.min(DEFAULT_MAX_VALUE_BYTES, capacity * slotSize);
  }
  checkPositiveInteger('maxValueBytes', maxValueBytes);
  const bytes = maxValueBytes as number;
  if (fixed) {
    if (bytes < slotSize) {
      throw new RangeError(
        `maxValueBytes must be at least ${slotSize} for codec '${codec.name}' (every value takes ${slotSize} bytes), got ${bytes}`,
      );
    }
    return slotSize;
  }
  if (bytes > capacity * slotSize) {
    throw new RangeError(
      `maxValueBytes must be at most capacity x slotSize (${capacity} x ${slotSize} = ${capacity * slotSize} bytes: ` +
        `a value may span every slot, not more), got ${bytes}; raise capacity or slotSize, or lower maxValueBytes`,
    );
  }
  return bytes;
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

/**
 * How many values a batch put is given, read once: a typed array's own length (its internal
 * slot, as `TypedArray.prototype.set` reads it: a `length` property of the caller's is not
 * consulted), else the array-like's `length`, which must be a number.
 */
function countOf(values: unknown, call: string): number {
  const typed = typedLength(values);
  if (typed !== undefined) return typed;
  const length =
    typeof values === 'object' && values !== null
      ? (values as { length?: unknown }).length
      : undefined;
  if (typeof length !== 'number') {
    throw new TypeError(`${call} needs an array of values, got ${describe(values)}`);
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new TypeError(
      `${call} needs an array of values whose length is a whole number from 0 up, got length ${length}`,
    );
  }
  return length;
}
