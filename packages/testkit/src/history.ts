/**
 * Histories recorded in several processes, checked in Jepsen's queue terms.
 *
 * Each process appends its operations (`enqueue` after a put succeeded, `dequeue` when it got an
 * item, `ack` after it acknowledged one) to its own JSONL file with a synchronous write, so a
 * process killed with SIGKILL loses nothing it recorded. The checker merges the files and
 * compares what was dequeued with what was enqueued:
 * - *lost*: enqueued (the put succeeded) and never dequeued by anyone;
 * - *unexpected*: dequeued and never enqueued;
 * - *duplicated*: dequeued more than once;
 * - *redelivered*: a duplicated item all of whose deliveries but at most one were never
 *   acknowledged: the consumer died (or stalled) before acknowledging, so the queue delivered
 *   it again. That is what at-least-once delivery allows; any other duplicate is a fault.
 *
 * Like Jepsen's queue checkers, it assumes each enqueued item is distinct (give items a unique
 * key); `key` says how to compare them.
 *
 * @module
 */
import { AssertionError } from './assertion.js';
import { checkExactlyOnce } from './exactly-once.js';
import { show } from './format.js';

/** What a process did to the queue. */
export type HistoryOp = 'enqueue' | 'dequeue' | 'ack';

/** One line of a history file. */
export interface HistoryEvent {
  /** The recording process's name (unique per file). */
  readonly process: string;
  /** Its position in that process's history, from 0. */
  readonly seq: number;
  readonly op: HistoryOp;
  /** The item (as JSON). */
  readonly value: unknown;
  /** For `dequeue`: the queue's delivery count, when it reports one. */
  readonly deliveries?: number;
  /** `Date.now()` when recorded: only for reading, never for ordering across processes. */
  readonly time: number;
}

/** Appends one process's operations to its history file. */
export interface HistoryRecorder {
  readonly file: string;
  readonly process: string;
  /** Records that `value` was put (call after the put resolved). */
  enqueue(value: unknown): void;
  /** Records that `value` was got, with the queue's delivery count when known. */
  dequeue(value: unknown, deliveries?: number): void;
  /** Records that `value` was acknowledged (call after the acknowledgement resolved). */
  ack(value: unknown): void;
}

interface NodeFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, text: string): number;
  readFileSync(path: string, encoding: 'utf8'): string;
}

function nodeFs(): NodeFs {
  // Through getBuiltinModule, so that the testkit stays loadable in a browser.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
  if (fs === undefined) throw new Error('history files need Node.js (node:fs)');
  return fs;
}

/**
 * Opens `file` for appending this process's history; every call writes one JSON line at once
 * (synchronously), so the history survives the process being killed.
 *
 * @example
 * ```ts
 * import { historyRecorder } from '@baton/testkit';
 *
 * const history = historyRecorder('/tmp/run/consumer-1.jsonl', 'consumer-1');
 * history.dequeue({ id: 7 }, 1);
 * history.ack({ id: 7 });
 * ```
 */
export function historyRecorder(file: string, process: string): HistoryRecorder {
  if (typeof file !== 'string' || file.length === 0) {
    throw new TypeError(`historyRecorder: file must be a non-empty path, got ${show(file)}`);
  }
  if (typeof process !== 'string' || process.length === 0) {
    throw new TypeError(`historyRecorder: process must be a non-empty name, got ${show(process)}`);
  }
  const fs = nodeFs();
  const fd = fs.openSync(file, 'a');
  let seq = 0;
  const write = (op: HistoryOp, value: unknown, deliveries?: number): void => {
    const event: HistoryEvent = {
      process,
      seq: seq++,
      op,
      value,
      ...(deliveries === undefined ? {} : { deliveries }),
      time: Date.now(),
    };
    fs.writeSync(fd, `${JSON.stringify(event)}\n`);
  };
  return {
    file,
    process,
    enqueue: (value) => write('enqueue', value),
    dequeue: (value, deliveries) => write('dequeue', value, deliveries),
    ack: (value) => write('ack', value),
  };
}

/**
 * Parses one history file's text. A last line cut short (the process was killed while writing)
 * is skipped; any other malformed line is an error naming `source` and the line number.
 */
export function parseHistory(text: string, source = 'history'): HistoryEvent[] {
  const lines = text.split('\n');
  const events: HistoryEvent[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as HistoryEvent);
    } catch (error) {
      const last = index === lines.length - 1; // no newline after it: the write was cut short
      if (!last) {
        throw new SyntaxError(`${source}:${index + 1}: not a history event: ${line.slice(0, 80)}`, {
          cause: error,
        });
      }
    }
  });
  return events;
}

/** Reads and merges the history files of several processes (in the files' order). */
export function readHistories(files: Iterable<string>): HistoryEvent[] {
  const fs = nodeFs();
  return [...files].flatMap((file) => parseHistory(fs.readFileSync(file, 'utf8'), file));
}

/** One delivery of a duplicated item. */
export interface HistoryDelivery {
  readonly process: string;
  readonly seq: number;
  readonly deliveries?: number;
  /** Whether that process acknowledged this delivery. */
  readonly acked: boolean;
}

