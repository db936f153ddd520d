// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import Resources from '../src/components/Resources.svelte';
import Timeline from '../src/components/Timeline.svelte';
import { RunModel } from '../src/runtime/page/model.js';
import type { Declarations, EventBody, Settings } from '../src/runtime/common/protocol.js';
import { workerSpecs } from '../src/runtime/page/run.js';
import { snapshot, type RunView } from '../src/runtime/page/snapshot.js';
import { DEFAULT_SETTINGS } from '../src/settings.js';
import { render, unmountAll } from './render.js';

/**
 * A run's model fed with worker events the way `Run` feeds it: numbered from one counter, in
 * per-worker batches, then drained. Times are made up (ms since the run started), never read
 * from a clock.
 */
function runOf(settings: Settings, declarations: Declarations) {
  const model = new RunModel(workerSpecs(settings), declarations, settings);
  let seq = 0;
  let t = 0;
  const send = (worker: number, ...events: EventBody[]) => {
    model.receive({
      type: 'events',
      worker,
      events: events.map((body) => ({ ...body, seq: seq++, t: (t += 5) }) as never),
    });
    model.drain();
  };
  const view = (): RunView => snapshot(model, model.now);
  return { model, send, view };
}

const NO_DECLARATIONS: Declarations = { locks: [], semaphores: [], events: [], cells: [] };

/**
 * Three producers and three consumers, frozen mid-run: producer 1 holds producer_lock and has
 * put three items; producers 2 and 3 wait for that lock; consumer 1 took an item and waits for
 * the event `stop`; consumer 2 took one and finished; consumer 3 threw on line 3.
 */
function busyRun() {
  const settings: Settings = { ...DEFAULT_SETTINGS, capacity: 3, producers: 3, consumers: 3 };
  const run = runOf(settings, {
    locks: [
      { name: 'producer_lock', locked: false },
      { name: 'consumer_lock', locked: true },
      { name: 'spare', locked: false },
    ],
    semaphores: [{ name: 'slots', value: 2 }],
    events: ['stop'],
    cells: [],
  });
  const [p1, p2, p3, c1, c2, c3] = [0, 1, 2, 3, 4, 5] as const;
  for (const w of [p1, p2, p3, c1, c2, c3]) run.send(w, { kind: 'started' });
  run.send(p1, { kind: 'acquired', prim: 'lock', name: 'producer_lock' });
  run.send(p1, { kind: 'acquired', prim: 'semaphore', name: 'slots' });
  run.send(p2, { kind: 'block', on: { kind: 'lock', name: 'producer_lock' } });
  run.send(p3, { kind: 'block', on: { kind: 'lock', name: 'producer_lock' } });
  run.send(p1, { kind: 'put', item: [p1, 0], value: '11', to: 'queue' });
  run.send(p1, { kind: 'put', item: [p1, 1], value: '12', to: 'queue' });
  run.send(c1, { kind: 'get', item: [p1, 0], value: '11', from: 'queue' });
  run.send(p1, { kind: 'put', item: [p1, 2], value: '13', to: 'queue' });
  run.send(c2, { kind: 'get', item: [p1, 1], value: '12', from: 'queue' }, { kind: 'done' });
  run.send(c1, { kind: 'block', on: { kind: 'event', name: 'stop' } });
  run.send(c3, {
    kind: 'failed',
    error: {
      phase: 'runtime',
      name: 'TypeError',
      message: 'x is undefined',
      location: { line: 3, column: 1 },
    },
  });
  return run;
}

function renderTimeline(view: RunView) {
  return render(Timeline, {
    lanes: view.lanes,
    now: view.now,
    queue: { history: view.queueHistory, capacity: view.queue.capacity },
  });
}

const laneRows = (el: HTMLElement) =>
  [...el.querySelectorAll<HTMLElement>('[data-testid="lane"]')].map((li) => ({
    name: li.querySelector('.name')?.textContent,
    state: li.dataset['state'],
    status: li.querySelector('.status')?.textContent,
  }));

describe('Timeline', () => {
  it('has one lane per worker with its state in words', () => {
    const el = renderTimeline(busyRun().view());
    expect(laneRows(el)).toEqual([
      { name: 'producer 1', state: 'running', status: 'running' },
      { name: 'producer 2', state: 'blocked', status: 'blocked on lock producer_lock' },
      { name: 'producer 3', state: 'blocked', status: 'blocked on lock producer_lock' },
      { name: 'consumer 1', state: 'blocked', status: 'blocked on event stop' },
      { name: 'consumer 2', state: 'done', status: 'done' },
      { name: 'consumer 3', state: 'failed', status: 'failed' },
    ]);
    // The drawing is a canvas; its text alternative says the same for screen readers.
    const img = el.querySelector('[role="img"]');
    expect(img?.getAttribute('aria-label')).toBe(
      "One lane per worker, and the queue's fill, over 90 ms: producer 1 running; " +
        'producer 2 blocked on lock producer_lock; producer 3 blocked on lock producer_lock; ' +
        'consumer 1 blocked on event stop; consumer 2 done; consumer 3 failed',
    );
    expect(el.querySelector('canvas')?.getAttribute('aria-hidden')).toBe('true');
  });

  it('names the queue condition a worker waits for, and its sleep', () => {
    const run = runOf({ ...DEFAULT_SETTINGS, capacity: 1 }, NO_DECLARATIONS);
    run.send(0, { kind: 'started' }, { kind: 'put', item: [0, 0], value: '1', to: 'queue' });
    run.send(0, { kind: 'block', on: { kind: 'queue', name: 'queue', for: 'not_full' } });
    run.send(1, { kind: 'started' }, { kind: 'sleep', ms: 250 });
    let el = renderTimeline(run.view());
    expect(laneRows(el)).toEqual([
      { name: 'producer 1', state: 'blocked', status: 'blocked on room in the queue' },
      { name: 'consumer 1', state: 'sleeping', status: 'sleep(250)' },
    ]);
    // The consumer wakes and takes the item, which lets the producer go on; the consumer takes
    // that one too and waits for more.
    run.send(1, { kind: 'wake' }, { kind: 'get', item: [0, 0], value: '1', from: 'queue' });
    run.send(0, { kind: 'put', item: [0, 1], value: '2', to: 'queue' });
    run.send(1, { kind: 'get', item: [0, 1], value: '2', from: 'queue' });
    run.send(1, { kind: 'block', on: { kind: 'queue', name: 'queue', for: 'not_empty' } });
    unmountAll();
    el = renderTimeline(run.view());
    expect(laneRows(el)).toEqual([
      { name: 'producer 1', state: 'running', status: 'running' },
      { name: 'consumer 1', state: 'blocked', status: 'blocked on an item in the queue' },
    ]);
    expect(el.textContent).toContain('0 to 1');
  });

  it('shows workers left when the run is stopped as stopped', () => {
    const run = busyRun();
    run.model.stopLive(run.model.now + 10);
    const el = renderTimeline(run.view());
    expect(laneRows(el).map((l) => l.status)).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'stopped',
      'done',
      'failed',
    ]);
  });
});

