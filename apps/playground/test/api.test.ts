import { describe, expect, it } from 'vitest';
import { createApi, FINISH, LOG_LIMIT } from '../src/runtime/worker/api/index.js';
import { Reporter } from '../src/runtime/worker/reporter.js';
import type { Backends, PermitBackend, QueueBackend } from '../src/runtime/worker/backends.js';
import type { WorkerEvent } from '../src/runtime/common/protocol.js';
import { DEFAULT_SETTINGS } from '../src/settings.js';

// In-thread stand-ins for the shared primitives: enough to check what the API reports and
// when. The "blocking" forms succeed at once, as if another worker had just made room.
function permit(free: number, max = Infinity): PermitBackend & { free: number } {
  const p = {
    free,
    tryAcquire: () => (p.free > 0 ? (p.free--, true) : false),
    acquireSync: () => undefined,
    acquire: () => Promise.resolve(),
    release: () => {
      if (p.free >= max) throw new Error('release unlocked lock');
      p.free++;
    },
  };
  return p;
}

function queue(capacity: number): QueueBackend & { items: unknown[] } {
  const items: unknown[] = [];
  return {
    items,
    tryPut: (v) => (items.length < capacity ? (items.push(v), true) : false),
    putSync: (v) => void items.push(v),
    put: async (v) => void items.push(v),
    tryGet: () => (items.length > 0 ? { ok: true, value: items.shift() } : { ok: false }),
    getSync: () => items.shift(),
    get: async () => items.shift(),
    get size() {
      return items.length;
    },
    capacity,
  };
}

function setup(spec = { id: 0, role: 'producer' as const, index: 1, name: 'producer 1' }) {
  const sequence = new Int32Array(new SharedArrayBuffer(4));
  const posted: WorkerEvent[][] = [];
  // A clock that stands still: batching then depends on the events alone, not on how fast a
  // loaded machine runs the test (a 1 ms gap would otherwise flush between repeated reads).
  const reporter = new Reporter(
    sequence,
    0,
    (e) => posted.push(e),
    () => 0,
  );
  const locks = new Map([['l', permit(1, 1)]]);
  const q = queue(1);
  const backends: Backends = {
    queue: q,
    locks,
    semaphores: new Map([['s', permit(0)]]),
    events: new Map(),
    cells: new Map([['message', new Int32Array(new SharedArrayBuffer(8))]]),
  };
  const api = createApi(spec, DEFAULT_SETTINGS, backends, reporter);
  const events = () => {
    reporter.flush();
    return posted.flat().map(({ t: _t, ...rest }) => rest);
  };
  return { api, events, q, locks };
}

describe('worker API', () => {
  it('reports a wait only when the call really waits, numbered in order', () => {
    const { api, events } = setup();
    const lock = api.lock('l');
    lock.acquire(); // free: no wait
    lock.release();
    api.semaphore('s').acquire(); // no permit: reports the wait first
    expect(events()).toEqual([
      { seq: 0, kind: 'acquired', prim: 'lock', name: 'l' },
      { seq: 1, kind: 'released', prim: 'lock', name: 'l' },
      { seq: 2, kind: 'block', on: { kind: 'semaphore', name: 's' } },
      { seq: 3, kind: 'acquired', prim: 'semaphore', name: 's' },
    ]);
  });

  it('tags queue items with their maker, and passes FINISH through untagged', async () => {
    const { api, events, q } = setup();
    api.queue.put({ a: 1 });
    await api.queue.putAsync(FINISH); // full: waits
    expect(q.items).toEqual([{ from: 0, n: 0, value: { a: 1 } }, { finish: true }]);
    expect(api.queue.get()).toEqual({ a: 1 });
    expect(await api.queue.getAsync()).toBe(FINISH);
    expect(events()).toEqual([
      { seq: 0, kind: 'put', item: [0, 0], value: '{"a":1}', to: 'queue' },
      { seq: 1, kind: 'block', on: { kind: 'queue', name: 'queue', for: 'not_full' } },
      { seq: 2, kind: 'put', item: null, value: 'FINISH', to: 'queue' },
      { seq: 3, kind: 'get', item: [0, 0], value: '{"a":1}', from: 'queue' },
      { seq: 4, kind: 'get', item: null, value: 'FINISH', from: 'queue' },
    ]);
  });

  it('keeps a cell as an unsynchronised [value, tag] pair', () => {
    const { api, events } = setup({ id: 3, role: 'producer', index: 4, name: 'producer 4' });
    const cell = api.cell('message');
    expect(cell.get()).toBe(0); // never written
    cell.set(42);
    expect(cell.get()).toBe(42);
    cell.set(FINISH);
    expect(cell.get()).toBe(FINISH);
    expect(() => cell.set(1.5)).toThrow(TypeError);
    expect(
      events()
        .filter((e) => e.kind === 'get')
        .map((e) => ('item' in e ? e.item : null)),
    ).toEqual([null, [3, 0], null]);
  });

  it('counts repeated reads of the same item as one event with times', () => {
    const { api, events } = setup();
    const cell = api.cell('message');
    cell.set(7);
    for (let i = 0; i < 1000; i++) cell.get();
    cell.set(8);
    cell.get();
    expect(events()).toEqual([
      { seq: 0, kind: 'put', item: [0, 0], value: '7', to: 'message' },
      { seq: 1, kind: 'get', item: [0, 0], value: '7', from: 'message', times: 1000 },
      { seq: 2, kind: 'put', item: [0, 1], value: '8', to: 'message' },
      { seq: 3, kind: 'get', item: [0, 1], value: '8', from: 'message' },
    ]);
  });

  it('sends console.log to the playground console, and stops a flood of lines', () => {
    const { api, events } = setup();
    api.console.log('a', 1);
    api.console.warn('careful');
    for (let i = 0; i < LOG_LIMIT + 50; i++) api.log(i);
    const lines = events().filter((e) => e.kind === 'log');
    expect(lines.slice(0, 2).map((e) => ('text' in e ? e.text : ''))).toEqual([
      'a 1',
      'warning: careful',
    ]);
    expect(lines).toHaveLength(LOG_LIMIT);
    expect(lines.at(-1)).toMatchObject({ text: expect.stringContaining('output is not shown') });
  });

  it('says how to fix a name that was not created for the run', () => {
    const { api, events } = setup();
    const name = 'dyn' + 'amic';
    expect(() => api.lock(name)).toThrow(
      /lock\(dynamic\) was not created for this run: write its name as a string literal/,
    );
    expect(() => api.event('stop')).toThrow(ReferenceError);
    // A failed release still uses its number, so the page's replay has no gap.
    const lock = api.lock('l');
    expect(() => lock.release()).toThrow('release unlocked lock');
    lock.acquire();
    expect(events()).toEqual([
      { seq: 0, kind: 'log', text: 'release l failed: release unlocked lock' },
      { seq: 1, kind: 'acquired', prim: 'lock', name: 'l' },
    ]);
  });

  it('validates sleep and random arguments', () => {
    const { api } = setup();
    expect(() => api.sleep(-1)).toThrow(RangeError);
    expect(() => api.random(5, 1)).toThrow('random(min, max): expected min <= max, got 5 and 1');
    for (let i = 0; i < 50; i++) {
      const n = api.random(1, 3);
      expect([1, 2, 3]).toContain(n);
    }
    const x = api.random();
    expect(x >= 0 && x < 1).toBe(true);
  });
});
