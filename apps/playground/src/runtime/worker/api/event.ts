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
  const { reporter, gate } = ctx;
  const on = { kind: 'event', name } as const;
  const attempt = () =>
    backend.isSet() ? { ok: true as const, value: undefined } : { ok: false as const };
  const woke = (): void => {
    reporter.emit({ kind: 'wake' });
    gate.passed();
  };
  return {
    set: () => ctx.before({ op: 'set', target: name }, { kind: 'set', name }, () => backend.set()),
    clear: () =>
      ctx.before({ op: 'clear', target: name }, { kind: 'clear', name }, () => backend.clear()),
    isSet() {
      gate.enter({ op: 'check', target: name });
      const set = backend.isSet();
      gate.passed();
      return set;
    },
    wait() {
      ctx.blocking({ op: 'wait for', target: name }, on, attempt, () => backend.waitSync());
      woke();
      ctx.slow();
    },
    async waitAsync() {
      await ctx.blockingAsync({ op: 'wait for', target: name }, on, attempt, () => backend.wait());
      woke();
      await ctx.slowAsync();
    },
  };
}
