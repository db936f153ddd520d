/**
 * {@link RedisQueue}: core's bounded queue, shared by processes and machines through a Redis
 * Stream with a consumer group.
 *
 * How an item travels: `put` appends it to the stream (a script checks room and close in the
 * same step); `get` reads it for this process's consumer with `XREADGROUP`, which also records
 * it in the group's pending-entries list (PEL); `taskDone` acknowledges it and deletes it from
 * the stream in one script. An item whose consumer died stays in the PEL; once it has been idle
 * for `claimIdle` ms another consumer takes it over with `XAUTOCLAIM` and gets it again, with
 * its delivery count raised. That is at-least-once delivery: an item is never lost once `put`
 * resolved, and may be handled twice when a consumer dies (or stalls past `claimIdle`) between
 * handling it and acknowledging it.
 *
 * Wake-up rules across processes: a blocked read ends when an item arrives, after
 * `pollInterval` ms, or when `close()` in any process unblocks it (`CLIENT UNBLOCK` on every
 * connection named as a reader of this queue); after an empty read the reader checks whether
 * the queue is closed and drained. Waiting for room and `join()` poll with a short backoff.
 *
 * @module
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  ClosedError,
  CodecError,
  EMPTY,
  type CloseOptions,
  type Codec,
  type JsonValue,
  type QueueLike,
  type TryGetResult,
  type WaitOptions,
} from '@baton/core';
import type { Redis } from 'ioredis';
import { connect } from './connection.js';
import { describe, settle, type RedisQueueOptions, type Settled } from './options.js';
import { ACK, BURY, CLOSE, GROUP, keysOf, OPEN, PUT, RECLAIM, STATE, TOUCH } from './scripts.js';
import { checkWait, park, Pauses, timedOut, type Parked } from './wait.js';

/** One delivery of an item to this consumer: what {@link RedisQueue.receive} returns. */
export class Delivery<T> {
  /** The item's stream entry id (the same in every delivery of the item). */
  readonly id: string;
  /** The item. */
  readonly value: T;
  /** How many times the item has been delivered, this time included: 1 the first time. */
  readonly deliveries: number;
  constructor(id: string, value: T, deliveries: number) {
    this.id = id;
    this.value = value;
    this.deliveries = deliveries;
    Object.freeze(this);
  }
  /** Whether an earlier delivery of this item was not acknowledged (its consumer died or stalled). */
  get redelivered(): boolean {
    return this.deliveries > 1;
  }
}

/** An item in the dead-letter stream. */
export interface DeadLetter<T> {
  /** Its id in the dead-letter stream. */
  readonly id: string;
  /** Its id in the queue's stream. */
  readonly source: string;
  /** The item, or its bytes when they could not be decoded. */
  readonly value: T | Uint8Array;
  /** How many times it had been delivered. */
  readonly deliveries: number;
  /** `'max-deliveries'`, or `'undecodable: <message>'`. */
  readonly reason: string;
}

/** What {@link RedisQueue.stats} reports, read from Redis in one step. */
export interface RedisQueueStats {
  /** Items put and not yet acknowledged (waiting or being handled). */
  readonly length: number;
  /** Of those, how many are delivered and not yet acknowledged (the group's PEL). */
  readonly pending: number;
  /** `''` while open, else how it was closed. */
  readonly closed: '' | 'drain' | 'immediate';
  /** Items ever put, acknowledged, sent to the dead-letter stream, dropped by `immediate`. */
  readonly put: number;
  readonly acked: number;
  readonly dead: number;
  readonly dropped: number;
  /** The queue's capacity. */
  readonly capacity: number;
}

type Call = (...args: (string | number | Buffer)[]) => Promise<unknown>;

/** Longest pause between two polls for room or for `join()`, in ms. */
const MAX_POLL_PAUSE = 25;

const isNoGroup = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('NOGROUP');

