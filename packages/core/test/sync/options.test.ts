// One options checker and one error style for both worlds: `{ timeout, signal }` is accepted or
// refused the same way by the in-thread and the shared primitives, each error naming the field
// and the value it got.
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  Event,
  Lock,
  Queue,
  Semaphore,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedSemaphore,
  TimeoutError,
} from '../../src/index.js';
import { describe as describeValue } from '../../src/options.js';

/** Every waiting call of both worlds, started on a primitive that makes it wait. */
const calls: [string, (options: unknown) => Promise<unknown>][] = [
  [
    'Lock.acquire',
    (o) => {
      const lock = new Lock();
      void lock.acquire();
      return lock.acquire(o as never);
    },
  ],
  ['Semaphore.acquire', (o) => new Semaphore(0).acquire(o as never)],
  ['Event.wait', (o) => new Event().wait(o as never)],
  ['Queue.get', (o) => new Queue<number>().get(o as never)],
  [
    'SharedLock.acquire',
    (o) => {
      const lock = new SharedLock();
      lock.tryAcquire();
      return lock.acquire(o as never);
    },
  ],
  ['SharedSemaphore.acquire', (o) => new SharedSemaphore(0).acquire(o as never)],
  ['SharedEvent.wait', (o) => new SharedEvent().wait(o as never)],
  [
    'SharedQueue.get',
    (o) => new SharedQueue<number>({ capacity: 1, codec: 'int32' }).get(o as never),
  ],
];

/** An object that behaves like an AbortSignal without being one (another realm, a polyfill). */
function signalLike(aborted = false): unknown {
  const target = new EventTarget();
  return {
    aborted,
    reason: aborted ? new Error('duck aborted') : undefined,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    throwIfAborted() {},
  };
}

describe.each(calls)('%s options', (_name, call) => {
  it.each([
    // (a number is a permit count for the semaphores' weighted acquire(n), so not used here)
    [true, TypeError, 'options must be an object, got boolean true'],
    [null, TypeError, 'options must be an object, got null'],
    [{ timeout: '5' }, TypeError, 'timeout must be a number of milliseconds, got the string "5"'],
    [{ timeout: -1 }, RangeError, 'timeout must be a non-negative number of milliseconds, got -1'],
    [
      { timeout: NaN },
      RangeError,
      'timeout must be a non-negative number of milliseconds, got NaN',
    ],
    [{ signal: {} }, TypeError, 'signal must be an AbortSignal, got an object'],
    [{ signal: 'stop' }, TypeError, 'signal must be an AbortSignal, got the string "stop"'],
  ])('refuses %j with %s naming the field and value', async (options, type, message) => {
    const promise = call(options);
    await expect(promise).rejects.toThrow(type);
    await expect(call(options)).rejects.toThrow(message);
  });

  it('accepts an AbortSignal-like object, and honours it', async () => {
    await expect(call({ signal: signalLike(true) })).rejects.toThrow('duck aborted');
    await expect(call({ signal: signalLike(), timeout: 5 })).rejects.toThrow(TimeoutError);
  });

  it('names the primitive and the call in its TimeoutError', async () => {
    await expect(call({ timeout: 0 })).rejects.toThrow(
      /: (acquire|wait|get) timed out after 0 ms$/,
    );
  });
});

describe('describe() in messages', () => {
  it('never says "undefined undefined"', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(5)).toBe('number 5');
  });
});

describe('Queue capacity', () => {
  it('refuses null like SharedQueue does, with a RangeError naming capacity', () => {
    expect(() => new Queue({ capacity: null as never })).toThrow(RangeError);
    expect(() => new Queue({ capacity: null as never })).toThrow(
      'capacity must be a positive safe integer or Infinity, got null',
    );
    expect(() => new SharedQueue({ capacity: null as never, codec: 'int32' })).toThrow(RangeError);
    expect(new Queue({}).capacity).toBe(Infinity);
  });
});

describe('utf8 codec', () => {
  it('refuses a lone surrogate with a CodecError instead of writing U+FFFD', () => {
    const queue = new SharedQueue<string>({ capacity: 2, codec: 'utf8' });
    expect(() => queue.tryPut('a\uD800b')).toThrow(CodecError);
    expect(() => queue.tryPut('a\uDC00')).toThrow(/lone surrogate/);
    expect(queue.tryPut('pair \uD83D\uDE00')).toBe(true);
    expect(queue.tryGet()).toEqual({ ok: true, value: 'pair \uD83D\uDE00' });
  });
});
