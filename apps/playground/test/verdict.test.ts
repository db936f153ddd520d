import { describe, expect, it } from 'vitest';
import type { ItemId } from '../src/runtime/common/protocol.js';
import {
  account,
  decide,
  headline,
  isStuck,
  type ItemRecord,
  type WaitGraph,
} from '../src/runtime/page/verdict.js';
import { explainDeadlock } from '../src/runtime/page/wait-graph.js';

const rec = (from: number, n: number, worker: number, value = String(n)): ItemRecord => ({
  item: [from, n] as ItemId,
  value,
  worker,
});
const name = (r: ItemRecord) => `w${r.item[0]}#${r.item[1] + 1}`;

describe('account', () => {
  const produced = [rec(0, 0, 0), rec(0, 1, 0), rec(0, 2, 0)];

  it('accepts every item consumed once and in order', () => {
    const a = account(produced, [rec(0, 0, 1), rec(0, 1, 1), rec(0, 2, 1)]);
    expect(a).toMatchObject({ produced: 3, consumed: 3, lost: [], doubled: [], outOfOrder: [] });
    expect(decide({ accounting: a, errors: [], deadlock: null, stopped: false }).kind).toBe('ok');
  });

  it('names the lost and the doubled items', () => {
    const a = account(produced, [rec(0, 0, 1), rec(0, 0, 1), rec(0, 2, 1)]);
    expect(a.lost.map(name)).toEqual(['w0#2']);
    expect(a.doubled.map((d) => [name(d.record), d.times])).toEqual([['w0#1', 2]]);
    const verdict = decide({ accounting: a, errors: [], deadlock: null, stopped: false });
    expect(verdict.kind).toBe('wrong');
    expect(headline(verdict, name)).toBe(
      'Wrong: 1 lost (first: w0#2); 1 doubled (first: w0#1, 2 times).',
    );
  });

  it('counts a record read several times in a row as that many consumptions', () => {
    const a = account(produced, [rec(0, 0, 1), { ...rec(0, 1, 1), times: 3 }, rec(0, 2, 1)]);
    expect(a.consumed).toBe(5);
    expect(a.doubled.map((d) => [name(d.record), d.times])).toEqual([['w0#2', 3]]);
  });

  it('checks order per consumer and per producer only', () => {
    // Two producers interleaved, two consumers: each consumer sees each producer in order.
    const made = [rec(0, 0, 0), rec(0, 1, 0), rec(1, 0, 1), rec(1, 1, 1)];
    const fine = account(made, [rec(1, 0, 2), rec(0, 0, 3), rec(0, 1, 2), rec(1, 1, 3)]);
    expect(fine.outOfOrder).toEqual([]);
    const swapped = account(made, [rec(0, 1, 2), rec(0, 0, 2), rec(1, 0, 2), rec(1, 1, 2)]);
    expect(swapped.outOfOrder).toHaveLength(1);
    expect(name(swapped.outOfOrder[0]!.item)).toBe('w0#1');
    expect(name(swapped.outOfOrder[0]!.after)).toBe('w0#2');
  });
});

const graph = (overrides: Partial<WaitGraph>): WaitGraph => ({
  workers: [],
  locks: [],
  semaphores: [],
  events: [],
  queue: { size: 0, capacity: 10 },
  ...overrides,
});

