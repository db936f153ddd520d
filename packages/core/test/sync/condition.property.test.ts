/**
 * Property test: with waiters that time out or are aborted at random moments, every notify(n)
 * wakes exactly min(n, waiters still waiting): no wake-up is spent on a waiter that left, and
 * every waiter ends holding the lock exactly once (woken or failed).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Condition, TimeoutError } from '../../src/index.js';

type Command =
  | { op: 'wait'; mode: 'plain' | 'abortable' | 'timeout'; after: number }
  | { op: 'notify'; n: number }
  | { op: 'abort'; pick: number }
  | { op: 'tick' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('wait' as const),
      mode: fc.constantFrom('plain' as const, 'abortable' as const, 'timeout' as const),
      after: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('notify' as const), n: fc.integer({ min: 0, max: 3 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
);

describe('condition properties', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('notify(n) wakes min(n, live waiters); every waiter settles once, holding the lock', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 50 }), async (commands) => {
        const cond = new Condition();
        let woken = 0;
        let failed = 0;
        let expectedWoken = 0;
        let waits = 0;
        const controllers: AbortController[] = [];
        const settled: Promise<void>[] = [];

        for (const c of commands) {
          switch (c.op) {
            case 'wait': {
              await cond.acquire();
              let options: { timeout?: number; signal?: AbortSignal } | undefined;
              if (c.mode === 'timeout') options = { timeout: c.after };
              if (c.mode === 'abortable') {
                const controller = new AbortController();
                controllers.push(controller);
                options = { signal: controller.signal };
              }
              waits++;
              settled.push(
                cond.wait(options).then(
                  () => {
                    expect(cond.locked).toBe(true);
                    woken++;
                    cond.release();
                  },
                  (error: unknown) => {
                    if (!(error instanceof TimeoutError) && error !== 'aborted') throw error;
                    expect(cond.locked).toBe(true);
                    failed++;
                    cond.release();
                  },
                ),
              );
              break;
            }
            case 'notify':
              await cond.acquire();
              expectedWoken += Math.min(c.n, cond.waiting);
              cond.notify(c.n);
              cond.release();
              break;
            case 'abort':
              if (controllers.length > 0)
                controllers[c.pick % controllers.length]?.abort('aborted');
              break;
            case 'tick':
              await vi.advanceTimersByTimeAsync(1);
              break;
          }
        }
        // Wake whoever is left, let everything settle.
        await cond.acquire();
        expectedWoken += cond.waiting;
        cond.notifyAll();
        cond.release();
        await vi.runAllTimersAsync();
        await Promise.all(settled);
        expect(woken).toBe(expectedWoken);
        expect(woken + failed).toBe(waits);
        expect(cond.waiting).toBe(0);
        expect(cond.locked).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
