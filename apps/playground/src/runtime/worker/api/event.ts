/**
 * `event(name)`: a flag workers set, clear and wait for.
 *
 * @module
 */
import type { EventBackend } from '../backends.js';
import type { ApiContext } from './context.js';

/** What `event(name)` returns. */
export interface UserEvent {
  set(): void;
  clear(): void;
  isSet(): boolean;
  wait(): void;
  waitAsync(): Promise<void>;
}

export function eventAdapter(ctx: ApiContext, name: string, backend: EventBackend): UserEvent {
  const { reporter } = ctx;
  const on = { kind: 'event', name } as const;
  const attempt = () =>
    backend.isSet() ? { ok: true as const, value: undefined } : { ok: false as const };
  const woke = (): void => {
    reporter.emit({ kind: 'wake' });
  };
  return {
    set: () =>
      ctx.before({ op: 'set', target: name }, 'set', { kind: 'set', name }, () => backend.set()),
    clear: () =>
      ctx.before({ op: 'clear', target: name }, 'clear', { kind: 'clear', name }, () =>
        backend.clear(),
      ),
    isSet() {
      return ctx.step({ op: 'check', target: name }, 'read', () => backend.isSet());
    },
    wait() {
      ctx.blocking({ op: 'wait for', target: name }, 'wait', on, attempt, () => backend.waitSync());
      woke();
      ctx.slow();
    },
    async waitAsync() {
      await ctx.blockingAsync({ op: 'wait for', target: name }, 'wait', on, attempt, () =>
        backend.wait(),
      );
      woke();
      await ctx.slowAsync();
    },
  };
}
