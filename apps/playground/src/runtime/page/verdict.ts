/**
 * The verdict on a finished run, as pure functions of what the workers reported:
 * were all items consumed once and in order, which were lost or doubled, or did the run
 * deadlock, and why (from the wait-for graph).
 *
 * @module
 */
import type { ItemId, UserError, WaitTarget } from '../common/protocol.js';

/** One produced or consumed item, as recorded from the workers' `put`/`get` events. */
export interface ItemRecord {
  readonly item: ItemId;
  readonly value: string;
  /** The worker that put or got it. */
  readonly worker: number;
  /** For a consumption: how many times in a row the worker got it (default 1). */
  readonly times?: number;
  /** For a production: `'queue'` or the channel cell's name. */
  readonly via?: string;
}

/** Whether each produced item was consumed exactly once, and in each producer's order. */
export interface Accounting {
  readonly produced: number;
  readonly consumed: number;
  /** Overwritten in a cell before anyone read them. */
  readonly lost: readonly ItemRecord[];
  /** Put in the queue and never taken out (still there when the run ended). */
  readonly neverConsumed: readonly ItemRecord[];
  /** Reads of a channel cell before anything was written to it: messages nobody sent. */
  readonly phantoms: readonly { readonly worker: number; readonly value: string }[];
  readonly doubled: readonly { readonly record: ItemRecord; readonly times: number }[];
  /** A consumer got `item` after `after`, though the same producer made it before. */
  readonly outOfOrder: readonly {
    readonly consumer: number;
    readonly item: ItemRecord;
    readonly after: ItemRecord;
  }[];
}

const key = (item: ItemId): string => `${item[0]}:${item[1]}`;

/**
 * Compares what was consumed with what was produced.
 *
 * "In order" is checked per consumer and per producer: each consumer must see each producer's
 * items in the order that producer made them. (Across consumers, or across producers, no order
 * exists to check.)
 *
 * @example
 * ```ts
 * account([{ item: [0, 0], value: '7', worker: 0 }], []).lost.length; // 1
 * ```
 */
export function account(
  produced: readonly ItemRecord[],
  consumed: readonly ItemRecord[],
  phantoms: readonly { readonly worker: number; readonly value: string }[] = [],
): Accounting {
  const byKey = new Map<string, { record: ItemRecord; times: number }>();
  for (const record of produced) byKey.set(key(record.item), { record, times: 0 });
  const lastSeen = new Map<string, ItemRecord>();
  const outOfOrder: { consumer: number; item: ItemRecord; after: ItemRecord }[] = [];
  let count = 0;
  for (const record of consumed) {
    const times = record.times ?? 1;
    count += times;
    const entry = byKey.get(key(record.item));
    if (entry !== undefined) entry.times += times;
    const stream = `${record.worker}<-${record.item[0]}`;
    const previous = lastSeen.get(stream);
    if (previous !== undefined && record.item[1] < previous.item[1]) {
      outOfOrder.push({ consumer: record.worker, item: record, after: previous });
    }
    lastSeen.set(stream, record);
  }
  const lost: ItemRecord[] = [];
  const neverConsumed: ItemRecord[] = [];
  const doubled: { record: ItemRecord; times: number }[] = [];
  for (const entry of byKey.values()) {
    // An item the queue still holds was not lost: nobody took it out.
    if (entry.times === 0) (entry.record.via === 'queue' ? neverConsumed : lost).push(entry.record);
    else if (entry.times > 1) doubled.push(entry);
  }
  return {
    produced: produced.length,
    consumed: count,
    lost,
    neverConsumed,
    phantoms,
    doubled,
    outOfOrder,
  };
}

/** A worker's state, as far as the wait-for graph is concerned. */
export type LaneState =
  'starting' | 'running' | 'sleeping' | 'blocked' | 'done' | 'failed' | 'stopped';

/** A snapshot of who holds what and who waits for what. */
export interface WaitGraph {
  readonly workers: readonly {
    readonly id: number;
    readonly name: string;
    readonly state: LaneState;
    readonly waitingFor?: WaitTarget | undefined;
  }[];
  /** `holder`: a worker id, `'setup'` for a lock held from the start, or `null` when free. */
  readonly locks: readonly { readonly name: string; readonly holder: number | 'setup' | null }[];
  /** `holders`: worker ids, once per permit held. */
  readonly semaphores: readonly {
    readonly name: string;
    readonly value: number;
    readonly holders: readonly number[];
  }[];
  readonly events: readonly { readonly name: string; readonly set: boolean }[];
  readonly queue: { readonly size: number; readonly capacity: number };
}

/** One step of a wait-for cycle: `worker` waits for `resource`, which `heldBy` holds. */
export interface CycleStep {
  readonly worker: string;
  readonly resource: string;
  readonly heldBy: string;
}

/** A deadlock, explained: the cycle if there is one, and one sentence per stuck worker. */
export interface Deadlock {
  readonly cycle: readonly CycleStep[] | null;
  readonly sentences: readonly string[];
}

const isLive = (state: LaneState): boolean =>
  state === 'starting' || state === 'running' || state === 'sleeping' || state === 'blocked';

