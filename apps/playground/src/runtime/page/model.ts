/**
 * The page's picture of a run, rebuilt from the workers' events: one lane per worker, who holds
 * which lock, the queue's fill, the console, and the items produced and consumed.
 *
 * Events arrive per worker, in batches, on separate ports; the model replays them in `seq`
 * order (see `protocol.ts`) and holds back any event whose predecessor has not arrived yet, so
 * the lock table never shows a lock taken before it was released.
 *
 * A plain class on purpose: it changes thousands of times a second, and the components read a
 * fresh snapshot of it once per frame instead of tracking every field.
 *
 * @module
 */
import type {
  Declarations,
  EventBatch,
  Settings,
  UserError,
  WaitTarget,
  WorkerEvent,
  WorkerSpec,
} from '../common/protocol.js';
import type { ItemRecord, LaneState, WaitGraph } from './verdict.js';

/** Colours of the lanes and console lines, in worker order; readable on white and on dark. */
export const LANE_COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2',
] as const;

/**
 * The colour of worker `id`: the eight above, then hues spread by the golden angle (dark enough
 * to read on white), so no two of a run's up to 16 workers share a colour.
 */
export const laneColour = (id: number): string =>
  id < LANE_COLOURS.length
    ? (LANE_COLOURS[id] as string)
    : `hsl(${Math.round((id * 137.508 + 20) % 360)} 70% 35%)`;

/** A stretch of time a worker spent in one state. `to` is `null` while it lasts. */
export interface Segment {
  readonly state: LaneState;
  /** What it waited for, when blocked: `'lock producer_lock'`, `'queue (not_empty)'`. */
  readonly label: string;
  readonly from: number;
  to: number | null;
}

/** Under the page's control: what a worker will do when granted its next step. */
export interface Intent {
  readonly op: string;
  readonly target: string;
  readonly blocked: boolean;
  readonly line: number | undefined;
}

export interface Lane {
  readonly worker: WorkerSpec;
  readonly colour: string;
  state: LaneState;
  waitingFor: WaitTarget | undefined;
  segments: Segment[];
  /** Set while the worker is parked by the page (step mode), cleared when it goes on. */
  intent: Intent | null;
  /** The line of its code the worker was last seen on. */
  line: number | undefined;
}

export interface ConsoleLine {
  /** Counts every line of the run from 0, dropped ones included. */
  readonly n: number;
  readonly t: number;
  readonly worker: number;
  readonly text: string;
  readonly kind: 'log' | 'error';
}

/** How long the model waits for a missing event before it skips it (see `drain`). */
export const GAP_PATIENCE_MS = 250;
/** How many lines the console keeps; older ones are dropped and counted. */
export const CONSOLE_LIMIT = 2000;
/** How many segments a lane keeps; older ones are merged into a summary count. */
export const SEGMENT_LIMIT = 4000;
/** Characters the console keeps in all; the oldest lines go first beyond it. */
export const CONSOLE_CHARS = 1_000_000;
/** Events the model keeps for scrubbing through the run; later ones are not scrubbable. */
export const HISTORY_LIMIT = 50_000;

/** How `target` reads in a lane and in the locks table, in the user's words. */
export function targetLabel(target: WaitTarget): string {
  if (target.kind === 'queue') {
    return target.for === 'not_empty'
      ? `an item in the ${target.name}`
      : `room in the ${target.name}`;
  }
  return `${target.kind} ${target.name}`;
}

