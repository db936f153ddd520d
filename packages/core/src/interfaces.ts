/**
 * Interfaces shared by the in-thread and the shared-memory primitives, so that pipelines and the
 * testkit accept either.
 *
 * @module
 */
import type { WaitOptions } from './options.js';

/** Anything that can be acquired and released like a lock. */
export interface Lockable {
  /** Waits until the lock is free, then takes it. */
  acquire(options?: WaitOptions): Promise<void>;
  /** Takes the lock if it is free, without waiting. Returns whether it was taken. */
  tryAcquire(): boolean;
  /** Releases the lock. */
  release(): void;
  /** Whether the lock is held by anyone now. */
  readonly locked: boolean;
}

/** Result of a non-waiting `tryGet()`: the value when there was one. */
export type TryGetResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/** The shared "nothing there" result; frozen so that no caller can change it. */
export const EMPTY: { readonly ok: false } = Object.freeze({ ok: false as const });

/** Options of `close()` on a queue. */
export interface CloseOptions {
  /**
   * Drop the items still in the queue: later gets throw `ClosedError` at once (Python 3.13's
   * `shutdown(immediate=True)`). Default `false`: gets drain what is left first.
   */
  immediate?: boolean;
}

/** A FIFO-ish queue that producers put into and consumers get from. */
export interface QueueLike<T> extends AsyncIterable<T> {
  /** Waits for room, then adds `value`. Throws `ClosedError` once the queue is closed. */
  put(value: T, options?: WaitOptions): Promise<void>;
  /** Waits for an item, then removes and returns it. Throws `ClosedError` once closed and drained. */
  get(options?: WaitOptions): Promise<T>;
  /** Adds `value` if there is room now. Returns whether it was added. */
  tryPut(value: T): boolean;
  /** Removes an item if there is one now. */
  tryGet(): TryGetResult<T>;
  /** Closes the queue; see {@link CloseOptions}. Idempotent. */
  close(options?: CloseOptions): void;
  /** Number of items in the queue now. */
  readonly size: number;
  /** Maximum number of items (`Infinity` for an unbounded in-thread queue). */
  readonly capacity: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
}
