/**
 * Property tests: random interleavings of puts, gets, timeouts, aborts and close, each call its
 * own async task, never lose or duplicate an item, and serve waiters first come, first served.
 *
 * Timers are faked (only setTimeout/clearTimeout), so a "tick" fires every timeout due in it in
 * one go: a timed put and a getter's timeout that expire in the same tick race for real.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClosedError, LifoQueue, PriorityQueue, Queue, TimeoutError } from '../../src/index.js';

type Command =
  | { op: 'put'; mode: 'plain' | 'abortable' | 'timeout'; after: number }
  | { op: 'get'; mode: 'plain' | 'abortable' | 'timeout'; after: number }
  | { op: 'timedPut'; after: number }
  | { op: 'tryPut' }
  | { op: 'tryGet' }
  | { op: 'abort'; pick: number }
  | { op: 'tick' }
  | { op: 'flush' }
  | { op: 'close'; immediate: boolean };

const mode = fc.constantFrom('plain' as const, 'abortable' as const, 'timeout' as const);
const after = fc.integer({ min: 0, max: 3 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('put' as const), mode, after }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('get' as const), mode, after }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('timedPut' as const), after }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tryPut' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tryGet' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flush' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('close' as const), immediate: fc.boolean() }),
  },
);

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

interface Outcome {
  /** Items whose put succeeded, by put call order. */
  putIn: number[];
  /** Items received, by get call order. */
  gotOut: number[];
  /** Items dropped by close({ immediate: true }). */
  dropped: number;
}

/** Runs `commands` against `queue` and settles everything; returns what went in and out. */
async function run(queue: Queue<number>, commands: Command[]): Promise<Outcome> {
  let nextItem = 0;
  let nextGet = 0;
  const putResults = new Map<number, boolean>();
  const getResults = new Map<number, number | null>();
  const controllers: AbortController[] = [];
  const pending: Promise<unknown>[] = [];
  let dropped = 0;

  const expectedError = (error: unknown) =>
    error instanceof ClosedError || error instanceof TimeoutError || error === 'aborted';

  const options = (m: 'plain' | 'abortable' | 'timeout', ms: number) => {
    if (m === 'timeout') return { timeout: ms };
    if (m === 'abortable') {
      const c = new AbortController();
      controllers.push(c);
      return { signal: c.signal };
    }
    return undefined;
  };

  const put = (item: number, opts?: { timeout?: number; signal?: AbortSignal }) => {
    pending.push(
      queue.put(item, opts).then(
        () => putResults.set(item, true),
        (error: unknown) => {
          if (!expectedError(error)) throw error;
          putResults.set(item, false);
        },
      ),
    );
  };
  const get = (opts?: { timeout?: number; signal?: AbortSignal }) => {
    const seq = nextGet++;
    pending.push(
      queue.get(opts).then(
        (value) => getResults.set(seq, value),
        (error: unknown) => {
          if (!expectedError(error)) throw error;
          getResults.set(seq, null);
        },
      ),
    );
  };
  const tryGet = () => {
    const seq = nextGet++;
    try {
      const r = queue.tryGet();
      getResults.set(seq, r.ok ? (r.value as number) : null);
    } catch (error) {
      if (!(error instanceof ClosedError)) throw error;
      getResults.set(seq, null);
    }
  };

  for (const c of commands) {
    switch (c.op) {
      case 'put':
        put(nextItem++, options(c.mode, c.after));
        break;
      case 'get':
        get(options(c.mode, c.after));
        break;
      case 'timedPut': {
        // A put issued by a timer: it lands in the same tick as timeouts due then. Its item is
        // numbered when it is called, so item numbers stay in put call order.
        setTimeout(() => put(nextItem++), c.after);
        break;
      }
      case 'tryPut': {
        const item = nextItem++;
        try {
          putResults.set(item, queue.tryPut(item));
        } catch (error) {
          if (!(error instanceof ClosedError)) throw error;
          putResults.set(item, false);
        }
        break;
      }
      case 'tryGet':
        tryGet();
        break;
      case 'abort':
        if (controllers.length > 0) controllers[c.pick % controllers.length]?.abort('aborted');
        break;
      case 'tick':
        await vi.advanceTimersByTimeAsync(1);
        break;
      case 'flush':
        await flushMicrotasks();
        break;
      case 'close':
        if (c.immediate) dropped += queue.size;
        queue.close({ immediate: c.immediate });
        break;
    }
  }
  // Let every timed put land (or not), then close and drain what is left.
  await vi.advanceTimersByTimeAsync(10);
  queue.close();
  while (queue.size > 0) tryGet();
  await Promise.all(pending);
  await vi.runAllTimersAsync();
  await Promise.all(pending);

  const putIn = [...putResults.entries()]
    .filter(([, ok]) => ok)
    .map(([item]) => item)
    .sort((a, b) => a - b);
  const gotOut = [...getResults.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, value]) => value)
    .filter((value): value is number => value !== null);
  expect(queue.waitingGetters).toBe(0);
  expect(queue.waitingPutters).toBe(0);
  expect(queue.size).toBe(0);
  return { putIn, gotOut, dropped };
}

const capacity = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(Infinity));
const commands = fc.array(command, { minLength: 1, maxLength: 60 });

describe('queue properties', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('Queue: every item put is got exactly once, in put order (FIFO waiters), or dropped by close', async () => {
    await fc.assert(
      fc.asyncProperty(capacity, commands, async (cap, cmds) => {
        const { putIn, gotOut, dropped } = await run(new Queue<number>({ capacity: cap }), cmds);
        // Exactly once, in order: what came out is what went in, minus what close dropped.
        expect(gotOut).toEqual(putIn.slice(0, putIn.length - dropped));
      }),
      { numRuns: 300 },
    );
  });

  it('LifoQueue and PriorityQueue: nothing lost or doubled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), capacity, commands, async (lifo, cap, cmds) => {
        const queue = lifo
          ? new LifoQueue<number>({ capacity: cap })
          : new PriorityQueue<number>({ capacity: cap, compare: (a, b) => b - a });
        const { putIn, gotOut, dropped } = await run(queue, cmds);
        expect(new Set(gotOut).size).toBe(gotOut.length);
        expect(gotOut.length).toBe(putIn.length - dropped);
        for (const item of gotOut) expect(putIn).toContain(item);
      }),
      { numRuns: 200 },
    );
  });

  it('unfinished task count equals items put minus taskDone calls, join resolves at zero', async () => {
    await fc.assert(
      fc.asyncProperty(capacity, commands, async (cap, cmds) => {
        const queue = new Queue<number>({ capacity: cap });
        const { putIn, dropped } = await run(queue, cmds);
        expect(queue.unfinishedTasks).toBe(putIn.length - dropped);
        for (let i = 0; i < putIn.length - dropped; i++) queue.taskDone();
        await queue.join({ timeout: 0 });
        expect(() => queue.taskDone()).toThrow(RangeError);
      }),
      { numRuns: 100 },
    );
  });
});
