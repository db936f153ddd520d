// Values larger than a slot (issue 13, "values of any size"): a value spans consecutive slots,
// put and got in one claim, up to the queue's maxValueBytes; past it, a ValueTooLargeError
// naming the queue, the size and the bound, with nothing put and nothing left claimed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  CodecError,
  HandleError,
  SharedQueue,
  ValueTooLargeError,
  type Codec,
} from '../../src/index.js';

/** A JSON string value whose encoding takes exactly `bytes` bytes (the two quotes included). */
function jsonOf(bytes: number, seed = 0): string {
  let text = '';
  for (let i = 0; text.length < bytes - 2; i++) text += String.fromCharCode(97 + ((i + seed) % 26));
  return text;
}

describe('SharedQueue: values larger than a slot', () => {
  it('round-trips values from 0 bytes to every slot, single and blocking calls', async () => {
    const queue = new SharedQueue<string>({
      capacity: 8,
      codec: 'utf8',
      slotSize: 16,
      name: 'sizes',
    });
    expect(queue.maxValueBytes).toBe(128);
    const sizes = [0, 1, 15, 16, 17, 31, 32, 33, 100, 127, 128];
    for (const size of sizes) {
      const value = 'x'.repeat(size);
      expect(queue.tryPut(value)).toBe(true);
      const got = queue.tryGet();
      expect(got.ok && got.value.length).toBe(size);
      queue.putSync(value);
      expect(queue.getSync()).toBe(value);
      await queue.put(value);
      expect(await queue.get()).toBe(value);
    }
    expect(queue.size).toBe(0);
  });

  it('keeps FIFO order across spans that wrap round the end of the ring', () => {
    const queue = new SharedQueue<string>({
      capacity: 5,
      codec: 'json',
      slotSize: 8,
      name: 'wrap',
    });
    const out: string[] = [];
    const sent: string[] = [];
    // Sizes from 1 to 5 slots, so that spans start at every index and wrap round the end; a
    // value that finds too few free slots waits until gets free enough of them.
    for (let round = 0; round < 60; round++) {
      const value = jsonOf(2 + ((round * 7) % 39), round);
      sent.push(value);
      while (!queue.tryPut(value)) out.push(queue.getSync({ timeout: 1_000 }));
    }
    while (queue.size > 0) out.push(queue.getSync({ timeout: 1_000 }));
    expect(out).toEqual(sent);
  });

  it('counts a spanning value as one item in size, though it takes several slots', () => {
    const queue = new SharedQueue<string>({
      capacity: 4,
      codec: 'utf8',
      slotSize: 10,
      name: 'count',
    });
    expect(queue.tryPut('y'.repeat(25))).toBe(true); // 3 slots
    expect(queue.size).toBe(1);
    expect(queue.tryPut('a')).toBe(true); // the 4th slot
    expect(queue.size).toBe(2);
    expect(queue.tryPut('b')).toBe(false); // every slot taken
    expect(queue.getSync()).toBe('y'.repeat(25));
    expect(queue.size).toBe(1);
    // Three slots are free now: a 4-slot value does not fit, a 3-slot one does.
    expect(queue.tryPut('z'.repeat(31))).toBe(false);
    expect(queue.tryPut('z'.repeat(30))).toBe(true);
    expect(queue.size).toBe(2);
    expect([queue.getSync(), queue.getSync()]).toEqual(['a', 'z'.repeat(30)]);
  });

  it('carries batches that mix small and large values, in order', async () => {
    const queue = new SharedQueue<string>({
      capacity: 16,
      codec: 'json',
      slotSize: 12,
      name: 'mixed',
    });
    const values = Array.from({ length: 40 }, (_, i) => jsonOf(i % 3 === 0 ? 2 + i * 3 : 5, i));
    const got: string[] = [];
    const producer = (async () => {
      for (let i = 0; i < values.length; i += 7) await queue.putMany(values.slice(i, i + 7));
    })();
    while (got.length < values.length) got.push(...(await queue.getMany(5)));
    await producer;
    expect(got).toEqual(values);
    // The blocking forms too.
    queue.putManySync(values.slice(0, 6));
    const back: string[] = [];
    while (back.length < 6) back.push(...queue.getManySync(4));
    expect(back).toEqual(values.slice(0, 6));
  });

  it('wakes a small putter when a slot frees while a large putter waits for room', async () => {
    const queue = new SharedQueue<string>({
      capacity: 4,
      codec: 'utf8',
      slotSize: 4,
      name: 'room',
    });
    for (const v of ['a', 'b', 'c', 'd']) queue.putSync(v);
    // The large putter sleeps first; one freed slot is not enough for it, but is for 'e'.
    const large = queue.put('L'.repeat(12)); // 3 slots
    const small = queue.put('e');
    let smallDone = false;
    void small.then(() => (smallDone = true));
    expect(queue.getSync()).toBe('a');
    await small;
    expect(smallDone).toBe(true);
    expect([queue.getSync(), queue.getSync(), queue.getSync()]).toEqual(['b', 'c', 'd']);
    await large;
    expect([queue.getSync(), queue.getSync()]).toEqual(['e', 'L'.repeat(12)]);
  });

  it('carries large values through the structured and binary codecs and a custom one', () => {
    const structured = new SharedQueue({
      capacity: 8,
      codec: 'structured',
      slotSize: 64,
      name: 's',
    });
    const bytes = new Uint8Array(300).map((_, i) => i % 251);
    const value = { when: new Date(5), bytes, tags: new Set(['a']), big: 2n ** 70n };
    structured.putSync(value);
    expect(structured.getSync()).toEqual(value);
    const binary = new SharedQueue({ capacity: 4, codec: 'binary', slotSize: 32, name: 'b' });
    const plain = { list: Array.from({ length: 20 }, (_, i) => i * 1.5), name: 'n'.repeat(30) };
    binary.putSync(plain);
    expect(binary.getSync()).toEqual(plain);
    // A custom codec that knows nothing of spans: its "does not fit" is an ordinary CodecError.
    const text: Codec<string> = {
      name: 'latin1',
      encode(value, target) {
        if (value.length > target.length) throw new CodecError('does not fit');
        for (let i = 0; i < value.length; i++) target[i] = value.charCodeAt(i);
        return value.length;
      },
      decode: (source) => String.fromCharCode(...source),
    };
    const custom = new SharedQueue({ capacity: 4, codec: text, slotSize: 8, name: 'c' });
    custom.putSync('q'.repeat(20));
    expect(custom.getSync()).toBe('q'.repeat(20));
    const tooLong = (() => {
      try {
        custom.putSync('q'.repeat(40));
      } catch (error) {
        return error;
      }
    })() as ValueTooLargeError;
    expect(tooLong).toBeInstanceOf(ValueTooLargeError);
    expect(tooLong.size).toBe(40);
    // An unencodable value stays the codec's own error.
    const refusing: Codec<string> = {
      ...text,
      name: 'refusing',
      encode: () => {
        throw new CodecError('no');
      },
    };
    const other = new SharedQueue({ capacity: 4, codec: refusing, slotSize: 8, name: 'r' });
    expect(() => other.putSync('a')).toThrow(CodecError);
    expect(() => other.putSync('a')).not.toThrow(ValueTooLargeError);
  });

  it('drains large values after close(), then ends iteration', async () => {
    const queue = new SharedQueue<string>({
      capacity: 8,
      codec: 'utf8',
      slotSize: 8,
      name: 'closing',
    });
    queue.putSync('c'.repeat(30));
    await queue.put('small');
    queue.putSync('d'.repeat(20));
    queue.close();
    await expect(queue.put('e'.repeat(20))).rejects.toThrow(ClosedError);
    const seen: string[] = [];
    for (const value of queue) {
      seen.push(value);
      break;
    }
    for await (const value of queue) seen.push(value);
    expect(seen).toEqual(['c'.repeat(30), 'small', 'd'.repeat(20)]);
    await expect(queue.get()).rejects.toThrow(ClosedError);
  });
});