/**
 * A bounded queue on a Redis Stream, shared by every process that opens the same `name`: the
 * same `put` / `get` / `close` / `taskDone` / `join` / `for await` as core's `Queue`, with
 * `{ timeout, signal }` and `TimeoutError` / `ClosedError`, values through core's codecs.
 *
 * Guarantees: at-least-once delivery. A `put` that resolved is in Redis (durable as far as
 * Redis's own persistence is: run it with `appendonly yes`); each item is delivered to one
 * consumer at a time; an item not acknowledged within `claimIdle` ms of its delivery (its
 * consumer died) is delivered again to another consumer, up to `maxDeliveries` times, then it
 * goes to the dead-letter stream. Handlers must therefore be idempotent.
 *
 * @example
 * ```ts
 * import { RedisQueue } from '@baton/redis';
 *
 * const queue = await RedisQueue.open<number>({ name: 'squares', capacity: 64 });
 * await queue.put(7);
 * const item = await queue.receive(); // { id, value: 7, deliveries: 1 }
 * console.log(item.value * item.value);
 * await queue.taskDone(item); // acknowledged: never delivered again
 * await queue.close(); // every process's gets end once the queue is drained
 * await queue.disconnect();
 * ```
 */
export class RedisQueue<T = JsonValue> implements QueueLike<T>, AsyncDisposable {
  /** The queue's name (shared by every process). */
  readonly name: string;
  /** This process's consumer name in the group. */
  readonly consumer: string;
  /** Most items put and not yet acknowledged. */
  readonly capacity: number;

  private readonly options: Settled<T>;
  private readonly codec: Codec<T>;
  private readonly keys: ReturnType<typeof keysOf>;
  private readonly command: Redis;
  private readonly blocking: Redis;
  private readonly scratch: Uint8Array;
  private readonly call: Record<
    'put' | 'ack' | 'close' | 'state' | 'bury' | 'open' | 'touch',
    Call
  >;
  private readonly reclaimCall: Call;
  private readonly pauses = new Pauses();
  /** Gets waiting for an item, oldest first. */
  private readonly getters: Parked<Delivery<T>>[] = [];
  /** Items read for gets that gave up meanwhile: served first to the next get. */
  private readonly ready: Delivery<T>[] = [];
  /** Deliveries handed out by this instance and not yet acknowledged, by id. */
  private readonly outstanding = new Map<string, Delivery<T>>();
  private reading = false;
  private lastReclaim = 0;
  private lastLength = 0;
  private closedMode: '' | 'drain' | 'immediate' = '';
  /** Closed and nothing left: no get can ever succeed again. */
  private drained = false;
  private disconnected = false;

  private constructor(options: Settled<T>, consumer: string, capacity: number) {
    this.options = options;
    this.name = options.name;
    this.consumer = consumer;
    this.codec = options.codec;
    this.keys = keysOf(options.name);
    this.capacity = capacity;
    this.scratch = new Uint8Array(options.codec.fixedSize ?? options.maxItemBytes);
    const tag = encodeURIComponent(options.name);
    this.command = connect(
      options.redis,
      'command',
      options.name,
      `baton-command:${tag}`,
      options.onConnection,
    );
    this.blocking = connect(
      options.redis,
      'blocking',
      options.name,
      `baton-reader:${tag}:${encodeURIComponent(consumer)}`,
      options.onConnection,
    );
    const define = (name: string, keys: number, lua: string, buffers = false): Call => {
      this.command.defineCommand(name, { numberOfKeys: keys, lua });
      const methods = this.command as unknown as Record<string, Call>;
      const method = methods[buffers ? `${name}Buffer` : name] as Call;
      return method.bind(this.command);
    };
    this.call = {
      open: define('batonOpen', 2, OPEN),
      put: define('batonPut', 2, PUT),
      ack: define('batonAck', 2, ACK),
      close: define('batonClose', 2, CLOSE),
      state: define('batonState', 3, STATE),
      bury: define('batonBury', 3, BURY),
      touch: define('batonTouch', 1, TOUCH),
    };
    this.reclaimCall = define('batonReclaim', 3, RECLAIM, true);
  }

