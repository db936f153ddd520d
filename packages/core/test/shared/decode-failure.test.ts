// SharedQueue with a codec that cannot decode one value: a batch get must lose, double and
// reorder nothing, and (issue 10 item 2) hold nothing back: it takes out of the queue only what
// it returns. The items before the undecodable one come out of the call; the undecodable one
// stays in the queue and comes out of the next get as a CodecError carrying its bytes; the rest
// come out of the gets after that (of any consumer).
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, CodecError, SharedQueue, type Codec } from '../../src/index.js';
import { nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** utf8, except that decoding the string 'bad' (or any in `refuse`) throws a plain Error. */
function picky(refuse: readonly string[] = ['bad']): Codec<string> {
  return {
    name: 'picky',
    encode: (value, target) => encoder.encodeInto(value, target).written,
    decode(source) {
      const text = decoder.decode(source);
      if (refuse.includes(text)) throw new Error(`cannot decode '${text}'`);
      return text;
    },
  };
}

/**
 * Single agent: an item is there or it never will be, so every get uses `timeout: 0`, which
 * turns a lost item into a TimeoutError instead of a hang.
 */
const now = { timeout: 0 };

function queueOf(values: readonly string[], capacity = 16): SharedQueue<string> {
  const queue = new SharedQueue<string>({ capacity, codec: picky(), slotSize: 16 });
  queue.putManySync(values);
  return queue;
}

/** The CodecError `call` throws (or rejects with); fails the test when it does not. */
async function codecError(call: () => unknown): Promise<CodecError & { bytes: Uint8Array }> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(CodecError);
    return error as CodecError & { bytes: Uint8Array };
  }
  throw new Error('expected a CodecError');
}