describe('SharedQueue: values of any size against a FIFO model', () => {
  type Op =
    | { kind: 'put'; size: number }
    | { kind: 'putMany'; sizes: number[] }
    | { kind: 'get' }
    | { kind: 'getMany'; max: number };
  const size = fc.integer({ min: 0, max: 40 }); // up to 6 slots of 8 bytes (with the quotes)
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('put' as const), size }),
    fc.record({ kind: fc.constant('putMany' as const), sizes: fc.array(size, { maxLength: 5 }) }),
    fc.record({ kind: fc.constant('get' as const) }),
    fc.record({ kind: fc.constant('getMany' as const), max: fc.integer({ min: 1, max: 6 }) }),
  );

  it.each([false, true])(
    'any mix of puts and gets of any size, single and batch, loses, doubles and reorders nothing (oneToOne: %s)',
    (oneToOne) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 6, max: 9 }),
          fc.array(op, { maxLength: 60 }),
          (capacity, ops) => {
            const queue = new SharedQueue<string>({
              capacity,
              codec: 'json',
              slotSize: 8,
              oneToOne,
            });
            const slotsOf = (value: string): number =>
              Math.max(1, Math.ceil((value.length + 2) / 8));
            const model: string[] = [];
            let next = 0;
            const make = (bytes: number): string => {
              const tag = `${next++}`;
              return (tag + '.'.repeat(40)).slice(0, Math.max(tag.length, bytes));
            };
            const used = (): number => model.reduce((n, v) => n + slotsOf(v), 0);
            for (const o of ops) {
              if (o.kind === 'put') {
                const value = make(o.size);
                // Fits when the model's slots leave room: the ring's free slots are contiguous.
                const fits = used() + slotsOf(value) <= capacity;
                expect(queue.tryPut(value)).toBe(fits);
                if (fits) model.push(value);
              } else if (o.kind === 'putMany') {
                const values = o.sizes.map(make);
                if (used() + values.reduce((n, v) => n + slotsOf(v), 0) > capacity) continue;
                queue.putManySync(values, { timeout: 1_000 });
                model.push(...values);
              } else if (o.kind === 'get') {
                const got = queue.tryGet();
                expect(got.ok ? got.value : undefined).toBe(model.shift());
              } else if (model.length > 0) {
                const got = queue.getManySync(o.max, { timeout: 1_000 });
                expect(got).toEqual(model.splice(0, got.length));
                expect(got.length).toBeGreaterThan(0);
              }
              expect(queue.size).toBe(model.length);
            }
          },
        ),
        { numRuns: 200 },
      );
    },
  );
});

