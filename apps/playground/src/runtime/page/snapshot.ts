/**
 * What the live view draws, taken from the {@link RunModel} once per frame: a fresh object each
 * time, so the components re-render once per frame however many events arrived.
 *
 * @module
 */
import {
  targetLabel,
  type ConsoleLine,
  type Intent,
  type RunModel,
  type Segment,
} from './model.js';
import type { Role } from '../common/protocol.js';
import type { LaneState } from './verdict.js';

export interface LaneView {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  readonly colour: string;
  readonly state: LaneState;
  /** `'blocked on lock producer_lock'`, `'running'`, ... */
  readonly status: string;
  readonly segments: readonly Segment[];
  /** The line of its pane the worker was last seen on. */
  readonly line: number | undefined;
  /** Under the page's control: what it will do when granted its next step. */
  readonly intent: Intent | null;
}

export interface RunView {
  readonly now: number;
  readonly lanes: readonly LaneView[];
  readonly queue: { readonly size: number; readonly peak: number; readonly capacity: number };
  /** `[t, size]` steps of the queue's fill. */
  readonly queueHistory: readonly (readonly [number, number])[];
  readonly locks: readonly {
    readonly name: string;
    readonly holder: string | null;
    readonly waiters: readonly string[];
  }[];
  readonly semaphores: readonly {
    readonly name: string;
    readonly value: number;
    readonly initial: number;
    readonly waiters: readonly string[];
  }[];
  readonly events: readonly {
    readonly name: string;
    readonly set: boolean;
    readonly waiters: readonly string[];
  }[];
  /** The console's last lines (the view shows at most {@link CONSOLE_VIEW} of them). */
  readonly console: readonly ConsoleLine[];
  readonly droppedLines: number;
  readonly produced: number;
  readonly consumed: number;
}

/** How many console lines the page renders; older ones stay in the model until its limit. */
export const CONSOLE_VIEW = 300;

/** A worker's current state in words. */
export function laneStatus(state: LaneState, label: string): string {
  switch (state) {
    case 'blocked':
      return `blocked on ${label}`;
    case 'sleeping':
      return label || 'sleeping';
    default:
      return state;
  }
}

export function snapshot(model: RunModel, now: number): RunView {
  const name = (id: number | 'setup' | null): string | null =>
    id === null
      ? null
      : id === 'setup'
        ? 'setup'
        : (model.lanes[id]?.worker.name ?? `worker ${id}`);
  // A counting semaphore has no holders worth naming (any worker may release a permit it never
  // took), so the view lists who waits for it, as it does for events.
  const waitingOn = (kind: 'semaphore' | 'event', target: string): string[] =>
    model.lanes
      .filter(
        (l) => l.state === 'blocked' && l.waitingFor?.kind === kind && l.waitingFor.name === target,
      )
      .map((l) => l.worker.name);
  return {
    now,
    lanes: model.lanes.map((lane) => ({
      id: lane.worker.id,
      name: lane.worker.name,
      role: lane.worker.role,
      colour: lane.colour,
      state: lane.state,
      status: laneStatus(
        lane.state,
        lane.waitingFor ? targetLabel(lane.waitingFor) : (lane.segments.at(-1)?.label ?? ''),
      ),
      segments: lane.segments,
      line: lane.intent?.line ?? lane.line,
      intent: lane.intent,
    })),
    // Between a get and its put's event the count may be one off (see model.ts): show it within
    // the queue's real bounds.
    queue: {
      size: Math.min(Math.max(model.queue.size, 0), model.queue.capacity),
      peak: model.queue.peak,
      capacity: model.queue.capacity,
    },
    queueHistory: model.queueHistory,
    locks: [...model.locks].map(([lockName, lock]) => ({
      name: lockName,
      holder: name(lock.holder),
      waiters: lock.waiters.map((w) => name(w) ?? ''),
    })),
    semaphores: [...model.semaphores].map(([semName, s]) => ({
      name: semName,
      value: s.value,
      initial: s.initial,
      waiters: waitingOn('semaphore', semName),
    })),
    events: [...model.events].map(([eventName, set]) => ({
      name: eventName,
      set,
      waiters: waitingOn('event', eventName),
    })),
    console: model.console.slice(-CONSOLE_VIEW),
    droppedLines: model.droppedLines + Math.max(0, model.console.length - CONSOLE_VIEW),
    produced: model.produced.length,
    consumed: model.consumedCount,
  };
}
