// Bad input to the shared primitives: every case is a clear typed error, and nothing is left
// half-made.
import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  CodecError,
  HandleError,
  SharedBarrier,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedRegistry,
  SharedSemaphore,
  TimeoutError,
  registerAgent,
} from '../../src/index.js';
import { GET_SLEEPERS } from '../../src/shared/queue/layout.js';

describe('constructor arguments', () => {
  it.each([
    [0, RangeError, /capacity must be a positive safe integer, got 0/],
    [-1, RangeError, /capacity must be a positive safe integer, got -1/],
    [NaN, RangeError, /capacity must be a positive safe integer, got NaN/],
    [1.5, RangeError, /capacity/],
    [2 ** 40, RangeError, /capacity must be at most 16777216, got 1099511627776/],
    ['8', TypeError, /capacity must be a number/],
  ])('SharedQueue capacity %s', (capacity, type, message) => {
    expect(() => new SharedQueue({ capacity: capacity as number, codec: 'float64' })).toThrow(type);
    expect(() => new SharedQueue({ capacity: capacity as number, codec: 'float64' })).toThrow(
      message,
    );
  });

  it('SharedQueue codec, slotSize and options', () => {
    expect(() => new SharedQueue({ capacity: 4, codec: 'float32' as never })).toThrow(
      /codec must be one of 'float64'/,
    );
    expect(() => new SharedQueue({ capacity: 4, codec: 'utf8', slotSize: 0 })).toThrow(
      /slotSize must be a positive/,
    );
    expect(() => new SharedQueue({ capacity: 4, codec: 'utf8', slotSize: 2 ** 25 })).toThrow(
      /slotSize must be at most/,
    );
    expect(() => new SharedQueue({ capacity: 4, codec: 'float64', slotSize: 16 })).toThrow(
      /slotSize must be 8/,
    );
    expect(() => new SharedQueue({ capacity: 2 ** 24, codec: 'utf8', slotSize: 1024 })).toThrow(
      /at most 1073741824 bytes/,
    );
    expect(() => new SharedQueue(undefined as never)).toThrow(TypeError);
    expect(() => new SharedQueue({ capacity: 4, codec: 'json', name: 5 as never })).toThrow(
      /name must be a string/,
    );
  });

  it('permits, parties, timeouts, signals, n', async () => {
    expect(() => new SharedSemaphore(-1)).toThrow(
      /value must be a non-negative safe integer, got -1/,
    );
    expect(() => new SharedSemaphore(NaN)).toThrow(RangeError);
    expect(() => new SharedSemaphore(2 ** 40)).toThrow(/value must be at most/);
    expect(() => new SharedBarrier(0)).toThrow(/parties must be a positive safe integer/);
    const lock = new SharedLock();
    await expect(lock.acquire({ timeout: -1 })).rejects.toThrow(/timeout must be a non-negative/);
    expect(() => lock.acquireSync({ timeout: NaN })).toThrow(RangeError);
    await expect(lock.acquire({ signal: 'soon' as never })).rejects.toThrow(
      /signal must be an AbortSignal/,
    );
    const queue = new SharedQueue({ capacity: 2, codec: 'int32' });
    await expect(queue.getMany(0)).rejects.toThrow(/max must be a positive/);
    expect(() => queue.close({ immediate: 'yes' as never })).toThrow(/immediate must be a boolean/);
    expect(() => new SharedCondition({} as never)).toThrow(
      /lock must be a SharedLock or SharedRLock/,
    );
    expect(() => registerAgent('')).toThrow(TypeError);
    expect(() => SharedRegistry.create({ maxAgents: 0 })).toThrow(/maxAgents must be an integer/);
  });
});

describe('SharedQueue.get() rejects, never throws', () => {
  /** Calls `get` and records whether it threw instead of returning a promise. */
  function call<T>(queue: SharedQueue<T>, options?: unknown): Promise<T> {
    let promise: Promise<T> | undefined;
    expect(() => (promise = queue.get(options as never))).not.toThrow();
    return promise!;
  }

  it('bad options, a closed and drained queue, an undecodable item: before and after a sleep', async () => {
    const queue = new SharedQueue<string>({
      capacity: 4,
      slotSize: 8,
      codec: {
        name: 'picky',
        encode: (value, target) => new TextEncoder().encodeInto(value, target).written,
        decode(source) {
          const text = new TextDecoder().decode(source);
          if (text === 'bad') throw new Error('cannot decode it');
          return text;
        },
      },
    });
    await expect(call(queue, { timeout: -1 })).rejects.toThrow(RangeError);
    await expect(call(queue, { signal: 'soon' })).rejects.toThrow(TypeError);
    await expect(call(queue, { timeout: 0 })).rejects.toThrow(TimeoutError);
    // Found at once, and found after the call slept.
    queue.putSync('bad');
    await expect(call(queue)).rejects.toThrow(CodecError);
    const sleeping = call(queue);
    queue.putSync('bad');
    await expect(sleeping).rejects.toThrow(CodecError);
    const later = call(queue);
    queue.putSync('ok');
    await expect(later).resolves.toBe('ok');
    // Closed: once drained at once, and while asleep.
    const closing = call(queue);
    queue.close();
    await expect(closing).rejects.toThrow(ClosedError);
    await expect(call(queue)).rejects.toThrow(ClosedError);
  });
});