describe('SharedQueue: maxValueBytes', () => {
  it('refuses a value past the bound with an error naming the queue, the size and the bound', async () => {
    const queue = new SharedQueue<string>({
      capacity: 8,
      codec: 'json',
      slotSize: 16,
      maxValueBytes: 40,
      name: 'orders',
    });
    const value = jsonOf(41);
    let caught: unknown;
    try {
      queue.putSync(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValueTooLargeError);
    expect(caught).toBeInstanceOf(CodecError);
    const error = caught as ValueTooLargeError;
    expect(error.name).toBe('ValueTooLargeError');
    expect(error.size).toBe(41);
    expect(error.limit).toBe(40);
    expect(error.message).toMatch(/^orders: /);
    expect(error.message).toContain('41 bytes');
    expect(error.message).toContain('maxValueBytes of 40');
    expect(error.message).toContain('larger maxValueBytes');
    // Nothing was put, nothing is left claimed: the queue goes on as before.
    expect(queue.size).toBe(0);
    await expect(queue.put(value)).rejects.toThrow(ValueTooLargeError);
    expect(queue.tryPut(jsonOf(40))).toBe(true);
    expect(queue.getSync()).toBe(jsonOf(40));
    // In a batch: the whole batch is refused before anything is written, the value named.
    expect(() => queue.putManySync(['a', value, 'b'])).toThrow(/orders: value 1 of the batch: /);
    expect(queue.size).toBe(0);
    // One claim in all (the 40-byte value, 3 slots, one item), none revoked.
    expect(queue.figures().map((f) => [f.claimedPuts, f.holes, f.got])).toEqual([[1, 0, 1]]);
  });

  it('measures the size of a too-large value for codecs that do not say it', () => {
    const queue = new SharedQueue({ capacity: 4, codec: 'binary', slotSize: 16, name: 'measured' });
    expect(queue.maxValueBytes).toBe(64);
    let caught: ValueTooLargeError | undefined;
    try {
      queue.putSync('w'.repeat(100));
    } catch (error) {
      caught = error as ValueTooLargeError;
    }
    expect(caught).toBeInstanceOf(ValueTooLargeError);
    expect(caught!.size).toBeGreaterThan(100);
    expect(caught!.message).toContain(`${caught!.size} bytes`);
    expect(caught!.message).toMatch(/capacity or slotSize/); // the bound is the whole ring already
  });

  it('defaults to 1 MiB, or every slot when the slots hold less', () => {
    expect(new SharedQueue({ capacity: 4, codec: 'json' }).maxValueBytes).toBe(1024);
    expect(new SharedQueue({ capacity: 8192, codec: 'json' }).maxValueBytes).toBe(1 << 20);
    expect(new SharedQueue({ capacity: 4, codec: 'float64' }).maxValueBytes).toBe(8);
  });

  it('validates the option, naming the field', () => {
    const make =
      (maxValueBytes: unknown, codec: 'json' | 'int32' = 'json') =>
      () =>
        new SharedQueue({
          capacity: 4,
          codec,
          slotSize: codec === 'json' ? 16 : 4,
          maxValueBytes: maxValueBytes as number,
        });
    expect(make(0)).toThrow(RangeError);
    expect(make(0)).toThrow(/maxValueBytes/);
    expect(make(1.5)).toThrow(/maxValueBytes/);
    expect(make('big')).toThrow(/maxValueBytes/);
    expect(make(65)).toThrow(RangeError);
    expect(make(65)).toThrow(
      /maxValueBytes must be at most capacity x slotSize \(4 x 16 = 64 bytes/,
    );
    expect(make(2, 'int32')).toThrow(/maxValueBytes must be at least 4/);
    expect(make(64)()).toBeInstanceOf(SharedQueue);
  });

  it('travels in the handle; from() checks the word', () => {
    const queue = new SharedQueue<string>({
      capacity: 4,
      codec: 'utf8',
      slotSize: 8,
      maxValueBytes: 20,
      name: 'h',
    });
    expect(queue.handle.maxValueBytes).toBe(20);
    const other = SharedQueue.from(queue.handle);
    expect(other.maxValueBytes).toBe(20);
    other.putSync('m'.repeat(20));
    expect(queue.getSync()).toBe('m'.repeat(20));
    expect(() => other.putSync('m'.repeat(21))).toThrow(ValueTooLargeError);
    // A forged buffer whose bound word is out of range is refused at from().
    const forged = new SharedQueue<string>({ capacity: 4, codec: 'utf8', slotSize: 8, name: 'f' });
    new Int32Array(forged.handle.buffer)[12] = 33;
    expect(() => SharedQueue.from(forged.handle)).toThrow(HandleError);
    expect(() => SharedQueue.from(forged.handle)).toThrow(
      /maxValueBytes word 33 is not in 1\.\.32/,
    );
  });
});
