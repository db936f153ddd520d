/**
 * {@link RWLock}: a readers-writer lock for async tasks in one thread.
 *
 * @module
 */
import { LockError } from '../errors.js';
import type { Lockable } from '../interfaces.js';
import type { WaitOptions } from '../options.js';
import { completed, resumeWaiter } from '../trace/scheduler.js';
import { emit, newId, tracing } from '../trace/tracer.js';
import { exclusive, guard, type LockGuard } from './guard.js';
import { checkOptions, subjectName, type NameOptions } from './subject.js';
import {
  cancelWaiters,
  park,
  refuse,
  serveNext,
  waitDetail,
  WaiterList,
  type Waiter,
} from './waiters.js';

/** Options of `new RWLock()`. */
export type RWLockOptions = NameOptions;

/** Trace details, shared so that reporting them allocates nothing. */
const READ = Object.freeze({ mode: 'read' });
const WRITE = Object.freeze({ mode: 'write' });
const READ_NOW = Object.freeze({ mode: 'read', waited: false });
const READ_WAITED = Object.freeze({ mode: 'read', waited: true });
const WRITE_NOW = Object.freeze({ mode: 'write', waited: false });
const WRITE_WAITED = Object.freeze({ mode: 'write', waited: true });

/**
 * A readers-writer lock: any number of readers at once, or one writer alone, like Go's
 * `sync.RWMutex`.
 *
 * **Writer preference without starvation.** Once a writer waits, new readers wait too (behind
 * it), so a steady stream of readers cannot keep a writer out. When a writer releases, every
 * reader that was waiting at that moment goes in together, before the next writer; so a steady
 * stream of writers cannot keep readers out either. In short the lock alternates between one
 * writer and one batch of readers whenever both wait; writers among themselves are served in
 * FIFO order, as are readers. A waiting writer that times out or is aborted lets in the readers
 * that waited only because of it.
 *
 * Not owned, like {@link Lock}: any task may release. Releasing a mode that is not held throws
 * {@link LockError}. Not re-entrant: a reader that asks again while a writer waits waits behind
 * that writer, which waits for the first read to end: a deadlock (as in Go).
 *
 * Everything a writer did before `releaseWrite()` happens-before everything a later reader or
 * writer does after its acquire resolves; everything readers did before their `releaseRead()`
 * happens-before what the next writer does.
 *
 * @example
 * ```ts
 * const config = new RWLock({ name: 'config' });
 * let settings = { retries: 3 };
 * const read = () => config.runRead(() => settings.retries); // many at once
 * await config.runWrite(async () => {
 *   settings = { retries: 5 }; // alone: no reader sees a half-made update
 * });
 * {
 *   using _ = await config.readLock();
 *   console.log(settings.retries, await read());
 * }
 * ```
 */
export class RWLock {
  readonly kind: string = 'RWLock';
  readonly id: number = newId();
  readonly name: string;
  /** The read side as a {@link Lockable}, for APIs that take a lock (`Condition`, pipelines). */
  readonly reader: Lockable;
  /** The write side as a {@link Lockable}. */
  readonly writer: Lockable;
  private activeReaders = 0;
  private writing = false;
  private readonly readWaiters = new WaiterList<void>();
  private readonly writeWaiters = new WaiterList<void>();

  constructor(options?: RWLockOptions) {
    this.name = subjectName(this.kind, this.id, checkOptions(options)?.name);
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias -- views hold their lock
    this.reader = Object.freeze({
      acquire: (o?: WaitOptions) => self.acquireRead(o),
      tryAcquire: () => self.tryAcquireRead(),
      release: () => self.releaseRead(),
      get locked() {
        return self.activeReaders > 0;
      },
    });
    this.writer = Object.freeze({
      acquire: (o?: WaitOptions) => self.acquireWrite(o),
      tryAcquire: () => self.tryAcquireWrite(),
      release: () => self.releaseWrite(),
      get locked() {
        return self.writing;
      },
    });
    emit(this, 'created');
  }

  /**
   * Rejects every task waiting to read or write now with `reason` (default: a
   * {@link CancelledError} naming this lock) and returns how many there were. They leave no
   * trace; the holders keep the lock.
   */
  cancelAll(reason?: unknown): number {
    return (
      cancelWaiters(this.writeWaiters, this, 'acquire (write)', reason) +
      cancelWaiters(this.readWaiters, this, 'acquire (read)', reason)
    );
  }

  /** Number of readers holding the lock now. */
  get readers(): number {
    return this.activeReaders;
  }

  /** Whether a writer holds the lock now. */
  get writeLocked(): boolean {
    return this.writing;
  }

  /** Number of tasks waiting to read. */
  get waitingReaders(): number {
    return this.readWaiters.length;
  }

  /** Number of tasks waiting to write. */
  get waitingWriters(): number {
    return this.writeWaiters.length;
  }