const tableRows = (el: HTMLElement) =>
  [...el.querySelectorAll('[data-testid="locks"] tbody tr')].map((tr) =>
    [...tr.children].map((cell) => cell.textContent),
  );

describe('Resources', () => {
  it('lists every lock with its holder and waiters, then semaphores and events', () => {
    const el = render(Resources, { view: busyRun().view() });
    expect(tableRows(el)).toEqual([
      ['lock producer_lock', 'held by producer 1', 'producer 2, producer 3'],
      ['lock consumer_lock', 'held from the start', '-'],
      ['lock spare', 'free', '-'],
      // A semaphore is never "held": it has permits left, or none.
      ['semaphore slots', '1 permit left', '-'],
      ['event stop', 'not set', 'consumer 1'],
    ]);
    const headers = [...el.querySelectorAll('[data-testid="locks"] thead th')];
    expect(headers.map((th) => th.textContent)).toEqual(['name', 'state', 'waiting']);
  });

  it('shows the queue fill in words and as a meter', () => {
    const el = render(Resources, { view: busyRun().view() });
    expect(el.querySelector('.numbers')?.textContent).toBe('1 / 3 (peak 2)');
    expect(el.querySelector('.counts')?.textContent).toBe('produced 3, consumed 2');
    const meter = el.querySelector<HTMLElement>('[data-testid="queue-fill"]');
    expect(meter?.getAttribute('role')).toBe('meter');
    expect(meter?.getAttribute('aria-valuenow')).toBe('1');
    expect(meter?.getAttribute('aria-valuemax')).toBe('3');
    expect(document.getElementById(meter?.getAttribute('aria-labelledby') ?? '')?.textContent).toBe(
      'queue',
    );
    expect(meter?.querySelector<HTMLElement>('.level')?.style.width).toBe(`${(1 / 3) * 100}%`);
  });

  it('moves a lock to the next holder when it is released', () => {
    const run = busyRun();
    run.send(0, { kind: 'released', prim: 'lock', name: 'producer_lock' });
    run.send(1, { kind: 'acquired', prim: 'lock', name: 'producer_lock' });
    const el = render(Resources, { view: run.view() });
    expect(tableRows(el)[0]).toEqual(['lock producer_lock', 'held by producer 2', 'producer 3']);
  });

  it('never shows the queue below empty while a get is replayed before its put', () => {
    // A get numbers itself after taking the item and the put after returning, so the get may
    // sort first (see model.ts).
    const run = runOf({ ...DEFAULT_SETTINGS, capacity: 2 }, NO_DECLARATIONS);
    run.send(0, { kind: 'started' });
    run.send(1, { kind: 'started' }, { kind: 'get', item: [0, 0], value: '7', from: 'queue' });
    let el = render(Resources, { view: run.view() });
    expect(el.querySelector('.numbers')?.textContent).toBe('0 / 2 (peak 0)');
    expect(el.querySelector('[data-testid="queue-fill"]')?.getAttribute('aria-valuenow')).toBe('0');
    run.send(0, { kind: 'put', item: [0, 0], value: '7', to: 'queue' });
    el = render(Resources, { view: run.view() });
    expect(el.querySelector('.numbers')?.textContent).toBe('0 / 2 (peak 0)');
    expect(el.querySelector('.counts')?.textContent).toBe('produced 1, consumed 1');
  });

  it('shows a full queue, and no table when the code declares no primitives', () => {
    const run = runOf({ ...DEFAULT_SETTINGS, capacity: 2 }, NO_DECLARATIONS);
    run.send(0, { kind: 'started' });
    run.send(0, { kind: 'put', item: [0, 0], value: '1', to: 'queue' });
    run.send(0, { kind: 'put', item: [0, 1], value: '2', to: 'queue' });
    const el = render(Resources, { view: run.view() });
    expect(el.querySelector('.numbers')?.textContent).toBe('2 / 2 (peak 2)');
    expect(el.querySelector<HTMLElement>('.level')?.style.width).toBe('100%');
    expect(el.querySelector('[data-testid="locks"]')).toBeNull();
  });
});
