/**
 * Tracing: every primitive reports what happens to it to the current {@link Tracer}, if any.
 *
 * Off by default. When no tracer is set, a primitive pays one property load and one comparison
 * per operation (`hooks.tracer === undefined`) and allocates nothing. The tracer lives in the
 * hooks object shared by every copy of core (see `hooks.ts`), so a harness that installs it
 * through one copy sees the primitives of all of them.
 *
 * @module
 */

import { hooks } from './hooks.js';

/** What happened to a primitive. */
export type TraceKind =
  | 'created'
  /** An agent starts waiting to acquire (lock, semaphore) or to put / get (queue). */
  | 'acquire'
  | 'acquired'
  | 'release'
  /** An agent starts waiting on a condition, event, barrier, or for room / an item in a queue. */
  | 'wait'
  /** A waiter was woken (its wait is over and it goes on). */
  | 'wake'
  | 'notify'
  | 'set'
  | 'clear'
  | 'put'
  | 'get'
  | 'close'
  | 'timeout'
  | 'abort'
  | 'broken';

/** One thing that happened to a primitive. */
export interface TraceEvent {
  /** What happened. */
  readonly kind: TraceKind;
  /** The primitive's class, e.g. `'Lock'`, `'Queue'`, `'SharedQueue'`. */
  readonly primitive: string;
  /** A number unique to the primitive within its agent (within the buffer, for shared ones). */
  readonly id: number;
  /** The primitive's name (`{ name }` option), or `Kind#id`. */
  readonly name: string;
  /** The task or worker it happened in, as named by {@link Tracer.agent}, else `'main'`. */
  readonly agent: string;
  /** `performance.now()` when it happened. */
  readonly time: number;
  /** The stack of the caller, when the tracer asks for stacks. */
  readonly stack?: string;
  /** Extra facts, e.g. `{ size, capacity }` for queues, `{ value }` for semaphores. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Receives trace events. Install one with {@link setTracer}. */
export interface Tracer {
  /** Called synchronously for every event. Must not throw and should be quick. */
  event(event: TraceEvent): void;
  /** Names the current task or worker (e.g. from an AsyncLocalStorage). Default `'main'`. */
  agent?(): string | undefined;
  /** Capture `new Error().stack` for each event (slow; for tests and diagnostics). */
  stacks?: boolean;
}

/**
 * Installs `tracer` for every primitive in this agent (or removes it with `undefined`) and
 * returns the previous one, so callers can restore it.
 *
 * @example
 * ```ts
 * const events: TraceEvent[] = [];
 * const previous = setTracer({ event: (e) => events.push(e) });
 * try { await work(); } finally { setTracer(previous); }
 * ```
 */
export function setTracer(tracer: Tracer | undefined): Tracer | undefined {
  const previous = hooks.tracer;
  hooks.tracer = tracer;
  return previous;
}

/** The tracer installed now, if any. */
export function getTracer(): Tracer | undefined {
  return hooks.tracer;
}

/** Whether a tracer is installed; primitives test this before building an event. */
export function tracing(): boolean {
  return hooks.tracer !== undefined;
}

/**
 * @internal Makes `agent` the current agent for trace events until the next call, and returns
 * the previous override so the caller can restore it in a `finally`:
 *
 * ```ts
 * const previous = actAs(waiter.agent);
 * try { promise = lock.acquire(); } finally { actAs(previous); }
 * ```
 *
 * A primitive that starts a wait for another task (a `Condition` re-taking its lock for the
 * waiter that `notify()` woke) uses it so that the events of that wait (`acquire`, and the
 * `acquired` that a later release reports with the waiter's recorded agent) name the waiter,
 * not the task whose call happens to run the code. Only synchronous work is covered: the
 * override is gone once the caller restores it. Events emitted under it carry no stack (the one
 * at hand is the caller's). Callers set it only while tracing, so tracing off costs nothing.
 */
export function actAs(agent: string | undefined): string | undefined {
  // The override lives in the shared hooks (see hooks.ts), `undefined` the rest of the time.
  const previous = hooks.acting;
  hooks.acting = agent;
  return previous;
}

/** The current agent's name as the tracer sees it (`'main'` without a tracer or a name). */
export function currentAgent(): string {
  const tracer = hooks.tracer;
  if (tracer === undefined) return 'main';
  return hooks.acting ?? tracer.agent?.() ?? 'main';
}

/** A fresh id for a primitive, unique among every copy of core in this agent. */
export function newId(): number {
  return hooks.nextId++;
}

/** Identity of a traced primitive. */
export interface TraceSubject {
  readonly kind: string;
  readonly id: number;
  readonly name: string;
}

/**
 * Reports `kind` for `subject` to the current tracer. Callers guard with `tracing()` when they
 * would otherwise allocate `detail`.
 *
 * @param agent - who it happened to, when that is not the caller: a waiter woken by another
 *   task's `release()` records its own agent when it starts waiting and passes it here.
 */
export function emit(
  subject: TraceSubject,
  kind: TraceKind,
  detail?: Readonly<Record<string, unknown>>,
  agent?: string,
): void {
  const tracer = hooks.tracer;
  if (tracer === undefined) return;
  const acting = hooks.acting;
  const event: TraceEvent = {
    kind,
    primitive: subject.kind,
    id: subject.id,
    name: subject.name,
    agent: agent ?? acting ?? tracer.agent?.() ?? 'main',
    time: performance.now(),
    // While acting for another agent the stack is the caller's, not that agent's: leave it out.
    ...(tracer.stacks && acting === undefined ? { stack: cleanStack(new Error().stack) } : {}),
    ...(detail ? { detail } : {}),
  };
  try {
    tracer.event(event);
  } catch {
    // A tracer must never break the primitive it watches: its errors are dropped.
  }
}

/** Drops the frames inside Baton itself so the first frame is the caller's. */
function cleanStack(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const lines = stack.split('\n').slice(1);
  const outside = lines.filter((line) => !/[\\/](core[\\/](src|dist))[\\/]/.test(line));
  return outside.join('\n');
}