  /**
   * Waits until no writer holds or waits for the lock, then holds it for reading (with any
   * other readers). Rejects with `TimeoutError` after `timeout` ms or with `signal.reason` on
   * abort; it then holds nothing.
   */
  acquireRead(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.tryAcquireRead()) return completed(this);
    if (tracing()) emit(this, 'acquire', waitDetail(options, READ));
    return park(this.readWaiters, this, 'acquire (read)', options);
  }

  /** Holds the lock for reading if no writer holds or waits for it now. Returns whether it did. */
  tryAcquireRead(): boolean {
    // Writer preference: a waiting writer keeps new readers out.
    if (this.writing || this.writeWaiters.length > 0) return false;
    this.activeReaders++;
    emit(this, 'acquired', READ_NOW);
    return true;
  }

  /**
   * Ends one read. The last reader out lets the oldest waiting writer in.
   *
   * @throws LockError when no reader holds the lock.
   */
  releaseRead(): void {
    if (this.activeReaders === 0) {
      throw new LockError(`${this.name}: releaseRead() of an RWLock no reader holds`);
    }
    emit(this, 'release', READ);
    this.activeReaders--;
    if (this.activeReaders === 0) this.admitWriter();
  }

  /**
   * Waits until nobody holds the lock (and earlier writers have had it), then holds it alone.
   * Rejects with `TimeoutError` after `timeout` ms or with `signal.reason` on abort; it then
   * holds nothing, and readers that waited only because of it go in.
   */
  acquireWrite(options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      const refused = refuse(options);
      if (refused !== undefined) return refused;
    }
    if (this.tryAcquireWrite()) return completed(this);
    if (tracing()) emit(this, 'acquire', waitDetail(options, WRITE));
    return park(this.writeWaiters, this, 'acquire (write)', options, undefined, this.writerGaveUp);
  }

  /** Holds the lock alone if nobody holds it now. Returns whether it did. */
  tryAcquireWrite(): boolean {
    // Free with writers waiting cannot happen (a release hands over at once), but a waiting
    // writer must not be overtaken even so.
    if (this.writing || this.activeReaders > 0 || this.writeWaiters.length > 0) return false;
    this.writing = true;
    emit(this, 'acquired', WRITE_NOW);
    return true;
  }

  /**
   * Ends the write. Every reader waiting now goes in together; if none waits, the oldest
   * waiting writer does.
   *
   * @throws LockError when no writer holds the lock.
   */
  releaseWrite(): void {
    if (!this.writing) {
      throw new LockError(`${this.name}: releaseWrite() of an RWLock no writer holds`);
    }
    emit(this, 'release', WRITE);
    this.writing = false;
    if (this.readWaiters.length > 0) this.admitReaders();
    else this.admitWriter();
  }

  /** Holds the lock for reading and resolves with a guard for `using`. */
  readLock(options?: WaitOptions): Promise<LockGuard> {
    return guard(this.reader, options);
  }

  /** Holds the lock for writing and resolves with a guard for `using`. */
  writeLock(options?: WaitOptions): Promise<LockGuard> {
    return guard(this.writer, options);
  }

  /** Runs `fn` holding the lock for reading; resolves with its result. */
  runRead<R>(fn: () => R | PromiseLike<R>, options?: WaitOptions): Promise<Awaited<R>> {
    return exclusive(this.reader, fn, options);
  }

  /** Runs `fn` holding the lock for writing; resolves with its result. */
  runWrite<R>(fn: () => R | PromiseLike<R>, options?: WaitOptions): Promise<Awaited<R>> {
    return exclusive(this.writer, fn, options);
  }

  /** Hands the free lock to the oldest waiting writer, if any. */
  private admitWriter(): void {
    const next = serveNext(this.writeWaiters);
    if (next === undefined) return;
    this.writing = true; // taken for `next` now: nobody can barge in before it runs
    emit(this, 'acquired', WRITE_WAITED, next.agent);
    resumeWaiter(this, next.resolve as () => void);
  }

  /** Lets every reader waiting now in, as one batch (they are counted before any runs). */
  private admitReaders(): void {
    for (let r = serveNext(this.readWaiters); r !== undefined; r = serveNext(this.readWaiters)) {
      this.activeReaders++;
      emit(this, 'acquired', READ_WAITED, r.agent);
      resumeWaiter(this, r.resolve as () => void);
    }
  }

  /**
   * A waiting writer timed out or was aborted (it is already out of the list). If it was the
   * last writer waiting and no writer holds the lock, the readers it kept out go in now: nobody
   * else would wake them.
   */
  private readonly writerGaveUp = (waiter: Waiter<void>, reason: unknown): void => {
    waiter.reject(reason);
    if (!this.writing && this.writeWaiters.length === 0 && this.readWaiters.length > 0) {
      this.admitReaders();
    }
  };
}