  /**
   * Connects to Redis and opens (creating if needed) the queue named `options.name`.
   *
   * @throws TypeError / RangeError naming a bad option, before connecting; RangeError when the
   *   queue exists with another capacity.
   */
  static async open<T = JsonValue>(options: RedisQueueOptions<T>): Promise<RedisQueue<T>> {
    const settled = settle(options);
    const consumer =
      settled.consumer ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    // The capacity is settled by the first open; read it before building the instance.
    const queue = new RedisQueue<T>(settled, consumer, settled.capacity ?? 1024);
    try {
      const [stored, closed] = (await queue.call.open(
        queue.keys.items,
        queue.keys.state,
        GROUP,
        settled.capacity === undefined ? '' : String(settled.capacity),
        '1024',
      )) as [string, string];
      const capacity = Number(stored);
      if (settled.capacity !== undefined && capacity !== settled.capacity) {
        throw new RangeError(
          `RedisQueue ${settled.name}: capacity ${settled.capacity} differs from the capacity ` +
            `${capacity} the queue was created with`,
        );
      }
      (queue as { capacity: number }).capacity = capacity;
      if (closed === 'drain' || closed === 'immediate') queue.closedMode = closed;
      return queue;
    } catch (error) {
      await queue.disconnect();
      throw error;
    }
  }

  /** Items put and not yet acknowledged, as last seen by this process (`stats()` reads it now). */
  get size(): number {
    return this.lastLength;
  }

  /** Whether the queue is closed, as far as this process has seen (its own close, or Redis's). */
  get closed(): boolean {
    return this.closedMode !== '';
  }

