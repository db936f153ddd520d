/**
 * What the worker API needs from the shared primitives it wraps: the blocking, async and
 * non-waiting forms of each call. `@baton/core`'s `SharedLock`, `SharedSemaphore`,
 * `SharedEvent` and `SharedQueue` provide exactly these (see `shared.ts`).
 *
 * @module
 */

/** A lock or a semaphore: something with permits. */
export interface PermitBackend {
  tryAcquire(): boolean;
  acquireSync(): void;
  acquire(): Promise<void>;
  release(): void;
}

export interface EventBackend {
  isSet(): boolean;
  set(): void;
  clear(): void;
  waitSync(): void;
  wait(): Promise<void>;
}

export interface QueueBackend {
  tryPut(value: unknown): boolean;
  putSync(value: unknown): void;
  put(value: unknown): Promise<void>;
  tryGet(): { ok: true; value: unknown } | { ok: false };
  getSync(): unknown;
  get(): Promise<unknown>;
  readonly size: number;
  readonly capacity: number;
}

/** The shared objects of one run, as one worker sees them. */
export interface Backends {
  readonly queue: QueueBackend;
  readonly locks: ReadonlyMap<string, PermitBackend>;
  readonly semaphores: ReadonlyMap<string, PermitBackend>;
  readonly events: ReadonlyMap<string, EventBackend>;
  /** Each cell: `Int32Array(2)` = `[value, tag]` over its own SharedArrayBuffer. */
  readonly cells: ReadonlyMap<string, Int32Array>;
}
