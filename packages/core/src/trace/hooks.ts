/**
 * The one place where the tracer and the scheduler live, shared by every copy of `@baton/core`
 * loaded in this agent (thread or page).
 *
 * A project may end up with two copies of core (two versions side by side, a bundled copy and
 * an installed one, the source and the built dist under two paths). Each copy's primitives must
 * report to the same tracer and obey the same scheduler, or a test harness installed through
 * one copy would see nothing of the primitives built by the other. So the hooks are not module
 * state: they live on a versioned global, `globalThis[Symbol.for('baton.hooks.v1')]`, which the
 * first copy to load creates and every later copy finds. `Symbol.for` is process-wide (it is the
 * same symbol in every module and realm-local global of this agent), so no name can clash with
 * user code.
 *
 * The version is part of the key: a future copy whose hooks object has another shape uses
 * `baton.hooks.v2`, and both kinds can coexist without misreading each other. Within v1 the
 * shape only grows by optional fields.
 *
 * Primitive ids come from the same object, so two copies never hand out the same
 * `Kind#id` within this agent (the testkit keys primitives by it).
 *
 * @module
 */
import type { Scheduler } from './scheduler.js';
import type { Tracer } from './tracer.js';

/** Version 1 of the shared hooks object. */
export interface BatonHooksV1 {
  /** Bumped by nobody: lets a reader check the shape it found. */
  readonly version: 1;
  /** The tracer every primitive reports to, if any. */
  tracer: Tracer | undefined;
  /** The scheduler that decides when waiters go on, if any. */
  scheduler: Scheduler | undefined;
  /** The agent a primitive is acting for during a synchronous call (see `actAs`). */
  acting: string | undefined;
  /** The next primitive id. */
  nextId: number;
}

/** The key of the shared hooks object on `globalThis`. */
export const HOOKS_KEY: unique symbol = Symbol.for('baton.hooks.v1') as never;

function findOrCreate(): BatonHooksV1 {
  const global = globalThis as unknown as Record<symbol, BatonHooksV1 | undefined>;
  const found = global[HOOKS_KEY];
  if (found !== undefined && found.version === 1) return found;
  const created: BatonHooksV1 = {
    version: 1,
    tracer: undefined,
    scheduler: undefined,
    acting: undefined,
    nextId: 1,
  };
  // Not enumerable, so it does not show up when user code lists the globals.
  Object.defineProperty(global, HOOKS_KEY, { value: created, configurable: true });
  return created;
}

/**
 * The hooks shared by every copy of core in this agent. Read its fields at each use (never cache
 * `hooks.tracer` in a local across calls): another copy may change them.
 */
export const hooks: BatonHooksV1 = findOrCreate();