/** Whether the thing `target` waits for is there now (then its waiter is not stuck). */
export function isAvailable(graph: WaitGraph, target: WaitTarget): boolean {
  switch (target.kind) {
    case 'lock':
      return graph.locks.find((l) => l.name === target.name)?.holder === null;
    case 'semaphore':
      return (graph.semaphores.find((s) => s.name === target.name)?.value ?? 0) > 0;
    case 'event':
      return graph.events.find((e) => e.name === target.name)?.set === true;
    case 'queue':
      return target.for === 'not_empty'
        ? graph.queue.size > 0
        : graph.queue.size < graph.queue.capacity;
  }
}

/**
 * Whether the run is stuck: at least one worker is blocked, none is running or sleeping, and
 * nothing any blocked worker waits for is available. (The caller adds the time rule: no event
 * for a while, and every event received.)
 */
export function isStuck(graph: WaitGraph): boolean {
  let blocked = 0;
  for (const worker of graph.workers) {
    if (worker.state === 'blocked') {
      if (worker.waitingFor === undefined || isAvailable(graph, worker.waitingFor)) return false;
      blocked++;
    } else if (isLive(worker.state)) {
      return false;
    }
  }
  return blocked > 0;
}

/** How a run ended. */
export type Verdict =
  | { readonly kind: 'ok'; readonly accounting: Accounting }
  | { readonly kind: 'wrong'; readonly accounting: Accounting }
  | { readonly kind: 'deadlock'; readonly accounting: Accounting; readonly deadlock: Deadlock }
  | {
      readonly kind: 'failed';
      readonly accounting: Accounting;
      readonly errors: readonly { readonly worker: string; readonly error: UserError }[];
      /** Set when the failure left the other workers stuck (e.g. a lock never released). */
      readonly deadlock: Deadlock | null;
    }
  | { readonly kind: 'stopped'; readonly accounting: Accounting };

/**
 * The verdict, in order of precedence: an error in user code, a deadlock, a stop by the user,
 * then the accounting (all consumed once and in order, or not).
 */
export function decide(input: {
  readonly accounting: Accounting;
  readonly errors: readonly { readonly worker: string; readonly error: UserError }[];
  readonly deadlock: Deadlock | null;
  readonly stopped: boolean;
}): Verdict {
  const { accounting } = input;
  if (input.errors.length > 0) {
    return { kind: 'failed', accounting, errors: input.errors, deadlock: input.deadlock };
  }
  if (input.deadlock !== null) return { kind: 'deadlock', accounting, deadlock: input.deadlock };
  if (input.stopped) return { kind: 'stopped', accounting };
  const clean =
    accounting.lost.length === 0 &&
    accounting.neverConsumed.length === 0 &&
    accounting.phantoms.length === 0 &&
    accounting.doubled.length === 0 &&
    accounting.outOfOrder.length === 0;
  return clean ? { kind: 'ok', accounting } : { kind: 'wrong', accounting };
}

/** One line saying what the verdict means, for the page's heading and for screen readers. */
export function headline(verdict: Verdict, itemName: (r: ItemRecord) => string): string {
  const a = verdict.accounting;
  switch (verdict.kind) {
    case 'failed': {
      const first = verdict.errors[0];
      if (first === undefined) return 'The run failed.';
      const where = first.error.location ? ` (line ${first.error.location.line})` : '';
      return `${first.worker} failed: ${first.error.name}: ${first.error.message}${where}`;
    }
    case 'deadlock':
      return `Deadlock: ${verdict.deadlock.sentences[0] ?? 'every worker is blocked.'}`;
    case 'stopped':
      return `Stopped by you after ${a.consumed} of ${a.produced} items were consumed.`;
    case 'ok':
      return a.produced === 0
        ? 'Finished; no items went through the queue or a cell.'
        : `All ${a.produced} items consumed once and in order.`;
    case 'wrong': {
      const parts: string[] = [];
      if (a.lost.length > 0) {
        parts.push(`${a.lost.length} lost (first: ${itemName(a.lost[0] as ItemRecord)})`);
      }
      if (a.neverConsumed.length > 0) {
        parts.push(
          `${a.neverConsumed.length} never consumed, left in the queue (first: ${itemName(a.neverConsumed[0] as ItemRecord)})`,
        );
      }
      if (a.phantoms.length > 0) {
        parts.push(
          `${a.phantoms.length} ${a.phantoms.length === 1 ? 'read' : 'reads'} of a message nobody wrote (first: ${a.phantoms[0]?.value ?? ''})`,
        );
      }
      if (a.doubled.length > 0) {
        const d = a.doubled[0] as { record: ItemRecord; times: number };
        parts.push(`${a.doubled.length} doubled (first: ${itemName(d.record)}, ${d.times} times)`);
      }
      if (a.outOfOrder.length > 0) {
        const o = a.outOfOrder[0] as { item: ItemRecord; after: ItemRecord };
        parts.push(
          `${a.outOfOrder.length} out of order (first: ${itemName(o.item)} after ${itemName(o.after)})`,
        );
      }
      return `Wrong: ${parts.join('; ')}.`;
    }
  }
}
