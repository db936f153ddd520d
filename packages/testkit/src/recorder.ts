/**
 * A small event log for tests: tasks `record()` what they do, and the log is checked afterwards
 * with the happens-before and capacity assertions (or read as a plain array).
 *
 * @module
 */
import { currentTask } from './task.js';

/** One recorded event. */
export interface RecordedEvent<V = unknown> {
  /** Position in the log, from 0. */
  readonly seq: number;
  /** What happened, e.g. `'put'`, `'get'`, `'start'`. */
  readonly label: string;
  /** The value it concerned, if any. */
  readonly value: V;
  /** The task that recorded it (see `task()`), else `'main'`. */
  readonly agent: string;
  /** `performance.now()` when it was recorded. */
  readonly time: number;
}

/** An append-only event log. */
export interface Recorder<V = unknown> {
  /** Appends an event and returns it. */
  record(label: string, value?: V): RecordedEvent<V>;
  /** Every event so far, in order. */
  readonly events: readonly RecordedEvent<V>[];
  /** The values of the events with `label`, in order. */
  values(label: string): V[];
  /** The events recorded by `agent`, in order. */
  by(agent: string): RecordedEvent<V>[];
}

/**
 * Creates an event log. Each event notes the current task's name, so per-task sequences fall
 * out of the log with `by(agent)`.
 *
 * @example
 * ```ts
 * const log = recorder<number>();
 * await Promise.all([
 *   task('producer', async () => { for (const x of [1, 2]) { log.record('put', x); await queue.put(x); } }),
 *   task('consumer', async () => { for (let i = 0; i < 2; i++) log.record('get', await queue.get()); }),
 * ]);
 * assertHappensBefore(log, 'put', 'get', { key: (e) => e.value });
 * ```
 */
export function recorder<V = unknown>(): Recorder<V> {
  const events: RecordedEvent<V>[] = [];
  return {
    record(label, value) {
      if (typeof label !== 'string') {
        throw new TypeError(`record: label must be a string, got ${typeof label}`);
      }
      const event: RecordedEvent<V> = Object.freeze({
        seq: events.length,
        label,
        value: value as V,
        agent: currentTask() ?? 'main',
        time: performance.now(),
      });
      events.push(event);
      return event;
    },
    events,
    values: (label) => events.filter((e) => e.label === label).map((e) => e.value),
    by: (agent) => events.filter((e) => e.agent === agent),
  };
}

/** A log to check: a {@link Recorder} or its events. */
export type EventLog<V = unknown> = Recorder<V> | readonly RecordedEvent<V>[];

/** Which events a check is about: a label, or a predicate. */
export type EventPattern<V = unknown> = string | ((event: RecordedEvent<V>) => boolean);

/** The events of `log`. */
export function eventsOf<V>(log: EventLog<V>): readonly RecordedEvent<V>[] {
  return Array.isArray(log) ? log : (log as Recorder<V>).events;
}

/** A predicate for `pattern`. */
export function matcher<V>(pattern: EventPattern<V>): (event: RecordedEvent<V>) => boolean {
  if (typeof pattern === 'string') return (event) => event.label === pattern;
  if (typeof pattern === 'function') return pattern;
  throw new TypeError(`event pattern must be a label or a predicate, got ${typeof pattern}`);
}

/** How a pattern reads in a message. */
export function patternName<V>(pattern: EventPattern<V>): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : pattern.name || 'matching event';
}