  /**
   * Waits while the queue holds `capacity` unacknowledged items, then appends `value`.
   *
   * @throws ClosedError once the queue is closed (by any process); TimeoutError after
   *   `timeout` ms of waiting for room; `signal.reason` on abort; CodecError when the codec
   *   refuses `value` (nothing is sent).
   */
  async put(value: T, options?: WaitOptions): Promise<void> {
    const what = `RedisQueue ${this.name}: put`;
    const timeout = checkWait(what, options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    this.refusePut();
    const payload = this.encode(value);
    const deadline = performance.now() + timeout;
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_POLL_PAUSE)) {
      const [status, length] = (await this.call.put(
        this.keys.items,
        this.keys.state,
        this.capacity,
        payload,
      )) as [number, number];
      this.lastLength = length;
      if (status === 1) return;
      if (status === -1) {
        if (this.closedMode === '') this.closedMode = 'drain';
        this.refusePut();
      }
      const left = deadline - performance.now();
      if (left <= 0) throw timedOut(what, timeout);
      await this.pauses.pause(Math.min(pause, left), signal);
      this.refusePut();
    }
  }

  /**
   * Always `false` unless the queue is closed: whether there is room is known only to Redis, so
   * an add cannot be done without waiting. Pipelines then use `put`.
   *
   * @throws ClosedError once this process has seen the queue closed.
   */
  tryPut(_value: T): boolean {
    this.refusePut();
    return false;
  }

  /**
   * Waits for an item and returns it. Call {@link taskDone} with the item once it is handled;
   * an item not acknowledged within `claimIdle` ms is delivered again (to any consumer).
   *
   * @throws ClosedError once the queue is closed and drained (or closed with `immediate`);
   *   TimeoutError after `timeout` ms; `signal.reason` on abort.
   */
  async get(options?: WaitOptions): Promise<T> {
    return (await this.receive(options)).value;
  }

  /** Like {@link get}, but returns the whole {@link Delivery}: id, value and delivery count. */
  async receive(options?: WaitOptions): Promise<Delivery<T>> {
    const what = `RedisQueue ${this.name}: get`;
    const timeout = checkWait(what, options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    const buffered = this.takeReady();
    if (buffered !== undefined) return buffered;
    this.refuseGet();
    const waiting = park(this.getters, what, timeout, signal);
    this.startReading();
    return waiting;
  }

  /**
   * Returns an item only when one was already read for this process (by a get that gave up
   * before it arrived); reading Redis needs waiting, so otherwise `{ ok: false }`.
   *
   * @throws ClosedError once the queue is closed and drained, as far as this process has seen.
   */
  tryGet(): TryGetResult<T> {
    const buffered = this.takeReady();
    if (buffered !== undefined) return { ok: true, value: buffered.value };
    this.refuseGet();
    return EMPTY;
  }

  /**
   * Acknowledges an item got from this queue: it is deleted from Redis and never delivered
   * again. Pass the {@link Delivery} from `receive()`, or the value from `get()` (the oldest
   * outstanding delivery of an equal value is acknowledged; equal values are interchangeable).
   *
   * Resolves with `true`, or `false` when the item had already been acknowledged by another
   * consumer that reclaimed it (this one was too slow: the item was handled twice).
   *
   * @throws RangeError when no delivery of this item is outstanding in this process (already
   *   acknowledged, or never got here).
   */
  async taskDone(item: T | Delivery<T>): Promise<boolean> {
    const delivery = this.findOutstanding(item);
    this.outstanding.delete(delivery.id);
    const [acked, length, closed] = (await this.call.ack(
      this.keys.items,
      this.keys.state,
      GROUP,
      delivery.id,
    )) as [number, number, string];
    this.lastLength = length;
    this.pauses.wake();
    // The last item of a closed queue: wake every blocked reader so that their gets end now.
    if (length === 0 && closed !== '') await this.unblockReaders();
    return acked === 1;
  }

  /**
   * Tells Redis this process is still working on an item, resetting its idle time: a handler
   * that may take longer than `claimIdle` calls it now and then, so that the item is not
   * reclaimed and handled twice. Resolves `false` when the item was already reclaimed by another
   * consumer (stop, or expect it handled twice).
   *
   * @throws RangeError when no delivery of this item is outstanding in this process.
   */
  async touch(item: T | Delivery<T>): Promise<boolean> {
    const delivery = this.findOutstanding(item);
    const held = (await this.call.touch(
      this.keys.items,
      GROUP,
      this.consumer,
      delivery.id,
    )) as number;
    return held === 1;
  }

  /**
   * Waits until every item put (by any process) has been acknowledged, sent to the dead-letter
   * stream, or dropped by `close({ immediate: true })`.
   *
   * @throws TimeoutError after `timeout` ms; `signal.reason` on abort.
   */
  async join(options?: WaitOptions): Promise<void> {
    const what = `RedisQueue ${this.name}: join`;
    const timeout = checkWait(what, options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    const deadline = performance.now() + timeout;
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_POLL_PAUSE)) {
      const { length } = await this.stats();
      if (length === 0) return;
      const left = deadline - performance.now();
      if (left <= 0) throw timedOut(what, timeout);
      await this.pauses.pause(Math.min(pause, left), signal);
    }
  }

  /**
   * Closes the queue for every process: puts throw `ClosedError` at once; gets drain what is
   * left (including items reclaimed from dead consumers), then throw `ClosedError`. With
   * `immediate: true` the items left are dropped and gets end at once. Idempotent. Resolves
   * once Redis has recorded the close and the blocked readers of every process were woken.
   */
  async close(options?: CloseOptions): Promise<void> {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`RedisQueue ${this.name}: close options must be an object`);
    }
    const immediate = options?.immediate ?? false;
    if (typeof immediate !== 'boolean') {
      throw new TypeError(
        `RedisQueue ${this.name}: close immediate must be a boolean, got ${describe(immediate)}`,
      );
    }
    this.sawClosed(immediate ? 'immediate' : 'drain');
    const mode = (await this.call.close(
      this.keys.items,
      this.keys.state,
      GROUP,
      immediate ? 'immediate' : 'drain',
    )) as 'drain' | 'immediate';
    this.sawClosed(mode);
    await this.unblockReaders();
  }

  /** The queue's state, read from Redis now. */
  async stats(): Promise<RedisQueueStats> {
    const [length, pending, closed, put, acked, dead, dropped, capacity] = (await this.call.state(
      this.keys.items,
      this.keys.state,
      this.keys.dead,
      GROUP,
    )) as [number, number, '' | 'drain' | 'immediate', number, number, number, number, number];
    this.lastLength = length;
    if (closed !== '') this.sawClosed(closed);
    return { length, pending, closed, put, acked, dead, dropped, capacity };
  }

  /** The items in the dead-letter stream, oldest first (at most `count`). */
  async deadLetters(count = 1000): Promise<DeadLetter<T>[]> {
    const entries = (await this.command.xrangeBuffer(this.keys.dead, '-', '+', 'COUNT', count)) as [
      Buffer,
      Buffer[],
    ][];
    return entries.map(([id, fields]) => {
      const field = (name: string): Buffer | undefined => {
        for (let i = 0; i + 1 < fields.length; i += 2) {
          if (fields[i]?.toString() === name) return fields[i + 1];
        }
        return undefined;
      };
      const bytes = new Uint8Array(field('v') ?? Buffer.alloc(0));
      let value: T | Uint8Array;
      try {
        value = this.codec.decode(bytes);
      } catch {
        value = bytes;
      }
      return {
        id: id.toString(),
        source: field('source')?.toString() ?? '',
        value,
        deliveries: Number(field('deliveries')?.toString() ?? '0'),
        reason: field('reason')?.toString() ?? '',
      };
    });
  }

  /**
   * Gets items until the queue is closed and drained. Each item is acknowledged when the loop
   * body has finished with it (when the next item is asked for); an item whose body threw or
   * left the loop (`break`) is not acknowledged, so it is delivered again after `claimIdle`.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let delivery: Delivery<T>;
      try {
        delivery = await this.receive();
      } catch (error) {
        if (error instanceof ClosedError && (this.drained || this.closedMode === 'immediate')) {
          return;
        }
        throw error;
      }
      yield delivery.value;
      await this.taskDone(delivery);
    }
  }

  /**
   * Ends this process's connections (the queue itself stays, for the other processes). Waiting
   * calls of this process reject with `ClosedError`. Items this process got and did not
   * acknowledge are delivered again to the others after `claimIdle`.
   */
  async disconnect(): Promise<void> {
    if (this.disconnected) return;
    this.disconnected = true;
    const error = new ClosedError(`RedisQueue ${this.name}: this process disconnected`);
    for (const getter of [...this.getters]) getter.reject(error);
    this.pauses.wake();
    this.blocking.disconnect();
    try {
      await this.command.quit();
    } catch {
      this.command.disconnect();
    }
  }

  /** Deletes the queue's keys in Redis (for every process), then disconnects. */
  async destroy(): Promise<void> {
    await this.command.del(this.keys.items, this.keys.state, this.keys.dead);
    await this.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.disconnect();
  }

  // --- internals ---

  private encode(value: T): Buffer {
    const length = this.codec.encode(value, this.scratch);
    return Buffer.from(this.scratch.subarray(0, length));
  }

  private refusePut(): void {
    if (this.disconnected) {
      throw new ClosedError(`RedisQueue ${this.name}: this process disconnected`);
    }
    if (this.closedMode !== '') throw new ClosedError(`RedisQueue ${this.name}: put after close`);
  }

  private refuseGet(): void {
    if (this.disconnected) {
      throw new ClosedError(`RedisQueue ${this.name}: this process disconnected`);
    }
    if (this.closedMode === 'immediate') {
      throw new ClosedError(`RedisQueue ${this.name}: closed (immediate)`);
    }
    if (this.drained) throw new ClosedError(`RedisQueue ${this.name}: closed and drained`);
  }

  /** Records a close seen here or in Redis; `immediate` ends every local get at once. */
  private sawClosed(mode: 'drain' | 'immediate'): void {
    if (this.closedMode !== 'immediate') this.closedMode = mode;
    this.pauses.wake(); // waiting puts see the close now
    if (mode === 'immediate') {
      this.ready.length = 0;
      this.endGets();
    }
  }

  /** Rejects every waiting get: the queue is closed and drained, or closed at once. */
  private endGets(): void {
    for (const getter of [...this.getters]) {
      try {
        this.refuseGet();
      } catch (error) {
        getter.reject(error);
      }
    }
  }

  private takeReady(): Delivery<T> | undefined {
    const delivery = this.ready.shift();
    if (delivery !== undefined) this.outstanding.set(delivery.id, delivery);
    return delivery;
  }

  private findOutstanding(item: T | Delivery<T>): Delivery<T> {
    if (item instanceof Delivery) {
      if (this.outstanding.get(item.id) === item) return item;
      throw new RangeError(
        `RedisQueue ${this.name}: taskDone() for item ${item.id}, which is not outstanding here ` +
          '(already acknowledged, or delivered again since)',
      );
    }
    for (const delivery of this.outstanding.values()) {
      if (delivery.value === item || (delivery.value !== delivery.value && item !== item)) {
        return delivery;
      }
    }
    throw new RangeError(
      `RedisQueue ${this.name}: taskDone() for ${describe(item)}, but no delivery of it is ` +
        'outstanding in this process (acknowledged already, or never got here)',
    );
  }

  /** Hands `delivery` to the oldest waiting get, or keeps it for the next one. */
  private deliver(delivery: Delivery<T>): void {
    const getter = this.getters[0];
    if (getter === undefined) {
      this.ready.push(delivery);
      return;
    }
    this.outstanding.set(delivery.id, delivery);
    getter.resolve(delivery); // removes it from `getters`
  }

  /** Decodes one entry; an undecodable one goes to the dead-letter stream and fails one get. */
  private async accept(id: string, payload: Buffer, deliveries: number): Promise<void> {
    let value: T;
    try {
      value = this.codec.decode(new Uint8Array(payload.buffer, payload.byteOffset, payload.length));
    } catch (cause) {
      await this.call.bury(
        this.keys.items,
        this.keys.dead,
        this.keys.state,
        GROUP,
        id,
        payload,
        deliveries,
        `undecodable: ${(cause as Error).message}`,
      );
      const error = new CodecError(
        `RedisQueue ${this.name}: item ${id} could not be decoded by codec ${this.codec.name}; ` +
          'it was moved to the dead-letter stream',
        { cause, bytes: new Uint8Array(payload) },
      );
      this.getters[0]?.reject(error);
      return;
    }
    this.deliver(new Delivery(id, value, deliveries));
  }

  private startReading(): void {
    if (this.reading) return;
    this.reading = true;
    void this.read().finally(() => {
      this.reading = false;
      // A get may have arrived between the loop's last check and now.
      if (this.getters.length > 0 && !this.disconnected) this.startReading();
    });
  }

  /**
   * The reader loop, one per instance, running while gets wait: reclaims idle items of dead
   * consumers now and then, reads new items with a blocking `XREADGROUP` (as many as gets
   * wait), and after an empty read checks whether the queue is closed and drained.
   */
  private async read(): Promise<void> {
    const reclaimEvery = Math.max(1, Math.floor(this.options.claimIdle / 2));
    while (this.getters.length > 0 && !this.disconnected) {
      try {
        if (performance.now() - this.lastReclaim >= reclaimEvery) {
          this.lastReclaim = performance.now();
          const claimed = (await this.reclaimCall(
            this.keys.items,
            this.keys.dead,
            this.keys.state,
            GROUP,
            this.consumer,
            this.options.claimIdle,
            Math.max(this.getters.length, 1),
            this.options.maxDeliveries,
          )) as [Buffer, Buffer, number][];
          for (const [id, payload, deliveries] of claimed) {
            await this.accept(id.toString(), payload, Number(deliveries));
          }
          if (this.getters.length === 0) break;
        }
        const reply = (await this.blocking.callBuffer(
          'XREADGROUP',
          'GROUP',
          GROUP,
          this.consumer,
          'COUNT',
          this.getters.length,
          'BLOCK',
          // Wake in time for the next reclaim, so a dead consumer's items are not left waiting.
          Math.min(this.options.pollInterval, reclaimEvery),
          'STREAMS',
          this.keys.items,
          '>',
        )) as [Buffer, [Buffer, Buffer[]][]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        for (const [id, fields] of entries) {
          await this.accept(id.toString(), fields[1] ?? Buffer.alloc(0), 1);
        }
        if (entries.length === 0) await this.checkDrained();
      } catch (error) {
        if (this.disconnected) return;
        if (isNoGroup(error)) {
          // Redis lost the group (restarted without persistence): make it again.
          await this.call.open(this.keys.items, this.keys.state, GROUP, '', String(this.capacity));
          continue;
        }
        for (const getter of [...this.getters]) getter.reject(error);
        return;
      }
    }
  }

  /** After an empty read: ends the waiting gets if the queue is closed and nothing is left. */
  private async checkDrained(): Promise<void> {
    const { length, closed } = await this.stats();
    if (closed === 'drain' && length === 0 && this.ready.length === 0) {
      this.drained = true;
      this.endGets();
    }
  }

  /** Wakes every connection blocked in a read of this queue, in every process. */
  private async unblockReaders(): Promise<void> {
    const list = (await this.command.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
    const prefix = `name=baton-reader:${encodeURIComponent(this.name)}:`;
    const ids: string[] = [];
    for (const line of list.split('\n')) {
      if (!line.includes(` ${prefix}`)) continue;
      const id = /^id=(\d+)/.exec(line)?.[1];
      if (id !== undefined) ids.push(id);
    }
    await Promise.all(ids.map((id) => this.command.call('CLIENT', 'UNBLOCK', id)));
  }
}