describe('SharedQueue.get() under a gate', () => {
  /**
   * Runs `body` on a new queue, with a gate that lets every step pass at once (what a recording
   * GateController's gate does for a step it allows) stubbed on the queue's registry when
   * `gated`: the default registry, so the stub goes again afterwards.
   */
  async function underGate(
    gated: boolean,
    body: (queue: SharedQueue<number>) => Promise<string>,
  ): Promise<string> {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'json' });
    const registry = queue.registryRow.registry as { gateAsync?: unknown };
    const own = Object.prototype.hasOwnProperty.call(registry, 'gateAsync');
    const before = registry.gateAsync;
    if (gated) registry.gateAsync = () => Promise.resolve();
    try {
      return await body(queue);
    } finally {
      if (own) registry.gateAsync = before;
      else delete registry.gateAsync;
    }
  }

  it('settles in the same order against put and getMany as without one', async () => {
    const orderOf = (gated: boolean): Promise<string> =>
      underGate(gated, async (queue) => {
        const order: string[] = [];
        queue.tryPut(2);
        await Promise.all([
          queue.get().then(() => order.push('get')),
          queue.put(3).then(() => order.push('put')),
          queue.getMany(1).then(() => order.push('getMany')),
        ]);
        return order.join(' < ');
      });
    const free = await orderOf(false);
    expect(free).toBe('get < put < getMany');
    expect(await orderOf(true)).toBe(free);
  });

  it('settles in the same order as without one after a sleep', async () => {
    // A get and a getMany asleep on an empty queue, woken by one put of two items: a gated get
    // must come out of its sleep on the same microtask as an ungated one (review 41 of a build
    // where it came one earlier ungated).
    const orderOf = (gated: boolean, getFirst: boolean): Promise<string> =>
      underGate(gated, async (queue) => {
        const order: string[] = [];
        const get = (): Promise<unknown> => queue.get().then(() => order.push('get'));
        const getMany = (): Promise<unknown> => queue.getMany(1).then(() => order.push('getMany'));
        const calls = getFirst ? [get(), getMany()] : [getMany(), get()];
        const cells = new Int32Array(queue.handle.buffer);
        while (Atomics.load(cells, GET_SLEEPERS) !== 2) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        queue.tryPutMany([1, 2]);
        await Promise.all(calls);
        return order.join(' < ');
      });
    for (const getFirst of [true, false]) {
      const free = await orderOf(false, getFirst);
      expect(free.split(' < ').sort()).toEqual(['get', 'getMany']);
      expect(await orderOf(true, getFirst)).toBe(free);
    }
  });
});

describe('handles', () => {
  it('refuses a handle of another kind of primitive', () => {
    const queue = new SharedQueue({ capacity: 2, codec: 'float64' });
    const lock = new SharedLock({ name: 'L' });
    expect(() => SharedLock.from(queue.handle as never)).toThrow(HandleError);
    expect(() => SharedLock.from(queue.handle as never)).toThrow(
      /needs a SharedLock handle, got a SharedQueue handle/,
    );
    expect(() => SharedQueue.from(lock.handle as never)).toThrow(/got a SharedLock handle/);
    expect(() => SharedEvent.from(new SharedSemaphore().handle as never)).toThrow(HandleError);
    // A handle whose kind was edited: the buffer still says what it is.
    expect(() => SharedEvent.from({ ...lock.handle, kind: 'SharedEvent' } as never)).toThrow(
      /not a SharedEvent's buffer \(it belongs to a SharedLock\)/,
    );
  });

  it('refuses a handle whose buffer is not a SharedArrayBuffer, and non-handles', () => {
    const lock = new SharedLock();
    expect(() => SharedLock.from({ ...lock.handle, buffer: new ArrayBuffer(64) as never })).toThrow(
      /handle.buffer must be a SharedArrayBuffer.*copied by postMessage/,
    );
    expect(() => SharedLock.from({ ...lock.handle, registry: {} as never })).toThrow(
      /handle.registry must be a SharedArrayBuffer/,
    );
    expect(() => SharedLock.from(null as never)).toThrow(
      /needs a SharedLock handle \(x.handle\), got null/,
    );
    expect(() => SharedLock.from({ kind: 'SharedLock' } as never)).toThrow(HandleError);
    expect(() => SharedLock.from({ ...lock.handle, buffer: new SharedArrayBuffer(64) })).toThrow(
      /not a SharedLock's buffer/,
    );
    expect(() => SharedRegistry.from(new SharedArrayBuffer(128))).toThrow(/not a registry/);
  });

  it('rebuilds each kind from its handle, sharing state', async () => {
    const event = new SharedEvent();
    SharedEvent.from(event.handle).set();
    expect(event.isSet).toBe(true);
    const semaphore = new SharedSemaphore(2);
    expect(SharedSemaphore.from(semaphore.handle).value).toBe(2);
    const queue = new SharedQueue<string>({ capacity: 3, codec: 'binary', name: 'shared' });
    const copy = SharedQueue.from<string>(queue.handle);
    expect(copy.name).toBe('shared');
    expect(copy.capacity).toBe(3);
    await copy.put('x');
    expect(await queue.get()).toBe('x');
    const condition = new SharedCondition();
    const again = SharedCondition.from(condition.handle);
    expect(again.lock.name).toBe(condition.lock.name);
    expect(SharedBarrier.from(new SharedBarrier(4).handle).parties).toBe(4);
    // Handles are structured-clonable.
    expect(() => structuredClone(queue.handle)).not.toThrow();
  });
});
