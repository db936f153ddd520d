import { describe, expect, it } from 'vitest';
import {
  BatonError,
  ClosedError,
  EMPTY,
  LockError,
  TimeoutError,
  getTracer,
  setTracer,
  type TraceEvent,
} from '../src/index.js';
import { checkPositiveInteger, checkTimeout } from '../src/options.js';
import { emit, newId } from '../src/trace/tracer.js';

describe('errors', () => {
  it('are Baton errors named after their class', () => {
    const error = new TimeoutError('Lock jobs: acquire timed out after 5 ms', 5);
    expect(error).toBeInstanceOf(BatonError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TimeoutError');
    expect(error.timeout).toBe(5);
    expect(new ClosedError('closed').name).toBe('ClosedError');
    expect(new LockError('x')).toBeInstanceOf(BatonError);
  });
});

describe('option checks', () => {
  it('accepts absent, zero, finite and infinite timeouts', () => {
    expect(checkTimeout(undefined)).toBe(Infinity);
    expect(checkTimeout(0)).toBe(0);
    expect(checkTimeout(12.5)).toBe(12.5);
  });

  it('rejects negative, NaN and non-number timeouts with a message naming the field', () => {
    expect(() => checkTimeout(-1)).toThrow(RangeError);
    expect(() => checkTimeout(Number.NaN)).toThrow(/timeout must be a non-negative/);
    expect(() => checkTimeout('5' as unknown as number)).toThrow(TypeError);
  });

  it('names the field of a bad capacity', () => {
    expect(checkPositiveInteger('capacity', 4)).toBe(4);
    expect(checkPositiveInteger('capacity', Infinity, true)).toBe(Infinity);
    expect(() => checkPositiveInteger('capacity', 0)).toThrow(
      'capacity must be a positive safe integer, got 0',
    );
    expect(() => checkPositiveInteger('capacity', 2 ** 60)).toThrow(RangeError);
    expect(() => checkPositiveInteger('capacity', Infinity)).toThrow(RangeError);
    // null is a bad count (RangeError), not a missing one: `?? default` must not take it.
    expect(() => checkPositiveInteger('capacity', null)).toThrow(RangeError);
    expect(() => checkPositiveInteger('capacity', null)).toThrow(
      'capacity must be a positive safe integer, got null',
    );
    expect(() => checkPositiveInteger('capacity', '4')).toThrow(
      'capacity must be a number, got the string "4"',
    );
  });

  it('freezes the shared empty result', () => {
    expect(Object.isFrozen(EMPTY)).toBe(true);
    expect(EMPTY.ok).toBe(false);
  });
});

describe('tracing', () => {
  it('delivers events to the installed tracer and restores the previous one', () => {
    const events: TraceEvent[] = [];
    const subject = { kind: 'Lock', id: newId(), name: 'jobs' };
    emit(subject, 'acquire'); // no tracer: nothing happens
    const previous = setTracer({ event: (e) => events.push(e), agent: () => 'producer' });
    try {
      emit(subject, 'acquired', { waited: 0 });
    } finally {
      setTracer(previous);
    }
    expect(getTracer()).toBe(previous);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'acquired',
      primitive: 'Lock',
      name: 'jobs',
      agent: 'producer',
      detail: { waited: 0 },
    });
  });

  it('never lets a throwing tracer break the caller', () => {
    const previous = setTracer({
      event: () => {
        throw new Error('broken tracer');
      },
    });
    try {
      expect(() => emit({ kind: 'Event', id: newId(), name: 'stop' }, 'set')).not.toThrow();
    } finally {
      setTracer(previous);
    }
  });
});