describe('SharedQueue: an undecodable item inside a batch', () => {
  it('getManySync returns the items before it, throws for it, then returns the rest', async () => {
    const queue = queueOf(['a', 'b', 'bad', 'c', 'd']);
    expect(queue.getManySync(10, now)).toEqual(['a', 'b']);
    // Only what was returned left the queue: other consumers still see bad, c and d.
    expect(queue.size).toBe(3);
    const error = await codecError(() => queue.getManySync(10, now));
    expect(decoder.decode(error.bytes)).toBe('bad');
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe("cannot decode 'bad'");
    expect(error.message).toMatch(/codec 'picky' failed to decode a 3-byte item/);
    expect(queue.getManySync(10, now)).toEqual(['c', 'd']);
    expect(queue.tryGet()).toEqual({ ok: false });
  });

  it('getMany rejects at once when the first item of the batch is the undecodable one', async () => {
    const queue = queueOf(['bad', 'a', 'b']);
    const error = await codecError(() => queue.getMany(10, now));
    expect(decoder.decode(error.bytes)).toBe('bad');
    expect(await queue.getMany(10, now)).toEqual(['a', 'b']);
    expect(queue.size).toBe(0);
  });

  it('leaves the undecodable item and the ones after it in the queue, in order, for every kind of get', async () => {
    const queue = queueOf(['a', 'bad', 'c', 'd', 'e', 'f']);
    expect(await queue.getMany(10, now)).toEqual(['a']);
    queue.putSync('g');
    const error = await codecError(() => queue.tryGet());
    expect(decoder.decode(error.bytes)).toBe('bad');
    expect(queue.getSync(now)).toBe('c');
    expect(await queue.get(now)).toBe('d');
    expect(queue.getManySync(1, now)).toEqual(['e']);
    expect(queue.getManySync(10, now)).toEqual(['f', 'g']);
    expect(queue.size).toBe(0);
  });

  it('another consumer gets what follows the undecodable item', async () => {
    const queue = queueOf(['a', 'bad', 'c']);
    const other = SharedQueue.from(queue.handle, picky());
    expect(queue.getManySync(10, now)).toEqual(['a']);
    await codecError(() => other.getManySync(10, now));
    expect(other.getManySync(10, now)).toEqual(['c']);
    expect(queue.tryGet()).toEqual({ ok: false });
  });

  it('keeps every failure of a batch in place, each thrown by its own call', async () => {
    const queue = queueOf(['a', 'bad', 'c', 'bad', 'bad', 'f']);
    expect(queue.getManySync(10, now)).toEqual(['a']);
    expect(decoder.decode((await codecError(() => queue.getManySync(10, now))).bytes)).toBe('bad');
    expect(queue.getManySync(10, now)).toEqual(['c']);
    expect(decoder.decode((await codecError(() => queue.getManySync(10, now))).bytes)).toBe('bad');
    expect(decoder.decode((await codecError(() => queue.getSync(now))).bytes)).toBe('bad');
    expect(queue.getManySync(10, now)).toEqual(['f']);
    expect(queue.tryGet()).toEqual({ ok: false });
  });

  it('after close, the undecodable item and the rest drain in order; close({ immediate: true }) drops them', async () => {
    const queue = queueOf(['a', 'bad', 'c']);
    expect(queue.getManySync(10, now)).toEqual(['a']);
    queue.close();
    await codecError(() => queue.getMany(10, now));
    expect(await queue.getMany(10, now)).toEqual(['c']);
    await expect(queue.getMany(10, now)).rejects.toBeInstanceOf(ClosedError);
    const dropped = queueOf(['a', 'bad', 'c']);
    expect(dropped.getManySync(10, now)).toEqual(['a']);
    dropped.close({ immediate: true });
    await expect(dropped.getMany(10, now)).rejects.toBeInstanceOf(ClosedError);
    expect(() => dropped.tryGet()).toThrow(ClosedError);
  });

  it('a single get of an undecodable item throws CodecError with its bytes; the queue goes on', async () => {
    const queue = queueOf(['bad', 'a']);
    const error = await codecError(() => queue.get(now));
    expect(decoder.decode(error.bytes)).toBe('bad');
    expect(queue.getSync(now)).toBe('a');
  });

  it('a CodecError thrown by the codec itself becomes the cause', async () => {
    const thrown = new CodecError('not mine');
    const codec: Codec<string> = {
      ...picky(),
      decode(source) {
        const text = decoder.decode(source);
        if (text === 'x') throw thrown;
        return text;
      },
    };
    const queue = new SharedQueue<string>({ capacity: 4, codec, slotSize: 8 });
    queue.putManySync(['x', 'y']);
    const error = await codecError(() => queue.getManySync(4, now));
    expect(error).not.toBe(thrown);
    expect(error.cause).toBe(thrown);
    expect(decoder.decode(error.bytes)).toBe('x');
    expect(queue.getManySync(4, now)).toEqual(['y']);
  });

  it('any mix of puts and gets of any size loses, doubles and reorders nothing', () => {
    type Step = { put: string[] } | { get: number } | { one: true };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        put: fc.array(fc.constantFrom('a', 'b', 'c', 'bad', 'worse'), { maxLength: 8 }),
      }),
      fc.record({ get: fc.integer({ min: 1, max: 10 }) }),
      fc.record({ one: fc.constant(true as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const queue = new SharedQueue<string>({
          capacity: 64,
          codec: picky(['bad', 'worse']),
          slotSize: 8,
        });
        const sent: string[] = [];
        const received: string[] = [];
        let counter = 0;
        const receive = (call: () => string[]): boolean => {
          try {
            const got = call();
            expect(got.length).toBeGreaterThan(0);
            received.push(...got);
          } catch (error) {
            if (!(error instanceof CodecError)) throw error;
            received.push(decoder.decode((error as CodecError & { bytes: Uint8Array }).bytes));
          }
          return true;
        };
        for (const s of steps) {
          if ('put' in s) {
            // Unique values (bad ones stay recognisable by their prefix): doubles would show.
            const values = s.put.map((v) =>
              v === 'a' || v === 'b' || v === 'c' ? `${v}${counter++}` : v,
            );
            if (queue.size + values.length > queue.capacity) continue;
            queue.putManySync(values);
            sent.push(...values);
          } else if (queue.size > 0 || received.length < sent.length) {
            if ('get' in s) receive(() => queue.getManySync(s.get, now));
            else receive(() => [queue.getSync(now)]);
          }
        }
        // Drain: whatever was kept or left in the ring comes out, in order.
        while (received.length < sent.length) receive(() => queue.getManySync(10, now));
        expect(received).toEqual(sent);
        expect(queue.tryGet()).toEqual({ ok: false });
      }),
      { numRuns: 200 },
    );
  });
});

describe('SharedQueue: an undecodable item, consumed in a worker', () => {
  for (const mode of ['batch', 'single'] as const) {
    it(`a worker's ${mode === 'batch' ? 'getManySync' : 'getSync'} calls account for every item, in order`, async () => {
      const queue = new SharedQueue<string>({ capacity: 8, codec: picky(), slotSize: 16 });
      const worker = startWorker('picky-consumer', { queue: queue.handle, max: 5, mode });
      const done = nextMessage<({ items: string[] } | { error: string; cause: string })[]>(worker);
      const sent: string[] = [];
      for (let i = 0; i < 200; i++) sent.push(i % 7 === 3 ? 'bad' : `v${i}`);
      for (let i = 0; i < sent.length; i += 13) await queue.putMany(sent.slice(i, i + 13));
      queue.close();
      const calls = await done;
      const received: string[] = [];
      for (const call of calls) {
        if ('items' in call) {
          // A call never returns an undecodable item, nor an empty batch.
          expect(call.items.length).toBeGreaterThan(0);
          expect(call.items.length).toBeLessThanOrEqual(5);
          expect(call.items).not.toContain('bad');
          received.push(...call.items);
        } else {
          expect(call.cause).toBe("cannot decode 'bad'");
          received.push(call.error);
        }
      }
      expect(received).toEqual(sent);
      expect(calls.filter((call) => 'error' in call)).toHaveLength(
        sent.filter((v) => v === 'bad').length,
      );
    }, 30_000);
  }
});
