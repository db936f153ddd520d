import { describe, expect, it } from 'vitest';
import { GAP_PATIENCE_MS, RunModel } from '../src/runtime/page/model.js';
import type { EventBody, WorkerEvent } from '../src/runtime/common/protocol.js';
import { workerSpecs } from '../src/runtime/page/run.js';
import { snapshot } from '../src/runtime/page/snapshot.js';
import { isStuck } from '../src/runtime/page/verdict.js';
import { DEFAULT_SETTINGS } from '../src/settings.js';

const settings = { ...DEFAULT_SETTINGS, capacity: 2 };
const declarations = {
  locks: [
    { name: 'p', locked: false },
    { name: 'c', locked: true },
  ],
  semaphores: [{ name: 's', value: 1 }],
  events: ['stop'],
  cells: [],
};
const ev = (seq: number, body: EventBody, t = seq): WorkerEvent =>
  ({ ...body, seq, t }) as WorkerEvent;

describe('RunModel', () => {
  it('replays events in sequence order across workers, holding back until the gap fills', () => {
    const model = new RunModel(workerSpecs(settings), declarations, settings);
    // Worker 1 (consumer) acquired 'p' at seq 2 after worker 0 released it at seq 1, but its
    // batch arrives first.
    model.receive({
      type: 'events',
      worker: 0,
      events: [ev(0, { kind: 'acquired', prim: 'lock', name: 'p' })],
    });
    model.receive({
      type: 'events',
      worker: 1,
      events: [ev(2, { kind: 'acquired', prim: 'lock', name: 'p' })],
    });
    model.drain();
    expect(model.locks.get('p')?.holder).toBe(0);
    expect(model.waitingForEvents).toBe(true);
    model.receive({
      type: 'events',
      worker: 0,
      events: [ev(1, { kind: 'released', prim: 'lock', name: 'p' })],
    });
    model.drain();
    expect(model.locks.get('p')?.holder).toBe(1);
    expect(model.waitingForEvents).toBe(false);
    expect(model.applied).toBe(3);
    expect(model.locks.get('c')?.holder).toBe('setup');
  });

  it('skips a gap that lasts, and applies the late event when it comes', () => {
    const model = new RunModel(workerSpecs(settings), declarations, settings);
    model.receive({ type: 'events', worker: 1, events: [ev(1, { kind: 'log', text: 'after' })] });
    model.drain(false, 1000);
    expect(model.console).toEqual([]);
    model.drain(false, 1000 + GAP_PATIENCE_MS - 1);
    expect(model.console).toEqual([]);
    model.drain(false, 1000 + GAP_PATIENCE_MS);
    expect(model.console.map((l) => l.text)).toEqual(['after']);
    expect(model.waitingForEvents).toBe(false);
    model.receive({ type: 'events', worker: 0, events: [ev(0, { kind: 'log', text: 'late' })] });
    model.drain(false, 2000);
    expect(model.console.map((l) => l.text)).toEqual(['after', 'late']);
  });

  it('tracks lanes, the queue, semaphores, events, items and the console', () => {
    const model = new RunModel(workerSpecs(settings), declarations, settings);
    const events: [number, EventBody][] = [
      [0, { kind: 'started' }],
      [1, { kind: 'started' }],
      [1, { kind: 'block', on: { kind: 'queue', name: 'queue', for: 'not_empty' } }],
      [0, { kind: 'put', item: [0, 0], value: '7', to: 'queue' }],
      [1, { kind: 'get', item: [0, 0], value: '7', from: 'queue' }],
      [0, { kind: 'acquired', prim: 'semaphore', name: 's' }],
      [1, { kind: 'log', text: 'got 7' }],
      [0, { kind: 'set', name: 'stop' }],
      [0, { kind: 'sleep', ms: 5 }],
    ];
    events.forEach(([worker, body], seq) =>
      model.receive({ type: 'events', worker, events: [ev(seq, body)] }),
    );
    model.drain();
    const [producer, consumer] = model.lanes;
    expect(producer?.state).toBe('sleeping');
    expect(consumer?.state).toBe('running');
    expect(consumer?.segments.map((s) => [s.state, s.label])).toEqual([
      ['starting', ''],
      ['running', ''],
      ['blocked', 'an item in the queue'],
      ['running', ''],
    ]);
    expect(model.queue).toEqual({ size: 0, peak: 1, capacity: 2 });
    expect(model.queueHistory).toEqual([
      [3, 1],
      [4, 0],
    ]);
    expect(model.semaphores.get('s')).toMatchObject({ value: 0, holders: [0] });
    expect(snapshot(model, 10).semaphores).toEqual([
      { name: 's', value: 0, initial: 1, waiters: [] },
    ]);
    expect(model.events.get('stop')).toBe(true);
    expect(model.produced).toEqual([{ item: [0, 0], value: '7', worker: 0, via: 'queue' }]);
    expect(model.consumed).toEqual([{ item: [0, 0], value: '7', worker: 1 }]);
    expect(model.console.map((l) => [l.worker, l.text])).toEqual([[1, 'got 7']]);
  });

  it("keeps the queue's count exact when a get is numbered before its put", () => {
    const model = new RunModel(workerSpecs(settings), declarations, settings);
    // The consumer took the item before the producer, back from put(), drew its number.
    model.receive({
      type: 'events',
      worker: 1,
      events: [ev(0, { kind: 'get', item: [0, 0], value: '1', from: 'queue' })],
    });
    model.drain();
    expect(model.queue.size).toBe(-1);
    expect(snapshot(model, 0).queue.size).toBe(0);
    model.receive({
      type: 'events',
      worker: 0,
      events: [ev(1, { kind: 'put', item: [0, 0], value: '1', to: 'queue' })],
    });
    model.drain();
    expect(model.queue.size).toBe(0);
    expect(snapshot(model, 1).queue).toEqual({ size: 0, peak: 0, capacity: 2 });
  });

  it('sees the lesson-2 deadlock: each worker blocked on the lock it holds', () => {
    const model = new RunModel(workerSpecs(settings), declarations, settings);
    const events: [number, EventBody][] = [
      [0, { kind: 'started' }],
      [0, { kind: 'acquired', prim: 'lock', name: 'p' }],
      [0, { kind: 'block', on: { kind: 'lock', name: 'p' } }],
      [1, { kind: 'started' }],
      [1, { kind: 'block', on: { kind: 'lock', name: 'c' } }],
    ];
    events.forEach(([worker, body], seq) =>
      model.receive({ type: 'events', worker, events: [ev(seq, body)] }),
    );
    model.drain();
    expect(model.locks.get('p')).toMatchObject({ holder: 0, waiters: [0] });
    expect(isStuck(model.graph())).toBe(true);
    model.stopLive(10, 'blocked');
    expect(model.lanes[0]?.state).toBe('blocked');
  });

  it('records failures with their line, and knows when every worker has finished', () => {
    const model = new RunModel(workerSpecs(settings), declarations, settings);
    model.receive({
      type: 'events',
      worker: 0,
      events: [
        ev(0, { kind: 'started' }),
        ev(1, {
          kind: 'failed',
          error: {
            phase: 'syntax',
            name: 'SyntaxError',
            message: 'Unexpected token',
            location: { line: 4, column: 2 },
          },
        }),
      ],
    });
    model.receive({
      type: 'events',
      worker: 1,
      events: [ev(2, { kind: 'started' }), ev(3, { kind: 'done' })],
    });
    model.drain();
    expect(model.finished).toBe(true);
    expect(model.errors).toEqual([
      expect.objectContaining({
        worker: 'producer 1',
        error: expect.objectContaining({ location: { line: 4, column: 2 } }),
      }),
    ]);
    expect(model.console.at(-1)?.text).toBe('SyntaxError: Unexpected token (line 4)');
  });
});
