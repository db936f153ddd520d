/**
 * Puts the right agent on lock events that a `Condition` causes on behalf of a woken waiter.
 *
 * `Condition.notify()` wakes a waiter by queueing for the condition's lock *for it*, from inside
 * the notifier's call, so core's trace events for that lock wait (`acquire` now, `acquired` when
 * the notifier releases) carry the notifier's name. Read naively, the notifier seems to wait for
 * a lock it holds itself and the woken task seems to run, which would both invent a cycle and
 * hide quiescence. This filter renames those events to the woken waiter:
 *
 * - the `acquire`/`acquired` on a lock right after a condition's `wake` belongs to the woken
 *   agent;
 * - lock waiters are served FIFO, so mirroring each lock's queue of waiters tells which queued
 *   waiter a later `acquired { waited: true }` is, and thus its real agent.
 *
 * @module
 */
import type { TraceEvent } from '@baton/core';

interface Queued {
  /** The agent core's event names. */
  readonly named: string;
  /** The agent that really waits. */
  readonly actual: string;
}

const LOCK = /Lock$/;

/** `e` as done by `agent`, without the stack: it is the notifier's, not the waiter's. */
function as(e: TraceEvent, agent: string): TraceEvent {
  if (agent === e.agent) return e;
  const { stack: _stack, ...rest } = e;
  return { ...rest, agent };
}

/** A stateful event filter; one per subscription stream (the hub has one). */
export class HandoffFixer {
  #woken: string | undefined;
  readonly #queues = new Map<string, Queued[]>();

  /** Returns `e`, or a copy naming the agent that really acts. */
  fix(e: TraceEvent): TraceEvent {
    const woken = this.#woken;
    this.#woken = undefined;
    if (e.kind === 'wake' && e.primitive.endsWith('Condition')) {
      this.#woken = e.agent;
      return e;
    }
    if (!LOCK.test(e.primitive)) return e;
    const key = `${e.primitive}#${e.id}`;
    const queue = this.#queues.get(key) ?? [];
    switch (e.kind) {
      case 'acquire': {
        const actual = woken ?? e.agent;
        queue.push({ named: e.agent, actual });
        this.#queues.set(key, queue);
        return as(e, actual);
      }
      case 'acquired': {
        if (e.detail?.['waited'] === true) {
          const head = queue[0];
          if (head !== undefined && head.named === e.agent) {
            queue.shift();
            return as(e, head.actual);
          }
          return e;
        }
        return woken === undefined ? e : as(e, woken);
      }
      case 'timeout':
      case 'abort': {
        const index = queue.findIndex((q) => q.named === e.agent);
        if (index === -1) return e;
        const [gone] = queue.splice(index, 1);
        return gone === undefined ? e : as(e, gone.actual);
      }
      default:
        return e;
    }
  }
}
