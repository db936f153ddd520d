/**
 * The tracer and scheduler hooks live on one versioned global, so that every copy of core in a
 * thread (two versions, a bundled and an installed one) reports to the same tracer and obeys the
 * same scheduler. A second module instance of the trace modules (the same file imported under
 * another URL) stands in for a second copy here; the testkit's two-cores test loads a real second
 * copy of the built package.
 */
import { describe, expect, it } from 'vitest';
import { HOOKS_KEY, type BatonHooksV1 } from '../../src/trace/hooks.js';
import { emit, getTracer, newId, setTracer, type TraceEvent } from '../../src/trace/tracer.js';
import { setScheduler, resumeWaiter } from '../../src/trace/scheduler.js';

type Tracer = typeof import('../../src/trace/tracer.js');
type Scheduler = typeof import('../../src/trace/scheduler.js');

async function secondCopy(): Promise<{ tracer: Tracer; scheduler: Scheduler }> {
  // A query makes another module instance of the same file, with module state of its own (a
  // computed specifier, which TypeScript leaves to the runner).
  const copy = (file: string): string =>
    new URL(`../../src/trace/${file}.ts?copy=2`, import.meta.url).href;
  const tracer = (await import(copy('tracer'))) as Tracer;
  const scheduler = (await import(copy('scheduler'))) as Scheduler;
  return { tracer, scheduler };
}

describe('the shared hooks', () => {
  it('live on globalThis under Symbol.for("baton.hooks.v1"), version 1, not enumerable', () => {
    expect(HOOKS_KEY).toBe(Symbol.for('baton.hooks.v1'));
    const hooks = (globalThis as unknown as Record<symbol, BatonHooksV1 | undefined>)[HOOKS_KEY];
    if (hooks === undefined) throw new Error('no hooks on globalThis');
    expect(hooks.version).toBe(1);
    expect(Object.getOwnPropertySymbols(globalThis)).toContain(HOOKS_KEY);
    expect(Object.keys(globalThis)).not.toContain(String(HOOKS_KEY));
    const tracer = { event: () => {} };
    const previous = setTracer(tracer);
    try {
      expect(hooks.tracer).toBe(tracer);
    } finally {
      setTracer(previous);
    }
  });

  it('are shared with a second module instance: one tracer, one scheduler, distinct ids', async () => {
    const copy = await secondCopy();
    expect(copy.tracer.setTracer).not.toBe(setTracer);
    const events: TraceEvent[] = [];
    const previous = copy.tracer.setTracer({ event: (e) => events.push(e) });
    try {
      expect(getTracer()).toBe(copy.tracer.getTracer());
      emit({ kind: 'Lock', id: 1, name: 'mine' }, 'acquire');
      copy.tracer.emit({ kind: 'Lock', id: 2, name: 'theirs' }, 'acquire');
      expect(events.map((e) => e.name)).toEqual(['mine', 'theirs']);
    } finally {
      copy.tracer.setTracer(previous);
    }
    const ids = [newId(), copy.tracer.newId(), newId()];
    expect(new Set(ids).size).toBe(3);
    const woken: string[] = [];
    const before = setScheduler({ resume: (resume) => (woken.push('held'), resume()) });
    try {
      copy.scheduler.resumeWaiter({ kind: 'Lock', id: 3, name: 'x' }, () => woken.push('woke'));
    } finally {
      setScheduler(before);
    }
    expect(woken).toEqual(['held', 'woke']);
    resumeWaiter({ kind: 'Lock', id: 3, name: 'x' }, () => woken.push('direct'));
    expect(woken.at(-1)).toBe('direct');
  });
});
