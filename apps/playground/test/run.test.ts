import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  EventBatch,
  EventBody,
  InitMessage,
  WorkerEvent,
} from '../src/runtime/common/protocol.js';
import { GAP_PATIENCE_MS } from '../src/runtime/page/model.js';
import { DEADLOCK_QUIET_MS, Run, type Program } from '../src/runtime/page/run.js';
import { DEFAULT_SETTINGS } from '../src/settings.js';

/** Plays a worker: records what the page sent and lets the test answer with events. */
class ScriptedWorker {
  init: InitMessage | undefined;
  terminated = false;
  onmessage: ((event: MessageEvent<EventBatch>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  postMessage(message: InitMessage) {
    this.init = message;
  }
  terminate() {
    this.terminated = true;
  }
  /** Sends events numbered from the run's shared counter, as the real worker does. */
  send(...bodies: EventBody[]) {
    const init = this.init as InitMessage;
    const counter = new Int32Array(init.handles.sequence);
    const events = bodies.map(
      (body) => ({ ...body, seq: Atomics.add(counter, 0, 1), t: performance.now() }) as WorkerEvent,
    );
    this.onmessage?.({
      data: { type: 'events', worker: init.worker.id, events },
    } as unknown as MessageEvent<EventBatch>);
  }
}

const program = (producer: string, consumer: string): Program => ({
  producer,
  consumer,
  language: 'js',
  settings: DEFAULT_SETTINGS,
});

function start(p: Program) {
  const workers: ScriptedWorker[] = [];
  const ended: Run[] = [];
  const run = new Run(
    p,
    (r) => ended.push(r),
    () => {
      const worker = new ScriptedWorker();
      workers.push(worker);
      return worker as unknown as Worker;
    },
  );
  return { run, workers, ended };
}

describe('Run', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['performance'] }));
  afterEach(() => vi.useRealTimers());

  it('sends each worker its role, code, settings and the shared handles', () => {
    const { run, workers } = start(program("lock('p').acquire()", "event('stop')"));
    expect(run.specs.map((s) => s.name)).toEqual(['producer 1', 'consumer 1']);
    const [producer, consumer] = workers.map((w) => w.init as InitMessage);
    expect(producer?.source).toBe("lock('p').acquire()");
    expect(consumer?.worker).toEqual({ id: 1, role: 'consumer', index: 1, name: 'consumer 1' });
    expect(producer?.declarations.locks).toEqual([{ name: 'p', locked: false }]);
    expect(Object.keys(producer?.handles.locks ?? {})).toEqual(['p']);
    expect(Object.keys(consumer?.handles.events ?? {})).toEqual(['stop']);
    // One run, one counter: every worker numbers its events from the same shared word.
    expect(producer?.handles.sequence).toBe(consumer?.handles.sequence);
    run.stop();
  });

  it('ends with the verdict when every worker is done', () => {
    const { run, workers, ended } = start(program('', ''));
    const [p, c] = workers as [ScriptedWorker, ScriptedWorker];
    p.send(
      { kind: 'started' },
      { kind: 'put', item: [0, 0], value: '1', to: 'queue' },
      { kind: 'done' },
    );
    c.send({ kind: 'started' }, { kind: 'get', item: [0, 0], value: '1', from: 'queue' });
    expect(run.tick()).toBe(false);
    c.send({ kind: 'done' });
    expect(run.tick()).toBe(true);
    expect(ended).toEqual([run]);
    expect(run.verdict?.kind).toBe('ok');
    expect(workers.every((w) => w.terminated)).toBe(true);
  });

  it(`calls a deadlock ${DEADLOCK_QUIET_MS} ms after the last event, not before`, () => {
    const { run, workers } = start(program("lock('producer_lock')", "lock('consumer_lock')"));
    const [p, c] = workers as [ScriptedWorker, ScriptedWorker];
    p.send(
      { kind: 'started' },
      { kind: 'acquired', prim: 'lock', name: 'producer_lock' },
      { kind: 'block', on: { kind: 'lock', name: 'producer_lock' } },
    );
    c.send(
      { kind: 'started' },
      { kind: 'acquired', prim: 'lock', name: 'consumer_lock' },
      { kind: 'block', on: { kind: 'lock', name: 'consumer_lock' } },
    );
    vi.advanceTimersByTime(DEADLOCK_QUIET_MS - 1);
    expect(run.tick()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(run.tick()).toBe(true);
    const verdict = run.verdict;
    expect(verdict?.kind).toBe('deadlock');
    if (verdict?.kind !== 'deadlock') return;
    const [first, second] = verdict.deadlock.sentences;
    expect(first).toMatch(
      /^producer 1 waits for lock producer_lock since .*, which it holds itself/,
    );
    expect(second).toMatch(
      /^consumer 1 waits for lock consumer_lock since .*, which it holds itself/,
    );
    expect(run.model.lanes.map((l) => l.state)).toEqual(['blocked', 'blocked']);
  });

  it('waits for a missing event before judging, then gives up on it', () => {
    const { run, workers } = start(program("lock('a')", ''));
    const [p, c] = workers as [ScriptedWorker, ScriptedWorker];
    const init = p.init as InitMessage;
    const counter = new Int32Array(init.handles.sequence);
    p.send({ kind: 'started' }, { kind: 'acquired', prim: 'lock', name: 'a' });
    // A number drawn whose event never arrives (its worker batched it, then was stuck).
    Atomics.add(counter, 0, 1);
    c.send({ kind: 'started' }, { kind: 'block', on: { kind: 'lock', name: 'a' } });
    p.send({ kind: 'done' });
    vi.advanceTimersByTime(DEADLOCK_QUIET_MS * 5);
    expect(run.tick()).toBe(false);
    expect(run.model.waitingForEvents).toBe(true);
    expect(run.model.lanes[1]?.state).toBe('starting');
    vi.advanceTimersByTime(GAP_PATIENCE_MS);
    expect(run.tick()).toBe(true);
    const verdict = run.verdict;
    expect(verdict?.kind).toBe('deadlock');
    if (verdict?.kind !== 'deadlock') return;
    expect(verdict.deadlock.sentences[0]).toMatch(
      /^consumer 1 waits for lock a since .*, held by producer 1 since .*; producer 1 has finished without releasing it \(abandoned\)\.$/,
    );
  });

  it('Stop terminates every worker at once', () => {
    const { run, workers, ended } = start({
      ...program('', ''),
      settings: { ...DEFAULT_SETTINGS, producers: 3, consumers: 2 },
    });
    expect(workers).toHaveLength(5);
    run.stop();
    expect(workers.every((w) => w.terminated)).toBe(true);
    expect(ended).toHaveLength(1);
    expect(run.model.lanes.every((l) => l.state === 'stopped')).toBe(true);
  });

  it('refuses conflicting declarations before starting any worker', () => {
    expect(() => start(program("semaphore('s', 1)", "semaphore('s', 2)"))).toThrow(
      "semaphore 's' is declared with two initial values, 1 and 2",
    );
  });
});