export class RunModel {
  readonly lanes: Lane[];
  readonly locks = new Map<
    string,
    { holder: number | 'setup' | null; waiters: number[]; since: number }
  >();
  readonly semaphores = new Map<
    string,
    { value: number; initial: number; holders: number[]; since: number[] }
  >();
  /** Who ever put into and took from the queue, and who set each event (for the wording). */
  readonly queueProducers = new Set<number>();
  readonly queueConsumers = new Set<number>();
  readonly eventSetters = new Map<string, Set<number>>();
  readonly events = new Map<string, boolean>();
  readonly queue: { size: number; peak: number; readonly capacity: number };
  /** The queue's fill over time: `[t, size]` after each put and get (at most `SEGMENT_LIMIT`). */
  readonly queueHistory: [t: number, size: number][] = [];
  readonly console: ConsoleLine[] = [];
  droppedLines = 0;
  readonly produced: ItemRecord[] = [];
  readonly consumed: ItemRecord[] = [];
  /** Reads of a channel cell that nobody had written yet: messages nobody sent. */
  readonly phantoms: { readonly worker: number; readonly value: string }[] = [];
  /** Consumptions counted with their repeats (a record may stand for several reads). */
  consumedCount = 0;
  readonly errors: { worker: string; workerId: number; error: UserError }[] = [];
  /** The time of the latest applied event, in ms since the run started. */
  now = 0;
  /** How many events were applied. */
  applied = 0;
  /** Every applied event in order (up to {@link HISTORY_LIMIT}), to rebuild any moment. */
  readonly history: { readonly worker: number; readonly event: WorkerEvent }[] = [];
  #consoleChars = 0;
  readonly #setup: {
    workers: readonly WorkerSpec[];
    declarations: Declarations;
    settings: Settings;
  };

  #next = 0;
  /** When (page clock) the current gap in the sequence was first seen. */
  #gapSince: number | undefined;
  readonly #pending = new Map<number, { worker: number; event: WorkerEvent }>();

  constructor(workers: readonly WorkerSpec[], declarations: Declarations, settings: Settings) {
    this.#setup = { workers, declarations, settings };
    this.lanes = workers.map((worker) => ({
      worker,
      colour: laneColour(worker.id),
      state: 'starting',
      waitingFor: undefined,
      segments: [{ state: 'starting', label: '', from: 0, to: null }],
      intent: null,
      line: undefined,
    }));
    for (const { name, locked } of declarations.locks) {
      this.locks.set(name, { holder: locked ? 'setup' : null, waiters: [], since: 0 });
    }
    for (const { name, value } of declarations.semaphores) {
      this.semaphores.set(name, { value, initial: value, holders: [], since: [] });
    }
    for (const name of declarations.events) this.events.set(name, false);
    this.queue = { size: 0, peak: 0, capacity: settings.capacity };
  }

  /** Takes a batch from a worker; its events are applied by {@link drain}. */
  receive(batch: EventBatch): void {
    for (const event of batch.events) this.#pending.set(event.seq, { worker: batch.worker, event });
  }

  /** Whether an event is held back because an earlier one has not arrived. */
  get waitingForEvents(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * Applies the received events in `seq` order, up to the first one still missing; with
   * `all`, applies everything received, gaps or not (after every worker ended or was stopped,
   * the missing numbers will never come).
   *
   * A gap that lasts {@link GAP_PATIENCE_MS} (`now` is the page's clock) is skipped: a worker
   * that batched an event and then spun in a loop without calling the API would otherwise
   * freeze the whole view. Its event is applied whenever it arrives.
   */
  drain(all = false, now = 0): void {
    if (all) {
      const rest = [...this.#pending.keys()].sort((a, b) => a - b);
      for (const seq of rest) this.#apply(seq);
      this.#gapSince = undefined;
      return;
    }
    for (;;) {
      // Late arrivals from behind a skipped gap first, then the contiguous run.
      for (const seq of this.#pending.keys()) if (seq < this.#next) this.#apply(seq);
      while (this.#pending.has(this.#next)) this.#apply(this.#next);
      if (this.#pending.size === 0) {
        this.#gapSince = undefined;
        return;
      }
      this.#gapSince ??= now;
      if (now - this.#gapSince < GAP_PATIENCE_MS) return;
      this.#next = Math.min(...this.#pending.keys());
      this.#gapSince = undefined;
    }
  }

  #apply(seq: number): void {
    const entry = this.#pending.get(seq);
    if (entry === undefined) return;
    this.#pending.delete(seq);
    this.#next = Math.max(this.#next, seq + 1);
    this.applied++;
    const { worker, event } = entry;
    if (this.history.length < HISTORY_LIMIT) this.history.push(entry);
    this.#applyEvent(worker, event);
  }

  #applyEvent(worker: number, event: WorkerEvent): void {
    this.now = Math.max(this.now, event.t);
    const lane = this.lanes[worker];
    if (lane === undefined) return;
    if (event.line !== undefined) lane.line = event.line;
    if (event.kind === 'intent') {
      lane.intent = {
        op: event.op,
        target: event.target,
        blocked: event.blocked,
        line: event.line,
      };
      return;
    }
    if (event.kind !== 'log') lane.intent = null;
    switch (event.kind) {
      case 'started':
        this.#enter(lane, 'running', event.t);
        break;
      case 'log':
        this.#line({ t: event.t, worker, text: event.text, kind: 'log' });
        break;
      case 'block': {
        lane.waitingFor = event.on;
        this.#enter(lane, 'blocked', event.t, targetLabel(event.on));
        if (event.on.kind === 'lock') this.locks.get(event.on.name)?.waiters.push(worker);
        break;
      }
      case 'sleep':
        this.#enter(lane, 'sleeping', event.t, `sleep(${event.ms})`);
        break;
      case 'wake':
        this.#resume(lane, worker, event.t);
        break;
      case 'acquired': {
        this.#resume(lane, worker, event.t);
        if (event.prim === 'lock') {
          const lock = this.locks.get(event.name);
          if (lock !== undefined) {
            lock.holder = worker;
            lock.since = event.t;
          }
        } else {
          const semaphore = this.semaphores.get(event.name);
          if (semaphore !== undefined) {
            semaphore.value--;
            semaphore.holders.push(worker);
            semaphore.since.push(event.t);
          }
        }
        break;
      }
      case 'released': {
        if (event.prim === 'lock') {
          const lock = this.locks.get(event.name);
          if (lock !== undefined) lock.holder = null;
        } else {
          const semaphore = this.semaphores.get(event.name);
          if (semaphore !== undefined) {
            semaphore.value++;
            // A permit released by someone who never acquired one (allowed, as in Python)
            // still leaves the oldest holder's permit counted as returned.
            const at = semaphore.holders.indexOf(worker);
            semaphore.holders.splice(at === -1 ? 0 : at, 1);
            semaphore.since.splice(at === -1 ? 0 : at, 1);
          }
        }
        break;
      }
      case 'set':
      case 'clear':
        this.events.set(event.name, event.kind === 'set');
        if (event.kind === 'set') {
          const setters = this.eventSetters.get(event.name) ?? new Set<number>();
          setters.add(worker);
          this.eventSetters.set(event.name, setters);
        }
        break;
      case 'put':
        this.#resume(lane, worker, event.t);
        if (event.to === 'queue') {
          this.queueProducers.add(worker);
          this.queue.size++;
          this.#fill(event.t);
          this.queue.peak = Math.max(
            this.queue.peak,
            Math.min(this.queue.size, this.queue.capacity),
          );
        }
        if (event.item !== null) {
          this.produced.push({ item: event.item, value: event.value, worker, via: event.to });
        }
        break;
      case 'get':
        this.#resume(lane, worker, event.t);
        // Not clamped at 0: a get numbers itself after it took the item, and so may come before
        // the put's number (the putter numbers its put only after the put returned). The count
        // is exact again once both events are applied.
        if (event.from === 'queue') {
          this.queueConsumers.add(worker);
          this.queue.size--;
          this.#fill(event.t);
        }
        if (event.item !== null) {
          this.consumed.push(
            event.times === undefined
              ? { item: event.item, value: event.value, worker }
              : { item: event.item, value: event.value, worker, times: event.times },
          );
          this.consumedCount += event.times ?? 1;
        } else if (
          event.from !== 'queue' &&
          event.value !== 'FINISH' &&
          lane.worker.role === 'consumer'
        ) {
          this.phantoms.push({ worker, value: event.value });
        }
        break;
      case 'done':
        this.#enter(lane, 'done', event.t);
        break;
      case 'failed':
        this.fail(worker, event.error, event.t);
        break;
    }
  }

  /** Records that worker `id` failed with `error` (reported by it, or by its `onerror`). */
  fail(id: number, error: UserError, t = this.now): void {
    const lane = this.lanes[id];
    if (lane === undefined || lane.state === 'done' || lane.state === 'failed') return;
    this.errors.push({ worker: lane.worker.name, workerId: id, error });
    const where = error.location ? ` (line ${error.location.line})` : '';
    this.#line({ t, worker: id, kind: 'error', text: `${error.name}: ${error.message}${where}` });
    this.#enter(lane, 'failed', t);
  }

  /** A blocked or sleeping worker goes on. */
  #resume(lane: Lane, worker: number, t: number): void {
    if (lane.state !== 'blocked' && lane.state !== 'sleeping' && lane.state !== 'starting') return;
    const target = lane.waitingFor;
    if (target?.kind === 'lock') {
      const waiters = this.locks.get(target.name)?.waiters;
      const at = waiters?.indexOf(worker) ?? -1;
      if (at !== -1) waiters?.splice(at, 1);
    }
    lane.waitingFor = undefined;
    this.#enter(lane, 'running', t);
  }

  #enter(lane: Lane, state: LaneState, t: number, label = ''): void {
    const last = lane.segments.at(-1);
    if (last !== undefined && last.to === null) {
      if (last.state === state && last.label === label) return;
      last.to = t;
    }
    if (lane.state === 'blocked' && state !== 'blocked') lane.waitingFor = undefined;
    lane.state = state;
    lane.segments.push({
      state,
      label,
      from: t,
      to: state === 'done' || state === 'failed' ? t : null,
    });
    if (lane.segments.length > SEGMENT_LIMIT)
      lane.segments.splice(0, lane.segments.length - SEGMENT_LIMIT);
  }

  #fill(t: number): void {
    const size = Math.min(Math.max(this.queue.size, 0), this.queue.capacity);
    const last = this.queueHistory.at(-1);
    // Several changes within the same millisecond draw as one step.
    if (last !== undefined && t - last[0] < 1) last[1] = size;
    else this.queueHistory.push([t, size]);
    if (this.queueHistory.length > SEGMENT_LIMIT) this.queueHistory.splice(0, 1000);
  }

  #line(line: Omit<ConsoleLine, 'n'>): void {
    this.console.push({ ...line, n: this.console.length + this.droppedLines });
    this.#consoleChars += line.text.length;
    let extra = Math.max(0, this.console.length - CONSOLE_LIMIT);
    let chars = this.#consoleChars;
    while (chars > CONSOLE_CHARS && extra < this.console.length - 1) {
      chars -= this.console[extra]?.text.length ?? 0;
      extra++;
    }
    if (extra > 0) {
      for (let i = 0; i < extra; i++) this.#consoleChars -= this.console[i]?.text.length ?? 0;
      this.console.splice(0, extra);
      this.droppedLines += extra;
    }
  }

  /**
   * The run as it was at `t` ms: a new model fed the recorded events up to then.
   *
   * @example
   * ```ts
   * const then = model.at(120);
   * then.locks.get('producer_lock')?.holder; // who held it 120 ms into the run
   * ```
   */
  at(t: number): RunModel {
    const { workers, declarations, settings } = this.#setup;
    const past = new RunModel(workers, declarations, settings);
    for (const { worker, event } of this.history) {
      if (event.t > t) break;
      past.#applyEvent(worker, event);
    }
    past.now = t;
    return past;
  }

  /** Marks every worker still live as stopped (after Stop, or when a deadlock ended the run). */
  stopLive(t: number, state: 'stopped' | 'blocked' = 'stopped'): void {
    for (const lane of this.lanes) {
      if (lane.state === 'done' || lane.state === 'failed') continue;
      if (state === 'blocked' && lane.state === 'blocked') {
        const last = lane.segments.at(-1);
        if (last !== undefined) last.to = t;
        continue;
      }
      this.#enter(lane, 'stopped', t);
      const last = lane.segments.at(-1);
      if (last !== undefined) last.to = t;
    }
  }

  /** Whether every worker finished, well or badly. */
  get finished(): boolean {
    return this.lanes.every((l) => l.state === 'done' || l.state === 'failed');
  }

  /** Who holds what and who waits for what, for the deadlock check and its explanation. */
  graph(): WaitGraph {
    return {
      workers: this.lanes.map((l) => ({
        id: l.worker.id,
        name: l.worker.name,
        state: l.state,
        waitingFor: l.waitingFor,
      })),
      locks: [...this.locks].map(([name, l]) => ({ name, holder: l.holder })),
      semaphores: [...this.semaphores].map(([name, s]) => ({
        name,
        value: s.value,
        holders: s.holders,
      })),
      events: [...this.events].map(([name, set]) => ({ name, set })),
      queue: { size: this.queue.size, capacity: this.queue.capacity },
    };
  }
}
