/**
 * Errors thrown by Baton. Every one extends {@link BatonError}, so `err instanceof BatonError`
 * tells Baton's errors from the caller's own.
 *
 * @module
 */

/** Base class of every error Baton throws on purpose. */
export class BatonError extends Error {
  // Each class names itself on its prototype: `new.target.name` would give the mangled name
  // ('B') once a bundler minifies class names.
  static {
    this.prototype.name = 'BatonError';
  }
}

/**
 * A waiting call (`acquire`, `put`, `get`, `wait`, ...) gave up after its `timeout`.
 * The call left no trace: no permit taken, no item put or taken.
 */
export class TimeoutError extends BatonError {
  static {
    this.prototype.name = 'TimeoutError';
  }
  /** The timeout that expired, in milliseconds. */
  readonly timeout: number;
  constructor(message: string, timeout: number) {
    super(message);
    this.timeout = timeout;
  }

  /**
   * The one wording of a timeout in both worlds: `"<name>: <call> timed out after <ms> ms"`.
   * @internal
   */
  static of(name: string, call: string, timeout: number): TimeoutError {
    return new TimeoutError(`${name}: ${call} timed out after ${timeout} ms`, timeout);
  }
}

/**
 * The queue (or pipeline) was closed: a `put` after `close()`, or a `get` once a closed queue
 * is drained. Python 3.13 calls this `ShutDown`.
 */
export class ClosedError extends BatonError {
  static {
    this.prototype.name = 'ClosedError';
  }
}

/** A lock was used wrongly: released while not held, or released by an agent that does not own it. */
export class LockError extends BatonError {
  static {
    this.prototype.name = 'LockError';
  }
}

/**
 * The call was waiting on a primitive whose `cancelAll()` was called: it left without what it
 * waited for (no permit, no item, nothing put). `cancelAll(reason)` rejects with `reason`
 * instead when one is given.
 */
export class CancelledError extends BatonError {
  static {
    this.prototype.name = 'CancelledError';
  }
}

/** A {@link Barrier} was broken (aborted, reset, or a waiter timed out) while a party waited. */
export class BrokenBarrierError extends BatonError {
  static {
    this.prototype.name = 'BrokenBarrierError';
  }
}

/** A value could not be encoded for, or decoded from, a shared-memory slot. Nothing was written. */
export class CodecError extends BatonError {
  static {
    this.prototype.name = 'CodecError';
  }
  /**
   * For an item that could not be decoded on its way out of a `SharedQueue`: a copy of its
   * bytes, so that the item is not lost. `undefined` for encoding errors (nothing was written).
   */
  readonly bytes?: Uint8Array;
  constructor(message: string, options?: ErrorOptions & { bytes?: Uint8Array }) {
    super(message, options);
    if (options?.bytes !== undefined) this.bytes = options.bytes;
  }
}

/**
 * A value whose encoding is larger than a `SharedQueue`'s `maxValueBytes`: refused before
 * anything is written (the queue stays usable, nothing is left claimed). The message names the
 * queue, the value's size and the bound, and says what to do.
 */
export class ValueTooLargeError extends CodecError {
  static {
    this.prototype.name = 'ValueTooLargeError';
  }
  /** Bytes the value's encoding takes, or `undefined` when only known to be over `limit`. */
  readonly size: number | undefined;
  /** The queue's `maxValueBytes`. */
  readonly limit: number;
  constructor(message: string, options: { size: number | undefined; limit: number }) {
    super(message);
    this.size = options.size;
    this.limit = options.limit;
  }
}

/**
 * A blocking call (`acquireSync`, `putSync`, `getSync`, ...) was made where blocking is not
 * allowed, such as a browser's main thread. The message names the async form to use instead.
 */
export class BlockingCallError extends BatonError {
  static {
    this.prototype.name = 'BlockingCallError';
  }
}

/**
 * A one-to-one `SharedQueue` (`oneToOne: true`) was put into by a second agent while its
 * producer lives, or taken from by a second agent while its consumer lives; or by an agent
 * whose exit its registry could never report (its id past `maxAgents`), which may hold no role.
 * The message names the queue, the call and the agent that holds the role. Nothing was put or
 * taken.
 */
export class RoleError extends BatonError {
  static {
    this.prototype.name = 'RoleError';
  }
}

/** A handle passed to `SharedX.from(handle)` is not a handle of that kind of primitive. */
export class HandleError extends BatonError {
  static {
    this.prototype.name = 'HandleError';
  }
}