describe('deadlock', () => {
  it('explains a worker waiting for a lock it already holds (the lesson, step 2)', () => {
    const g = graph({
      workers: [
        {
          id: 0,
          name: 'producer 1',
          state: 'blocked',
          waitingFor: { kind: 'lock', name: 'producer_lock' },
        },
        {
          id: 1,
          name: 'consumer 1',
          state: 'blocked',
          waitingFor: { kind: 'lock', name: 'consumer_lock' },
        },
      ],
      locks: [
        { name: 'producer_lock', holder: 0 },
        { name: 'consumer_lock', holder: 1 },
      ],
    });
    expect(isStuck(g)).toBe(true);
    const d = explainDeadlock(g);
    expect(d.cycle).toEqual([
      { worker: 'producer 1', resource: 'producer_lock', heldBy: 'producer 1' },
    ]);
    expect(d.sentences).toEqual([
      'producer 1 waits for lock producer_lock, which it holds itself.',
      'consumer 1 waits for lock consumer_lock, which it holds itself.',
    ]);
  });

  it('reads a two-worker cycle off the wait-for graph', () => {
    const g = graph({
      workers: [
        { id: 0, name: 'producer 1', state: 'blocked', waitingFor: { kind: 'lock', name: 'b' } },
        { id: 1, name: 'consumer 1', state: 'blocked', waitingFor: { kind: 'lock', name: 'a' } },
      ],
      locks: [
        { name: 'a', holder: 0 },
        { name: 'b', holder: 1 },
      ],
    });
    expect(explainDeadlock(g).sentences[0]).toBe(
      'producer 1 waits for lock b, held by consumer 1; consumer 1 waits for lock a, held by producer 1; and so back to producer 1.',
    );
  });

  it('is not stuck while a waited-for lock is free or someone still runs', () => {
    const blocked = {
      id: 0,
      name: 'producer 1',
      state: 'blocked' as const,
      waitingFor: { kind: 'lock' as const, name: 'a' },
    };
    expect(isStuck(graph({ workers: [blocked], locks: [{ name: 'a', holder: null }] }))).toBe(
      false,
    );
    expect(
      isStuck(
        graph({
          workers: [blocked, { id: 1, name: 'consumer 1', state: 'sleeping' }],
          locks: [{ name: 'a', holder: 1 }],
        }),
      ),
    ).toBe(false);
    expect(isStuck(graph({ workers: [{ id: 0, name: 'p', state: 'done' }] }))).toBe(false);
  });

  it('explains a consumer left waiting on an empty queue after the producers finished', () => {
    const g = graph({
      workers: [
        { id: 0, name: 'producer 1', state: 'done' },
        {
          id: 1,
          name: 'consumer 1',
          state: 'blocked',
          waitingFor: { kind: 'queue', name: 'queue', for: 'not_empty' },
        },
      ],
    });
    expect(isStuck(g)).toBe(true);
    const d = explainDeadlock(g);
    expect(d.cycle).toBeNull();
    expect(d.sentences).toEqual([
      'consumer 1 waits for an item in queue queue, which is empty (0/10).',
    ]);
  });

  it('names a lock held from the start, and a holder that finished', () => {
    const d = explainDeadlock(
      graph({
        workers: [
          { id: 0, name: 'producer 1', state: 'done' },
          { id: 1, name: 'consumer 1', state: 'blocked', waitingFor: { kind: 'lock', name: 'c' } },
          { id: 2, name: 'consumer 2', state: 'blocked', waitingFor: { kind: 'lock', name: 'p' } },
        ],
        locks: [
          { name: 'c', holder: 'setup' },
          { name: 'p', holder: 0 },
        ],
      }),
    );
    expect(d.sentences).toEqual([
      'consumer 1 waits for lock c, held by the start (held from the start); the start (held from the start) has finished without releasing it (abandoned).',
      'consumer 2 waits for lock p, held by producer 1; producer 1 has finished without releasing it (abandoned).',
    ]);
  });

  it('gives errors precedence over a deadlock, and a deadlock over a stop', () => {
    const a = account([], []);
    const deadlock = { cycle: null, sentences: ['x'] };
    const error = {
      phase: 'runtime' as const,
      name: 'TypeError',
      message: 'boom',
      location: { line: 3, column: 5 },
    };
    const failed = decide({
      accounting: a,
      errors: [{ worker: 'producer 1', error }],
      deadlock,
      stopped: true,
    });
    expect(failed).toMatchObject({ kind: 'failed', deadlock });
    expect(headline(failed, name)).toBe('producer 1 failed: TypeError: boom (line 3)');
    expect(decide({ accounting: a, errors: [], deadlock, stopped: true }).kind).toBe('deadlock');
    expect(decide({ accounting: a, errors: [], deadlock: null, stopped: true }).kind).toBe(
      'stopped',
    );
  });
});
