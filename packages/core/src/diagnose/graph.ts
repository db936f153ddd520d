/**
 * The one wait-for graph: the model every explanation of a hang is built on, whether it was read
 * from trace events (tasks in one thread) or from the shared registry (workers).
 *
 * Nodes are parties (tasks or agents) and resources (primitives, with their kind). There are two
 * kinds of edges: a party **holds** a lock (only locks have holders), and a party **waits** on a
 * resource for something: to acquire a lock, for a permit of a semaphore, for an item in a queue
 * or room in it, for an event to be set, at a barrier, or on a condition. Semaphores and queues
 * have no owner: a party that took permits is recorded as a taker, never as a holder, so no
 * explanation can say that someone "holds" a semaphore.
 *
 * @module
 */

/** What a resource is, whatever its class (`Lock`, `SharedRLock`, ...). */
export type ResourceKind =
  'lock' | 'semaphore' | 'condition' | 'event' | 'barrier' | 'queue' | 'other';

/**
 * What a waiting party waits for: to `acquire` a lock, a `permit` of a semaphore, an `item` in
 * a queue, `space` (room) in a queue, an `event` to be set, the other parties at a `barrier`, or
 * a notification of a `condition`.
 */
export type WaitFor =
  'acquire' | 'permit' | 'item' | 'space' | 'event' | 'barrier' | 'condition' | 'other';

/**
 * Where a party is: `running` (not waiting on any resource), `waiting`, `finished` (a task that
 * returned or threw) or `exited` (a worker that ended, or was terminated).
 */
export type PartyState = 'running' | 'waiting' | 'finished' | 'exited';

/** A task or an agent (thread). */
export interface WaitGraphParty {
  /** Its name, unique in the graph. */
  readonly name: string;
  /** Its id in the shared registry, for parties read from it. */
  readonly agentId?: number;
  readonly state: PartyState;
  /**
   * When one of its waits times out by itself (in the graph's clock), if any of them has a
   * timeout: a party with `wakesAt` will run again without anybody's help.
   */
  readonly wakesAt?: number;
  /** Items it took with it when it died (a worker read from the shared registry). */
  readonly lost?: number;
}

/** Someone who took a permit of a semaphore and has not given one back (not an owner). */
export interface PermitTaker {
  readonly party: string;
  readonly since: number;
  readonly site?: string;
}

/** A primitive. */
export interface WaitGraphResource {
  /** Unique in the graph, e.g. `'Lock#3'`. */
  readonly key: string;
  /** Its class, e.g. `'Lock'`, `'SharedQueue'`. */
  readonly type: string;
  readonly kind: ResourceKind;
  readonly name: string;
  /** Queues: items in it; semaphores: permits left. */
  readonly size?: number;
  /** Queues: their capacity (`Infinity`: unbounded). */
  readonly capacity?: number;
  /** Queues: closed. */
  readonly closed?: boolean;
  /** Events: `true` while set, `false` once cleared after a set, absent when never set. */
  readonly isSet?: boolean;
  /** Barriers: how many parties it waits for. */
  readonly parties?: number;
  /** Conditions and events: when it was last notified or set. */
  readonly lastWake?: number;
  /**
   * Parties that ever put into it, took from it, or woke others through it (notify, set, release
   * of a semaphore). Absent when not known (the shared registry does not record them): then
   * nobody can tell who could end a wait on it, and no explanation guesses.
   */
  readonly producers?: readonly string[];
  readonly consumers?: readonly string[];
  readonly wakers?: readonly string[];
  /** Semaphores: parties holding permits they took (and may give back). */
  readonly takers?: readonly PermitTaker[];
}

/** `party` holds lock `resource` (the only resources with holders are locks). */
export interface WaitGraphHold {
  readonly party: string;
  /** The resource's {@link WaitGraphResource.key}. */
  readonly resource: string;
  /** Since when (in the graph's clock). */
  readonly since: number;
  /** Where it was acquired (`file:line:column`), when known. */
  readonly site?: string;
}

/** `party` waits on `resource` for `for`. */
export interface WaitGraphWait {
  readonly party: string;
  /** The resource's {@link WaitGraphResource.key}. */
  readonly resource: string;
  readonly for: WaitFor;
  /** Since when (in the graph's clock). */
  readonly since: number;
  /** Where it began to wait, when known. */
  readonly site?: string;
  /** The wait's own `timeout` option in ms, when it has one. */
  readonly timeout?: number;
  /** When it times out (in the graph's clock), when it has a timeout. */
  readonly deadline?: number;
}

/**
 * The wait-for graph at one moment: who waits for what, who holds which lock.
 *
 * Times (`since`, `deadline`, `wakesAt`) are all in one clock, the one `time` is in:
 * `performance.now()` for graphs read from trace events, `Date.now()` for graphs read from the
 * shared registry (whose agents each have their own `performance` origin).
 */
export interface WaitGraph {
  /** When it was taken. */
  readonly time: number;
  readonly parties: readonly WaitGraphParty[];
  readonly resources: readonly WaitGraphResource[];
  readonly holds: readonly WaitGraphHold[];
  /** Every wait going on, oldest first. */
  readonly waits: readonly WaitGraphWait[];
}

/** The kind of a primitive class, from its name (`'SharedRLock'` is a `'lock'`). */
export function resourceKind(type: string): ResourceKind {
  if (type.endsWith('Condition')) return 'condition';
  if (type.endsWith('Semaphore')) return 'semaphore';
  if (type.endsWith('Lock')) return 'lock';
  if (type.endsWith('Event')) return 'event';
  if (type.endsWith('Barrier')) return 'barrier';
  if (type.endsWith('Queue')) return 'queue';
  return 'other';
}

/**
 * What a call that waits asks for: `space` in a queue, an `item` from one, the lock (to
 * `acquire` it, or to get a condition's lock back after a notification), or to `wait` for
 * whatever the primitive gives (a permit, an event set, a barrier filled, a notification).
 */
export type WaitCall = 'space' | 'item' | 'acquire' | 'wait';

/**
 * What a party waits for, from the kind of resource and what its call asks: the one rule for
 * waits read from trace events and from the shared registry alike.
 */
export function waitForOf(kind: ResourceKind, call: WaitCall): WaitFor {
  if (call === 'space' || call === 'item') return call;
  switch (kind) {
    case 'lock':
      return 'acquire';
    case 'semaphore':
      return 'permit';
    case 'condition':
      return call === 'acquire' ? 'acquire' : 'condition';
    case 'event':
      return 'event';
    case 'barrier':
      return 'barrier';
    default:
      return 'other';
  }
}
