/**
 * One tracer for every testkit watch. Core has a single tracer slot; the hub takes it while any
 * watch (a deadlock timeout, a lock-order check, the explorer) listens, fans each event out to
 * every listener, passes it on to whatever tracer was installed before, and gives the slot back
 * when the last listener leaves. Watches can therefore nest and overlap (e.g. concurrent tests).
 * While anything listens, async functions started without `task()` are told apart (agents.ts),
 * and the tracer's `agent()` names them.
 *
 * @module
 */
import { getTracer, setTracer, type TraceEvent, type Tracer } from '@baton/core';
import { trackAgents } from './agents.js';
import { currentTask } from './task.js';

/** Receives every trace event while subscribed. */
export interface TraceListener {
  event(event: TraceEvent): void;
  /** Ask primitives to capture stacks (source locations) while this listener is subscribed. */
  readonly stacks?: boolean;
}

const listeners = new Set<TraceListener>();
let previous: Tracer | undefined;

const hub: Tracer = {
  event(event) {
    for (const listener of listeners) {
      try {
        listener.event(event);
      } catch {
        // One broken listener must not blind the others, nor break the primitive.
      }
    }
    previous?.event(event);
  },
  agent() {
    return currentTask() ?? previous?.agent?.();
  },
  stacks: false,
};

function refreshStacks(): void {
  let stacks = previous?.stacks === true;
  for (const listener of listeners) stacks ||= listener.stacks === true;
  hub.stacks = stacks;
}

/**
 * Subscribes `listener` to every trace event in this agent and returns the function that
 * unsubscribes it. Tracing is on while at least one listener is subscribed.
 */
export function subscribe(listener: TraceListener): () => void {
  if (listeners.size === 0 || getTracer() !== hub) {
    if (getTracer() !== hub) previous = setTracer(hub);
  }
  listeners.add(listener);
  refreshStacks();
  // While anything listens, async functions started without task() are told apart.
  const stopAgents = trackAgents();
  return () => {
    if (!listeners.delete(listener)) return;
    stopAgents();
    refreshStacks();
    if (listeners.size === 0 && getTracer() === hub) {
      setTracer(previous);
      previous = undefined;
    }
  };
}
