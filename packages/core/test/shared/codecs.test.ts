// Codecs through a real SharedQueue (in this thread): round trips, and values refused with
// CodecError before anything is written.
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  HandleError,
  SharedQueue,
  codecs,
  type Codec,
  type PlainData,
} from '../../src/index.js';

function roundTrip<T>(queue: SharedQueue<T>, values: T[]): T[] {
  for (const value of values) expect(queue.tryPut(value)).toBe(true);
  const out: T[] = [];
  for (;;) {
    const result = queue.tryGet();
    if (!result.ok) return out;
    out.push(result.value);
  }
}

describe('built-in codecs', () => {
  it('float64 carries every number, NaN, -0 and the infinities', () => {
    const queue = new SharedQueue<number>({ capacity: 8, codec: 'float64' });
    const values = [0, -0, 1.5, -1e300, Number.MAX_VALUE, NaN, Infinity, -Infinity];
    const out = roundTrip(queue, values);
    expect(out).toHaveLength(values.length);
    out.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true));
  });

  it('int32 carries the whole int32 range and refuses anything else', () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32' });
    expect(roundTrip(queue, [0, -1, 2 ** 31 - 1, -(2 ** 31)])).toEqual([
      0,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
    ]);
    for (const bad of [1.5, 2 ** 31, NaN, '1' as unknown as number]) {
      expect(() => queue.tryPut(bad)).toThrow(CodecError);
    }
    expect(queue.size).toBe(0);
  });

  it('utf8 carries any string that fits, and refuses a larger one with nothing written', () => {
    const queue = new SharedQueue<string>({ capacity: 4, codec: 'utf8', slotSize: 16 });
    expect(roundTrip(queue, ['', 'hé', '🎉 ok', 'sixteen bytes!!!'])).toEqual([
      '',
      'hé',
      '🎉 ok',
      'sixteen bytes!!!',
    ]);
    expect(() => queue.tryPut('seventeen bytes!!')).toThrow(/does not fit in a 16-byte slot/);
    expect(() => queue.tryPut(42 as unknown as string)).toThrow(CodecError);
    expect(queue.size).toBe(0);
    expect(roundTrip(queue, ['still usable'])).toEqual(['still usable']);
  });

  it('json carries JSON values and refuses what JSON.stringify cannot encode', () => {
    const queue = new SharedQueue({ capacity: 4, codec: 'json' });
    const value = { a: [1, 'two', null, true], nested: { x: 1.5 } };
    expect(roundTrip(queue, [value, 'text', 3])).toEqual([value, 'text', 3]);
    expect(() => queue.tryPut(10n as never)).toThrow(CodecError);
    expect(() => queue.tryPut(undefined as never)).toThrow(CodecError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => queue.tryPut(cyclic as never)).toThrow(CodecError);
    expect(queue.size).toBe(0);
  });

  it('binary carries plain data exactly', () => {
    const queue = new SharedQueue<PlainData>({ capacity: 8, codec: 'binary', slotSize: 4096 });
    const long = 'ü'.repeat(200);
    const values: PlainData[] = [
      null,
      true,
      false,
      0,
      -0,
      2 ** 31,
      -(2 ** 31),
      1.25,
      {
        id: 7,
        name: 'producer',
        tags: ['a', 'b'],
        nested: { deep: [1, [2, [3]]] },
        empty: {},
        list: [],
      },
      [long, { ['__proto__']: 1, 'key with space': 'ok', 日本: '語' }],
    ];
    const out = roundTrip(queue, values.slice(0, 8));
    expect(out.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
      values.slice(0, 8).map((v) => (Object.is(v, -0) ? '-0' : v)),
    );
    const [record, mixed] = roundTrip(queue, values.slice(8));
    expect(record).toEqual(values[8]);
    expect(mixed).toEqual(values[9]);
    expect(Object.getPrototypeOf((mixed as PlainData[])[1])).toBe(Object.prototype);
    expect(Object.keys((mixed as Record<string, PlainData>[])[1]!)).toContain('__proto__');
  });

  it('binary refuses what is not plain data, naming where it is', () => {
    const queue = new SharedQueue<PlainData>({ capacity: 4, codec: 'binary' });
    const cases: [unknown, RegExp][] = [
      [{ items: [1, 2, undefined] }, /undefined at \$\.items\[2\]/],
      [{ when: new Date(0) }, /a Date .* at \$\.when/],
      [{ m: new Map() }, /a Map/],
      [{ f: () => 1 }, /function/],
      [{ n: 1n }, /bigint/],
      // eslint-disable-next-line no-sparse-arrays
      [[1, , 3], /array hole at \$\[1\]/],
    ];
    for (const [value, message] of cases) {
      expect(() => queue.tryPut(value as PlainData)).toThrow(message);
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.again = cyclic;
    expect(() => queue.tryPut(cyclic as PlainData)).toThrow(/a cycle at \$\.again/);
    expect(() => queue.tryPut('x'.repeat(300))).toThrow(/does not fit in a 256-byte slot/);
    expect(queue.size).toBe(0);
    expect(roundTrip(queue, [{ ok: true }])).toEqual([{ ok: true }]);
  });

  it('putMany refuses a batch with one bad value before writing any of it', () => {
    const queue = new SharedQueue<string>({ capacity: 8, codec: 'utf8', slotSize: 8 });
    expect(() => queue.putManySync(['a', 'b', 'much too long', 'd'])).toThrow(CodecError);
    expect(queue.size).toBe(0);
    const numbers = new SharedQueue<number>({ capacity: 8, codec: 'float64' });
    expect(() => numbers.putManySync([1, 2, 'three' as unknown as number])).toThrow(CodecError);
    expect(numbers.size).toBe(0);
  });

  it('exposes the built-ins by name', () => {
    expect(Object.keys(codecs).sort()).toEqual(['binary', 'float64', 'int32', 'json', 'utf8']);
    const bytes = new Uint8Array(8);
    expect(codecs.float64.decode(bytes.subarray(0, codecs.float64.encode(2.5, bytes)))).toBe(2.5);
  });
});

