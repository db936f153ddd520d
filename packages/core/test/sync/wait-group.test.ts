import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeoutError, WaitGroup, setTracer, type TraceEvent } from '../../src/index.js';
import { flush, track } from './helpers.js';

describe('WaitGroup', () => {
  it('resolves wait() at once at zero, and when the count comes back to zero', async () => {
    const group = new WaitGroup({ name: 'downloads' });
    await group.wait();
    group.add(2);
    const first = track(group.wait());
    const second = track(group.wait());
    group.done();
    await flush();
    expect(first.state).toBe('pending');
    expect(group.count).toBe(1);
    expect(group.waiting).toBe(2);
    group.done();
    await flush();
    expect([first.state, second.state]).toEqual(['fulfilled', 'fulfilled']);
    expect(group.waiting).toBe(0);
  });

  it('refuses to go below zero, leaving the count unchanged', () => {
    const group = new WaitGroup({ name: 'g' });
    expect(() => group.done()).toThrow(
      new RangeError('g: count would go below zero (0 + -1): more done() than add()'),
    );
    group.add(1);
    expect(() => group.add(-2)).toThrow(RangeError);
    expect(group.count).toBe(1);
    expect(() => group.add(1.5)).toThrow(/safe integer delta, got number 1.5/);
    expect(() => group.add('1' as unknown as number)).toThrow(RangeError);
  });

  it('a waiter that times out or is aborted leaves the others waiting', async () => {
    const group = new WaitGroup({ name: 'g' });
    group.add(1);
    const patient = track(group.wait());
    await expect(group.wait({ timeout: 1 })).rejects.toThrow(
      new TimeoutError('g: wait timed out after 1 ms', 1),
    );
    const controller = new AbortController();
    const aborted = group.wait({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(group.waiting).toBe(1);
    group.done();
    await flush();
    expect(patient.state).toBe('fulfilled');
  });

  it('is reusable and traces its changes', async () => {
    const events: TraceEvent[] = [];
    const previous = setTracer({ event: (e) => events.push(e) });
    try {
      const group = new WaitGroup();
      group.add(1);
      const waiting = group.wait();
      group.done();
      await waiting;
      group.add(1);
      group.done();
    } finally {
      setTracer(previous);
    }
    expect(events.map((e) => e.kind)).toEqual([
      'created',
      'clear',
      'wait',
      'release',
      'set',
      'wake',
      'clear',
      'release',
      'set',
    ]);
  });

  it('property: wait() resolves exactly when every added unit is done', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 10 }),
        async (delays) => {
          const group = new WaitGroup();
          let finished = 0;
          for (const delay of delays) {
            group.add(1);
            void (async () => {
              for (let i = 0; i < delay; i++) await Promise.resolve();
              finished++;
              group.done();
            })();
          }
          await group.wait();
          expect(finished).toBe(delays.length);
          expect(group.count).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
