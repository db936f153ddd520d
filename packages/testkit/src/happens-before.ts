/**
 * Happens-before and capacity assertions over a recorded event log.
 *
 * @module
 */
import { AssertionError } from './assertion.js';
import { show } from './format.js';
import {
  eventsOf,
  matcher,
  patternName,
  type EventLog,
  type EventPattern,
  type RecordedEvent,
} from './recorder.js';

/** Options of {@link assertHappensBefore}. */
export interface HappensBeforeOptions<V> {
  /**
   * Pair events by this key (e.g. the item): each `after` event must follow a `before` event
   * with the same key ("put x happens before get x"), one to one (a value put twice may be got
   * twice, not three times). Without it, every `before` event must
   * come before every `after` event ("all puts before close").
   */
  key?: (event: RecordedEvent<V>) => unknown;
}

/** Why the log breaks the order, or `undefined` when it holds. */
export function checkHappensBefore<V>(
  log: EventLog<V>,
  before: EventPattern<V>,
  after: EventPattern<V>,
  options: HappensBeforeOptions<V> = {},
): string | undefined {
  const events = eventsOf(log);
  const isBefore = matcher(before);
  const isAfter = matcher(after);
  const b = patternName(before);
  const a = patternName(after);
  const key = options.key;
  if (key === undefined) {
    const firstAfter = events.find(isAfter);
    if (firstAfter === undefined) return undefined;
    const lateBefore = events.find((e) => isBefore(e) && e.seq > firstAfter.seq);
    if (lateBefore === undefined) return undefined;
    return `expected every ${b} before every ${a}; ${describe(firstAfter)} came before ${describe(lateBefore)}`;
  }
  // Pair them one to one: the n-th `after` event with a key needs n earlier `before` events
  // with that key (a value put twice may be got twice, but not three times).
  const unpaired = new Map<unknown, number>();
  for (const e of events) {
    if (isBefore(e)) unpaired.set(key(e), (unpaired.get(key(e)) ?? 0) + 1);
    if (!isAfter(e)) continue;
    const left = unpaired.get(key(e)) ?? 0;
    if (left > 0) {
      unpaired.set(key(e), left - 1);
      continue;
    }
    const late = events.find((x) => x.seq > e.seq && isBefore(x) && key(x) === key(e));
    const earlier = events.some((x) => x.seq < e.seq && isBefore(x) && key(x) === key(e));
    const why =
      late !== undefined
        ? `${describe(late)} came later`
        : earlier
          ? `each earlier ${b} for ${show(key(e))} already has its ${a}`
          : `there is no ${b} for ${show(key(e))}`;
    return `expected each ${a} to follow its ${b}; ${describe(e)} has no earlier ${b} (${why})`;
  }
  return undefined;
}

/**
 * Asserts an order between recorded events; see {@link HappensBeforeOptions.key}.
 *
 * @example
 * ```ts
 * assertHappensBefore(log, 'put', 'get', { key: (e) => e.value }); // each item put before got
 * assertHappensBefore(log, 'put', 'close');                       // every put before the close
 * ```
 */
export function assertHappensBefore<V>(
  log: EventLog<V>,
  before: EventPattern<V>,
  after: EventPattern<V>,
  options?: HappensBeforeOptions<V>,
): void {
  const problem = checkHappensBefore(log, before, after, options);
  if (problem !== undefined) throw new AssertionError(problem);
}

/** Options of {@link assertCapacity}. */
export interface CapacityOptions<V> {
  /** Events that start something (take a slot). */
  enter: EventPattern<V>;
  /** Events that end something (free a slot). */
  exit: EventPattern<V>;
  /** Most allowed in flight at once. */
  max: number;
}

/** Why the log has more than `max` in flight at some point, or `undefined`. */
export function checkCapacity<V>(
  log: EventLog<V>,
  options: CapacityOptions<V>,
): string | undefined {
  const { max } = options;
  if (typeof max !== 'number' || !(max >= 0)) {
    throw new RangeError(`capacity: max must be a non-negative number, got ${String(max)}`);
  }
  const isEnter = matcher(options.enter);
  const isExit = matcher(options.exit);
  const inFlight: RecordedEvent<V>[] = [];
  for (const e of eventsOf(log)) {
    if (isEnter(e)) {
      inFlight.push(e);
      if (inFlight.length > max) {
        const who = inFlight.map((x) => `${x.agent} (${show(x.value)})`).join(', ');
        return `expected never more than ${max} in flight; ${inFlight.length} were after ${describe(e)}: ${who}`;
      }
    } else if (isExit(e)) {
      // An exit frees the slot its own task entered with, else the oldest.
      const mine = inFlight.findIndex((x) => x.agent === e.agent);
      inFlight.splice(mine === -1 ? 0 : mine, 1);
    }
  }
  return undefined;
}

/**
 * Asserts that never more than `max` things were in flight: between an `enter` and an `exit`
 * event (e.g. a semaphore's holders, a pool's running jobs).
 *
 * @example
 * ```ts
 * assertCapacity(log, { enter: 'start', exit: 'end', max: 2 });
 * ```
 */
export function assertCapacity<V>(log: EventLog<V>, options: CapacityOptions<V>): void {
  const problem = checkCapacity(log, options);
  if (problem !== undefined) throw new AssertionError(problem);
}

function describe(e: RecordedEvent<unknown>): string {
  const value = e.value === undefined ? '' : ` ${show(e.value)}`;
  return `${JSON.stringify(e.label)}${value} by ${e.agent} (event ${e.seq})`;
}