/** What {@link checkHistory} found, in Jepsen's terms. */
export interface HistoryReport {
  /** Items enqueued and never dequeued. */
  readonly lost: readonly unknown[];
  /** Items dequeued and never enqueued. */
  readonly unexpected: readonly unknown[];
  /** Items dequeued more than once, with every delivery. */
  readonly duplicated: readonly {
    readonly value: unknown;
    readonly deliveries: readonly HistoryDelivery[];
  }[];
  /** Of those, the ones explained by redelivery (at most one delivery acknowledged). */
  readonly redelivered: readonly {
    readonly value: unknown;
    readonly deliveries: readonly HistoryDelivery[];
  }[];
  /** How many items were enqueued, dequeued (deliveries) and acknowledged. */
  readonly counts: { readonly enqueued: number; readonly dequeued: number; readonly acked: number };
  /** At-least-once holds: nothing lost or unexpected, every duplicate a redelivery. */
  readonly ok: boolean;
  /** Exactly-once holds: `ok` and no duplicate at all. */
  readonly exactlyOnce: boolean;
}

/**
 * Checks merged histories (see the module comment for the terms). `key` gives the identity of an
 * item (default: its JSON text).
 *
 * @example
 * ```ts
 * import { checkHistory, type HistoryEvent } from '@baton/testkit';
 *
 * const events: HistoryEvent[] = [
 *   { process: 'p', seq: 0, op: 'enqueue', value: 1, time: 0 },
 *   { process: 'c1', seq: 0, op: 'dequeue', value: 1, deliveries: 1, time: 1 }, // then killed
 *   { process: 'c2', seq: 0, op: 'dequeue', value: 1, deliveries: 2, time: 2 },
 *   { process: 'c2', seq: 1, op: 'ack', value: 1, time: 3 },
 * ];
 * const report = checkHistory(events);
 * // report.ok === true, report.redelivered[0].value === 1, report.exactlyOnce === false
 * ```
 */
export function checkHistory(
  events: Iterable<HistoryEvent>,
  key: (value: unknown) => unknown = (value) => JSON.stringify(value),
): HistoryReport {
  const enqueued: unknown[] = [];
  const dequeues: HistoryEvent[] = [];
  // Acks per process and key: the first `n` dequeues of that key in that process are acked.
  const acks = new Map<string, Map<unknown, number>>();
  let acked = 0;
  for (const event of events) {
    if (event.op === 'enqueue') enqueued.push(event.value);
    else if (event.op === 'dequeue') dequeues.push(event);
    else if (event.op === 'ack') {
      acked++;
      let perKey = acks.get(event.process);
      if (perKey === undefined) acks.set(event.process, (perKey = new Map()));
      const k = key(event.value);
      perKey.set(k, (perKey.get(k) ?? 0) + 1);
    }
  }
  dequeues.sort((a, b) =>
    a.process === b.process ? a.seq - b.seq : a.process < b.process ? -1 : 1,
  );
  const exact = checkExactlyOnce(
    enqueued,
    dequeues.map((d) => d.value),
    key,
  );
  // Which deliveries were acknowledged, walking each process's dequeues in order.
  const used = new Map<string, Map<unknown, number>>();
  const byKey = new Map<unknown, HistoryDelivery[]>();
  for (const d of dequeues) {
    const k = key(d.value);
    let perKey = used.get(d.process);
    if (perKey === undefined) used.set(d.process, (perKey = new Map()));
    const index = perKey.get(k) ?? 0;
    perKey.set(k, index + 1);
    const delivery: HistoryDelivery = {
      process: d.process,
      seq: d.seq,
      ...(d.deliveries === undefined ? {} : { deliveries: d.deliveries }),
      acked: index < (acks.get(d.process)?.get(k) ?? 0),
    };
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [delivery]);
    else list.push(delivery);
  }
  const duplicated = exact.duplicated.map(({ item }) => ({
    value: item,
    deliveries: byKey.get(key(item)) ?? [],
  }));
  const redelivered = duplicated.filter((d) => d.deliveries.filter((x) => x.acked).length <= 1);
  const ok =
    exact.lost.length === 0 &&
    exact.unexpected.length === 0 &&
    redelivered.length === duplicated.length;
  return {
    lost: exact.lost,
    unexpected: exact.unexpected.map((u) => u.item),
    duplicated,
    redelivered,
    counts: { enqueued: enqueued.length, dequeued: dequeues.length, acked },
    ok,
    exactlyOnce: ok && duplicated.length === 0,
  };
}

/** The explanation of a report: counts, then the first instance of each fault. */
export function describeHistory(report: HistoryReport): string {
  const { enqueued, dequeued, acked } = report.counts;
  const parts = [`${enqueued} enqueued, ${dequeued} dequeued, ${acked} acked`];
  if (report.lost.length > 0) {
    parts.push(`lost ${report.lost.length} (first: ${show(report.lost[0])}, never dequeued)`);
  }
  if (report.unexpected.length > 0) {
    parts.push(
      `unexpected ${report.unexpected.length} (first: ${show(report.unexpected[0])}, never enqueued)`,
    );
  }
  const faulty = report.duplicated.filter((d) => !report.redelivered.includes(d));
  const first = faulty[0];
  if (first !== undefined) {
    parts.push(
      `duplicated ${faulty.length} beyond redelivery (first: ${show(first.value)}, acknowledged by ` +
        `${first.deliveries
          .filter((d) => d.acked)
          .map((d) => d.process)
          .join(' and ')})`,
    );
  }
  if (report.redelivered.length > 0) parts.push(`redelivered ${report.redelivered.length}`);
  return parts.join('; ');
}

/**
 * Throws an {@link AssertionError} unless at-least-once holds: nothing lost, nothing
 * unexpected, and every duplicate a redelivery.
 */
export function assertHistory(
  events: Iterable<HistoryEvent>,
  key?: (value: unknown) => unknown,
): HistoryReport {
  const report = checkHistory(events, key);
  if (!report.ok) {
    throw new AssertionError(`expected every item at least once: ${describeHistory(report)}`);
  }
  return report;
}
