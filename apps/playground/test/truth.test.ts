// The problems issue 12 reported, each reproduced: verdicts that tell the truth, slow motion that
// never shows an impossible state, capped console lines, plain cells, the scrubber's past, and
// the lesson track's order.
import { describe, expect, it } from 'vitest';
import { API_REFERENCE } from '../src/runtime/common/api-reference.js';
import type { EventBody, ItemId, WorkerEvent } from '../src/runtime/common/protocol.js';
import { LESSON } from '../src/lesson.js';
import { EXAMPLES, FIRST_EXAMPLE } from '../src/examples.js';
import { laneColour, RunModel } from '../src/runtime/page/model.js';
import { workerSpecs } from '../src/runtime/page/run.js';
import { snapshot } from '../src/runtime/page/snapshot.js';
import { explainDeadlock, explainStuck } from '../src/runtime/page/wait-graph.js';
import {
  account,
  decide,
  headline,
  type ItemRecord,
  type WaitGraph,
} from '../src/runtime/page/verdict.js';
import { API_NAMES, createApi, LINE_LIMIT, seededRandom } from '../src/runtime/worker/api/index.js';
import type { Backends } from '../src/runtime/worker/backends.js';
import { Reporter } from '../src/runtime/worker/reporter.js';
import { DEFAULT_SETTINGS } from '../src/settings.js';
import { checkRecording, decodeFragment, encodeFragment } from '../src/share.js';

const rec = (from: number, n: number, worker: number, via?: string): ItemRecord => ({
  item: [from, n] as ItemId,
  value: String(n),
  worker,
  ...(via === undefined ? {} : { via }),
});

describe('verdicts that tell the truth', () => {
  it('a semaphore is waited on, never "held": no cycle through it', () => {
    const graph: WaitGraph = {
      workers: [
        {
          id: 0,
          name: 'producer 1',
          state: 'blocked',
          waitingFor: { kind: 'semaphore', name: 'slots' },
        },
      ],
      locks: [],
      semaphores: [{ name: 'slots', value: 0, holders: [0, 0, 0] }],
      events: [],
      queue: { size: 0, capacity: 3 },
    };
    const deadlock = explainDeadlock(graph);
    expect(deadlock.cycle).toBeNull();
    expect(deadlock.sentences).toEqual([
      'producer 1 waits for a permit of semaphore slots; no other task has taken one to give back (a release that never came?).',
    ]);
    expect(deadlock.sentences.join(' ')).not.toContain('holds');
  });

  it('items still in the queue are never consumed, not lost; cell items can be lost', () => {
    const a = account(
      [rec(0, 0, 0, 'queue'), rec(0, 1, 0, 'queue'), rec(0, 2, 0, 'message')],
      [rec(0, 0, 1)],
    );
    expect(a.lost.map((r) => r.item[1])).toEqual([2]);
    expect(a.neverConsumed.map((r) => r.item[1])).toEqual([1]);
    const verdict = decide({ accounting: a, errors: [], deadlock: null, stopped: false });
    expect(headline(verdict, (r) => `#${r.item[1]}`)).toBe(
      'Wrong: 1 lost (first: #2); 1 never consumed, left in the queue (first: #1).',
    );
  });

  it('a read of a channel cell before any write is a message nobody sent', () => {
    const a = account([], [], [{ worker: 1, value: '0' }]);
    const verdict = decide({ accounting: a, errors: [], deadlock: null, stopped: false });
    expect(verdict.kind).toBe('wrong');
  });
});

