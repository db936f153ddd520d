/**
 * `lock(name)` and `semaphore(name, n)`: acquire (waiting, async, or not at all) and release.
 *
 * @module
 */
import type { PermitBackend } from '../backends.js';
import { tryBool, type ApiContext } from './context.js';

/** What `lock(name)` returns. */
export interface UserLock {
  acquire(): void;
  acquireAsync(): Promise<void>;
  tryAcquire(): boolean;
  release(): void;
}

/** What `semaphore(name, n)` returns. */
export type UserSemaphore = UserLock;

/** The lock or semaphore `name` over its shared `backend`. */
export function permitAdapter(
  ctx: ApiContext,
  prim: 'lock' | 'semaphore',
  name: string,
  backend: PermitBackend,
): UserLock {
  const { reporter } = ctx;
  const on = { kind: prim, name } as const;
  const acquireIntent = { op: 'acquire', target: name };
  const acquired = (): void => {
    reporter.emit({ kind: 'acquired', prim, name });
  };
  return {
    acquire() {
      ctx.blocking(
        acquireIntent,
        'acquire',
        on,
        tryBool(() => backend.tryAcquire()),
        () => backend.acquireSync(),
      );
      acquired();
      ctx.slow();
    },
    async acquireAsync() {
      await ctx.blockingAsync(
        acquireIntent,
        'acquire',
        on,
        tryBool(() => backend.tryAcquire()),
        () => backend.acquire(),
      );
      acquired();
      await ctx.slowAsync();
    },
    tryAcquire() {
      const ok = ctx.step({ op: 'try to acquire', target: name }, 'acquire', () =>
        backend.tryAcquire(),
      );
      if (ok) reporter.emit({ kind: 'acquired', prim, name });
      return ok;
    },
    release() {
      ctx.before({ op: 'release', target: name }, 'release', { kind: 'released', prim, name }, () =>
        backend.release(),
      );
    },
  };
}
