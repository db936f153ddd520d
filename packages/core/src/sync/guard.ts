/**
 * Scoped holding of anything {@link Lockable}: the {@link LockGuard} that `lock()` returns for
 * `using`, and the acquire / run / release sequence behind `runExclusive`.
 *
 * @module
 */
// First: defines Symbol.dispose where the runtime lacks it, and its types where `lib` lacks them.
import '../dispose.js';
import type { Lockable } from '../interfaces.js';
import type { WaitOptions } from '../options.js';

/**
 * Proof of holding a lock or a permit; disposing it releases exactly once.
 *
 * @example
 * ```ts
 * {
 *   using _ = await lock.lock();
 *   // ... the lock is held here ...
 * } // released here, also when the block throws
 * ```
 */
export class LockGuard implements Disposable {
  private held: Lockable | undefined;
  /**
   * `true` when the lock was taken over from a holder that died (a `SharedLock` or
   * `SharedRLock` whose holder's agent exited; see their `abandoned`): the state it protects
   * may be half updated. Always `false` for in-thread locks and semaphores.
   */
  readonly abandoned: boolean;

  /** @internal Made by `lock()`; do not construct one yourself. */
  constructor(lockable: Lockable) {
    this.held = lockable;
    this.abandoned = (lockable as { readonly abandoned?: unknown }).abandoned === true;
  }

  /** Whether this guard still holds its lock (it has not been released or disposed). */
  get active(): boolean {
    return this.held !== undefined;
  }

  /** Releases the lock now. A second call (or a later dispose) does nothing. */
  release(): void {
    const lockable = this.held;
    if (lockable === undefined) return;
    this.held = undefined;
    lockable.release();
  }

  /** Same as {@link LockGuard.release}; called by `using` at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/** Acquires `lockable`, then resolves with a guard that releases it once. */
export async function guard(
  lockable: Lockable,
  options: WaitOptions | undefined,
): Promise<LockGuard> {
  await lockable.acquire(options);
  return new LockGuard(lockable);
}

/** Acquires `lockable`, runs `fn`, and releases it whether `fn` returns or throws. */
export async function exclusive<R>(
  lockable: Lockable,
  fn: () => R | PromiseLike<R>,
  options: WaitOptions | undefined,
): Promise<Awaited<R>> {
  if (typeof fn !== 'function') {
    throw new TypeError(`runExclusive needs a function, got ${typeof fn}`);
  }
  await lockable.acquire(options);
  try {
    return await fn();
  } finally {
    lockable.release();
  }
}