describe('custom codecs', () => {
  const point: Codec<{ x: number; y: number }> = {
    name: 'point',
    fixedSize: 8,
    encode(p, target) {
      if (typeof p?.x !== 'number') throw new Error('not a point');
      const view = new DataView(target.buffer, target.byteOffset, 8);
      view.setFloat32(0, p.x);
      view.setFloat32(4, p.y);
      return 8;
    },
    decode(source) {
      const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
      return { x: view.getFloat32(0), y: view.getFloat32(4) };
    },
  };

  it('round-trips through a custom codec, which from(handle, codec) needs again', () => {
    const queue = new SharedQueue({ capacity: 2, codec: point });
    queue.putSync({ x: 1.5, y: -2 });
    expect(() => SharedQueue.from(queue.handle)).toThrow(HandleError);
    expect(() => SharedQueue.from(queue.handle, { ...point, name: 'other' })).toThrow(
      /uses codec 'point'/,
    );
    const other = SharedQueue.from(queue.handle, point);
    expect(other.getSync()).toEqual({ x: 1.5, y: -2 });
  });

  it("turns a codec's own exception, or a bad length, into CodecError with nothing written", () => {
    const queue = new SharedQueue({ capacity: 2, codec: point });
    const error = (() => {
      try {
        queue.tryPut({} as never);
      } catch (e) {
        return e as CodecError;
      }
    })();
    expect(error).toBeInstanceOf(CodecError);
    expect((error?.cause as Error).message).toBe('not a point');
    const liar = new SharedQueue({
      capacity: 2,
      codec: { ...point, name: 'liar', encode: () => 99 },
    });
    expect(() => liar.tryPut({ x: 1, y: 1 })).toThrow(/returned length number 99/);
    expect(queue.size + liar.size).toBe(0);
  });
});
