// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import Console from '../src/components/Console.svelte';
import VerdictView from '../src/components/Verdict.svelte';
import { RunModel } from '../src/runtime/page/model.js';
import { workerSpecs } from '../src/runtime/page/run.js';
import { snapshot } from '../src/runtime/page/snapshot.js';
import { account, decide, type ItemRecord } from '../src/runtime/page/verdict.js';
import { explainDeadlock } from '../src/runtime/page/wait-graph.js';
import { DEFAULT_SETTINGS } from '../src/settings.js';
import { render } from './render.js';

const itemName = (r: ItemRecord) => `item ${r.item[1] + 1}`;

describe('Verdict', () => {
  it('explains a deadlock in words and as a diagram', () => {
    const deadlock = explainDeadlock({
      workers: [
        {
          id: 0,
          name: 'producer 1',
          state: 'blocked',
          waitingFor: { kind: 'lock', name: 'producer_lock' },
        },
      ],
      locks: [{ name: 'producer_lock', holder: 0 }],
      semaphores: [],
      events: [],
      queue: { size: 0, capacity: 1 },
    });
    const verdict = decide({ accounting: account([], []), errors: [], deadlock, stopped: false });
    const el = render(VerdictView, { verdict, itemName, elapsed: 1500, detectedAfter: 420 });
    const section = el.querySelector('[data-testid="verdict"]');
    expect(section?.getAttribute('data-kind')).toBe('deadlock');
    expect(el.querySelector('h2')?.textContent).toBe(
      'Deadlock: producer 1 waits for lock producer_lock, which it holds itself.',
    );
    const labels = [...el.querySelectorAll('svg text')].map((t) => t.textContent);
    expect(labels).toEqual(
      expect.arrayContaining(['producer 1', 'producer_lock', 'waits for', 'held by']),
    );
    expect(el.querySelector('[data-testid="detected-after"]')?.getAttribute('data-ms')).toBe('420');
  });

  it('lists errors with worker, message and line', () => {
    const verdict = decide({
      accounting: account([], []),
      errors: [
        {
          worker: 'consumer 2',
          error: {
            phase: 'syntax',
            name: 'SyntaxError',
            message: 'Unexpected token',
            location: { line: 7, column: 3 },
          },
        },
      ],
      deadlock: null,
      stopped: false,
    });
    const el = render(VerdictView, { verdict, itemName, elapsed: 10 });
    expect(
      el.querySelector('[data-testid="errors"]')?.textContent?.replace(/\s+/g, ' ').trim(),
    ).toBe('consumer 2: syntax error: Unexpected token (line 7, column 3)');
  });
});

describe('Console', () => {
  it('shows user text as text, in the worker colour, with its time', () => {
    const settings = DEFAULT_SETTINGS;
    const model = new RunModel(
      workerSpecs(settings),
      { locks: [], semaphores: [], events: [], cells: [] },
      settings,
    );
    model.receive({
      type: 'events',
      worker: 1,
      events: [{ seq: 0, t: 1234, kind: 'log', text: '<b onclick="x()">bold?</b>' }],
    });
    model.drain();
    const el = render(Console, {
      view: snapshot(model, 2000),
      names: (id: number) => ({ name: `worker ${id}`, colour: '#d62728' }),
    });
    const line = el.querySelector('li');
    expect(line?.querySelector('.text')?.textContent).toBe('<b onclick="x()">bold?</b>');
    expect(line?.querySelector('b')).toBeNull();
    expect(line?.querySelector('time')?.textContent).toBe('1.234s');
    expect((line?.querySelector('.who') as HTMLElement).style.color).toBe('#d62728');
  });
});