function api(delay = 0, channels?: ReadonlySet<string>) {
  const posted: WorkerEvent[][] = [];
  const reporter = new Reporter(
    new Int32Array(new SharedArrayBuffer(4)),
    0,
    (e) => posted.push(e),
    () => 0,
  );
  const backends: Backends = {
    queue: {
      tryPut: () => true,
      putSync: () => undefined,
      put: async () => undefined,
      tryGet: () => ({ ok: false }),
      getSync: () => undefined,
      get: async () => undefined,
      size: 0,
      capacity: 1,
    },
    locks: new Map([
      [
        'l',
        {
          tryAcquire: () => true,
          acquireSync: () => undefined,
          acquire: async () => undefined,
          release: () => undefined,
        },
      ],
    ]),
    semaphores: new Map(),
    events: new Map(),
    cells: new Map([
      ['message', new Int32Array(new SharedArrayBuffer(8))],
      ['head', new Int32Array(new SharedArrayBuffer(8))],
    ]),
  };
  const spec = { id: 0, role: 'producer' as const, index: 1, name: 'producer 1' };
  const user = createApi(spec, { ...DEFAULT_SETTINGS, delay }, backends, reporter, {
    ...(channels ? { channels } : {}),
  });
  return { user, posted, reporter };
}

describe('worker API fixes', () => {
  it('slow motion sends what happened before it sleeps', () => {
    const { user, posted } = api(1);
    user.lock('l').acquire();
    // Posted, not held back in the batch for the whole delay.
    expect(posted.flat().map((e) => e.kind)).toEqual(['acquired']);
  });

  it('caps a huge log line and says how much was left out', () => {
    const { user, posted, reporter } = api();
    user.log('x'.repeat(1_000_000));
    reporter.flush();
    const line = posted.flat()[0] as WorkerEvent & { text: string };
    expect(line.text.length).toBeLessThan(LINE_LIMIT + 50);
    expect(line.text).toContain(`… ${1_000_000 - LINE_LIMIT} more characters`);
  });

  it('explains sleep(Infinity) instead of printing "got null"', () => {
    const { user } = api();
    expect(() => user.sleep(Infinity)).toThrow(/Infinity would never return/);
  });

  it('counts items only in the cells the code marks as its channel', () => {
    const { user, posted, reporter } = api(0, new Set(['message']));
    user.cell('head').set(3);
    expect(user.cell('head').get()).toBe(3);
    user.cell('message').set(7);
    reporter.flush();
    const items = posted.flat().filter((e) => e.kind === 'put' || e.kind === 'get');
    expect(items).toEqual([expect.objectContaining({ kind: 'put', to: 'message', item: [0, 0] })]);
  });

  it('draws the same random numbers from the same seed', () => {
    const draw = (seed: number) => {
      const next = seededRandom(seed);
      return [next(), next(), next()];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42).every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('the page', () => {
  const settings = { ...DEFAULT_SETTINGS, capacity: 2 };
  const declarations = {
    locks: [{ name: 'l', locked: false }],
    semaphores: [],
    events: [],
    cells: [],
  };
  const ev = (seq: number, body: EventBody, t = seq): WorkerEvent =>
    ({ ...body, seq, t }) as WorkerEvent;

  it('rebuilds any moment of a run for the scrubber, with each worker’s line', () => {
    const model = new RunModel(workerSpecs(settings), declarations, settings);
    model.receive({
      type: 'events',
      worker: 0,
      events: [
        ev(0, { kind: 'started' }, 0),
        { ...ev(1, { kind: 'acquired', prim: 'lock', name: 'l' }, 10), line: 4 },
        { ...ev(2, { kind: 'released', prim: 'lock', name: 'l' }, 20), line: 6 },
      ],
    });
    model.drain(true);
    expect(model.locks.get('l')?.holder).toBeNull();
    const then = model.at(15);
    expect(then.locks.get('l')?.holder).toBe(0);
    expect(snapshot(then, 15).lanes[0]?.line).toBe(4);
    expect(snapshot(model.at(25), 25).lanes[0]?.line).toBe(6);
  });

  it('gives every one of 16 workers its own colour', () => {
    const colours = Array.from({ length: 16 }, (_, i) => laneColour(i));
    expect(new Set(colours).size).toBe(16);
  });

  it('carries a recorded schedule in a share link, checked on the way in', () => {
    const session = {
      producer: 'a',
      consumer: 'b',
      language: 'js' as const,
      settings: DEFAULT_SETTINGS,
      recording: { seed: 7, schedule: [0, 1, 1, 0] },
    };
    expect(decodeFragment(encodeFragment(session))).toEqual(session);
    expect(() => checkRecording({ seed: 1, schedule: [0, 5] }, 2)).toThrow(/worker 5/);
  });
});

describe('the lesson track', () => {
  it('follows the lesson in order and opens on its first step', () => {
    expect(LESSON.map((s) => s.example.id)).toEqual([
      'race',
      'locks-twice',
      'release-free',
      'hand-off',
      'bounded-queue',
      'event',
      'polling',
      'semaphore',
      'many',
    ]);
    expect(FIRST_EXAMPLE.id).toBe('race');
    // Step 3 has its own example: both locks free at the start.
    const step3 = EXAMPLES.find((e) => e.id === 'release-free');
    expect(step3?.producer).not.toContain('locked: true');
    expect(step3?.consumer).toContain('producerLock.release()');
  });

  it('describes example 9 as its code does', () => {
    const many = EXAMPLES.find((e) => e.id === 'many');
    expect(many?.description).toContain('producer 1 waits for all of them');
    expect(many?.producer).toContain('if (index === 1)');
  });

  it('documents every name the worker API passes to the code', () => {
    expect(API_REFERENCE.map((e) => e.name).sort()).toEqual([...API_NAMES].sort());
  });
});

describe('deadlock wording from core', () => {
  const settings = { ...DEFAULT_SETTINGS };
  const ev = (seq: number, body: EventBody, t = seq): WorkerEvent =>
    ({ ...body, seq, t }) as WorkerEvent;

  it('explains the lesson-2 deadlock and a forgotten semaphore release in user words', () => {
    const model = new RunModel(
      workerSpecs(settings),
      {
        locks: [
          { name: 'producer_lock', locked: false },
          { name: 'consumer_lock', locked: false },
        ],
        semaphores: [],
        events: [],
        cells: [],
      },
      settings,
    );
    model.receive({
      type: 'events',
      worker: 0,
      events: [
        ev(0, { kind: 'started' }),
        ev(1, { kind: 'acquired', prim: 'lock', name: 'producer_lock' }),
        ev(3, { kind: 'block', on: { kind: 'lock', name: 'producer_lock' } }),
      ],
    });
    model.receive({
      type: 'events',
      worker: 1,
      events: [
        ev(2, { kind: 'acquired', prim: 'lock', name: 'consumer_lock' }),
        ev(4, { kind: 'block', on: { kind: 'lock', name: 'consumer_lock' } }),
      ],
    });
    model.drain(true);
    const deadlock = explainStuck(model, 10);
    expect(deadlock.sentences[0]).toMatch(
      /^producer 1 waits for lock producer_lock .*which it holds itself/,
    );
    expect(deadlock.sentences[1]).toMatch(
      /^consumer 1 waits for lock consumer_lock .*which it holds itself/,
    );
    expect(deadlock.cycle?.[0]).toMatchObject({ worker: 'producer 1', resource: 'producer_lock' });

    const sem = new RunModel(
      workerSpecs(settings),
      { locks: [], semaphores: [{ name: 'slots', value: 1 }], events: [], cells: [] },
      settings,
    );
    sem.receive({
      type: 'events',
      worker: 0,
      events: [
        ev(0, { kind: 'acquired', prim: 'semaphore', name: 'slots' }),
        ev(1, { kind: 'block', on: { kind: 'semaphore', name: 'slots' } }),
      ],
    });
    sem.drain(true);
    const words = explainStuck(sem, 5).sentences.join(' ');
    expect(words).toContain('producer 1 waits for a permit of semaphore slots');
    expect(words).not.toMatch(/holds|held/);
  });
});
