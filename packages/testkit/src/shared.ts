/**
 * The cross-worker half of a deadlock watch. Shared primitives keep a registry in shared memory
 * (core's `snapshot()` / `findDeadlock()`): which agent (the main thread, each worker) holds which
 * lock and waits for what. Blocked workers cannot emit trace events to us, but the registry can be
 * read from here at any time, so the watch polls it and turns it into the same
 * {@link WaitForGraph} as in-thread waits, explained with the same sentences.
 *
 * @module
 */
import {
  currentAgentId,
  findDeadlock,
  snapshot as readSnapshot,
  waitGraphFromSnapshot,
  type Deadlock,
  type WaitForSnapshot,
} from '@baton/core';
import type { WaitForGraph } from './wait-for.js';

/**
 * Whether shared memory exists here: without `SharedArrayBuffer` (a page that is not
 * cross-origin isolated) there can be no shared primitives and no registry to read.
 */
export const sharedRegistryAvailable: boolean = typeof SharedArrayBuffer === 'function';

/**
 * A definite cross-worker deadlock (a cycle or an abandoned lock) found now, if any. One that
 * a wait's own timeout will break (core's `Deadlock.deadline` is set) is not definite: the
 * program may handle that timeout, so it is left to run, and shown if `ms` runs out.
 */
export function findSharedDeadlock(ignore: ReadonlySet<string>): Deadlock | undefined {
  if (!sharedRegistryAvailable) return undefined;
  const found = safely(findDeadlock);
  if (found === undefined || found.kind === 'all-blocked' || found.deadline !== undefined) {
    return undefined;
  }
  if (!definite(found)) return undefined;
  return ignore.has(signature(found)) ? undefined : found;
}

/**
 * Whether a finding holds whatever agents the registry cannot see yet. Only cycles of one on
 * a `SharedLock` are not: a `SharedLock` is not owned, so a worker that has not registered yet
 * (still starting) may release the lock its holder waits for (the lesson's hand-off). Those
 * are treated as stalls: believed once they have held for a grace period.
 */
function definite(found: Deadlock): boolean {
  if (found.kind !== 'cycle') return true;
  return found.cycles.some(
    (cycle) => cycle.length > 1 || cycle[0]?.waitingOn?.primitive.kind !== 'SharedLock',
  );
}

/**
 * Every agent in the shared registry other than this thread is blocked, none of them in a
 * wait with a timeout, and no cycle or abandoned lock explains it (core's `'all-blocked'`), or
 * agents each wait for a `SharedLock` they took themselves (see `definite`).
 * On its own this proves nothing (this thread may still put, release or set), so the watch
 * acts on it only when its own tasks are quiescent too: then nobody can ever act.
 */
export function findSharedStall(ignore: ReadonlySet<string>): Deadlock | undefined {
  if (!sharedRegistryAvailable) return undefined;
  const found = safely(findDeadlock);
  if (found === undefined || found.deadline !== undefined) return undefined;
  if (found.kind !== 'all-blocked' && definite(found)) return undefined;
  return ignore.has(signature(found)) ? undefined : found;
}

/**
 * How long (ms) a stall across workers must stay exactly the same, with this thread idle all
 * along, before a watch believes it. A worker woken by a `put` or `release` shows its old wait
 * in the registry until its thread actually runs, which on a loaded machine can take a while:
 * the grace keeps that moment from passing for a stall.
 */
export const SHARED_STALL_GRACE = 250;

/**
 * How long (ms) an agent's wait for a `SharedLock` it took itself must stay the same before a
 * watch believes it (see `definite`). Longer than {@link SHARED_STALL_GRACE}: here the agent
 * that will release the lock may be a worker that has not even registered yet, and starting a
 * worker on a loaded machine takes far longer than waking one (seen: 264 ms was not enough for
 * the lesson's step 4 on a busy 2-core machine).
 */
export const SHARED_SELF_WAIT_GRACE = 3000;

/**
 * Confirms a stall across workers ({@link findSharedStall} and
 * {@link sharedAllowsQuiescence}) over time: {@link SharedStall.settled} is `true` once the same
 * waits (same agents, primitives and start times) have been seen for {@link SHARED_STALL_GRACE}
 * ms, on at least three reads, with nothing in between calling {@link SharedStall.reset}.
 */
export class SharedStall {
  readonly #ignore: ReadonlySet<string>;
  #key: string | undefined;
  #since = 0;
  #reads = 0;

  constructor(ignore: ReadonlySet<string>) {
    this.#ignore = ignore;
  }

  /** Reads the registry once; `true` when the stall has held long enough to report. */
  settled(now: number = performance.now()): boolean {
    const found = findSharedStall(this.#ignore);
    const key = found !== undefined && sharedAllowsQuiescence() ? stallKey(found) : undefined;
    if (key === undefined || key !== this.#key) {
      this.#key = key;
      this.#since = now;
      this.#reads = 1;
      return false;
    }
    this.#reads++;
    const grace =
      found !== undefined && found.kind === 'cycle' && !definite(found)
        ? SHARED_SELF_WAIT_GRACE
        : SHARED_STALL_GRACE;
    return this.#reads >= 3 && now - this.#since >= grace;
  }

  /** Something may have changed (this thread ran, or a timer was pending): start over. */
  reset(): void {
    this.#key = undefined;
  }
}

function stallKey(stall: Deadlock): string {
  return stall.agents
    .map((a) => `${a.id}:${a.waitingOn?.primitive.id}:${a.waitingOn?.op}:${a.waitingOn?.since}`)
    .sort()
    .join(',');
}

/**
 * Whether the shared registry lets this thread's tasks count as quiescent: `false` while
 * another live agent is running (it may still put, release or set) or while any agent, this
 * thread included, is in a shared wait with a timeout (it will run again by itself: shared
 * waits time out inside `Atomics.wait`/`waitAsync`, not in a timer the watch could count).
 * `true` when no agent but this thread is in the registry.
 */
export function sharedAllowsQuiescence(): boolean {
  if (!sharedRegistryAvailable) return true;
  const snapshot = safely(readSnapshot);
  const live = snapshot?.agents.filter((a) => a.state !== 'exited') ?? [];
  if (live.length === 0) return true;
  // Agents exist only once this thread made or opened a shared primitive, so it is registered.
  const self = safely(currentAgentId);
  return live.every((a) => a.wakesAt === undefined && (a.id === self || a.state === 'waiting'));
}

/** Deadlocks already present when a watch starts (left over by earlier tests): not ours. */
export function sharedBaseline(): Set<string> {
  const found = sharedRegistryAvailable ? safely(findDeadlock) : undefined;
  return new Set(found === undefined ? [] : [signature(found)]);
}

/**
 * The registry's wait-for graph (core's `waitGraphFromSnapshot`), or `undefined` if nobody
 * waits.
 */
export function sharedGraph(
  snapshot: WaitForSnapshot | undefined = sharedRegistryAvailable
    ? safely(readSnapshot)
    : undefined,
): WaitForGraph | undefined {
  if (snapshot === undefined) return undefined;
  if (!snapshot.agents.some((a) => a.state === 'waiting')) return undefined;
  return waitGraphFromSnapshot(snapshot);
}

function signature(deadlock: Deadlock): string {
  return `${deadlock.kind}:${deadlock.agents
    .map((a) => a.id)
    .sort((x, y) => x - y)
    .join(',')}`;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    // The registry is diagnostic: a failure to read it must not hide the test's own result.
    return undefined;
  }
}
