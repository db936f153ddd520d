/**
 * Wake-ups that die with an agent, and how the survivors get them back.
 *
 * A {@link SharedQueue} wakes *one* sleeper per item put or slot freed (`queue/sleep.ts`): no
 * thundering herd. `Atomics.notify` counts a sleeper as woken when it takes it off the word's
 * wait list, which is before that sleeper runs again. If its agent is killed in between (a
 * worker terminated while its wake-up is on its way, or an async sleeper whose task never runs
 * because the worker dies), the wake-up is gone with it: the item, or the free slot, sits in the
 * ring while a live sleeper sleeps on. Nothing in the ring is wrong, so no repair can see it;
 * and nobody can tell a dying sleeper from a live one when it notifies.
 *
 * So the sleepers take it back themselves, two ways:
 *
 * - a **blocking** sleeper (`Atomics.wait`, a thread of its own) never sleeps longer than
 *   {@link EXIT_SLICE_MS} at a time: it wakes, tries again, and sleeps again. One wake-up per
 *   slice per blocked thread, as the shared lock's waiters already do (`mutex.ts`);
 * - an **async** sleeper costs nothing while it sleeps (a thousand async getters of a queue are
 *   ordinary), so it is not sliced. Instead, while any async wait of this agent is pending, the
 *   agent looks every {@link EXIT_SLICE_MS} at how many agents its registries have seen exit
 *   (one word per registry, moved by `agentExited`/`watchWorker`). When that number moves, it
 *   wakes every sleeper of every queue it has slept on: they all try again, and whoever was
 *   owed the lost wake-up finds its item or its slot. A wake-up too many costs a re-check; the
 *   queue's protocol allows for spurious ones.
 *
 * An async sleeper thus gets a swallowed wake-up back within a slice of the exit being
 * *reported*; an agent that dies unreported (unwatched, or past the registry's `maxAgents`)
 * leaves it lost, as it leaves its claims stuck (see ring.ts). Report an exit once the worker
 * is gone (Node's `watchWorker` does: its `exit` event comes after the thread has stopped; in a
 * browser call `agentExited` after `terminate()`), not before: a worker still running could
 * swallow another wake-up after the check that followed its report.
 *
 * A `SharedCondition`'s `notify(n)` also wakes `n` waiters, but a notify delivered to a
 * waiter that then dies is spent as Python's would be (it was delivered); callers that wait
 * with a predicate (`waitFor`) or a timeout re-check anyway. Locks, events and barriers wake
 * every waiter or re-check on their own (the lock's waiters sleep in slices, `mutex.ts`).
 *
 * @module
 */
import { registryState } from './registry/state.js';

/** Longest sleep of a blocking queue call, and the period at which async sleepers check exits. */
export const EXIT_SLICE_MS = 100;

/** Something whose sleepers can all be woken to re-check (a queue: both its sleep words). */
export interface ExitWakeable {
  wakeEverySleeper(): void;
}

/**
 * The primitives this agent has slept on, held weakly: a queue that is dropped is forgotten.
 * Registered once per primitive, on its first sleep (see {@link sleepsHere}).
 */
const sleptOn = new Set<WeakRef<ExitWakeable>>();
const registered = new WeakSet<ExitWakeable>();
/** Size of {@link sleptOn} after its last pruning: prune again when it has doubled. */
let pruned = 0;

/** The exits counted at the last check (0 before the first: at worst one spurious wake-up). */
let seen = 0;

/**
 * Records that `primitive` has (or may have) sleepers in this agent; again is a no-op (one
 * `WeakSet` lookup, on the way to a sleep).
 */
export function sleepsHere(primitive: ExitWakeable): void {
  if (registered.has(primitive)) return;
  registered.add(primitive);
  sleptOn.add(new WeakRef(primitive));
  if (sleptOn.size > 2 * pruned + 16) {
    for (const ref of sleptOn) if (ref.deref() === undefined) sleptOn.delete(ref);
    pruned = sleptOn.size;
  }
}

/** Exits counted by every registry this agent knows. */
function exitsNow(): number {
  let total = 0;
  for (const registry of registryState.known.values()) total += registry.exitCount();
  return total;
}

/**
 * The async sleepers' periodic check: if an agent was reported exited since the last check,
 * wake every sleeper of every primitive this agent has slept on, so a wake-up the dead agent
 * swallowed is not lost. Cheap when nothing happened: one load per registry.
 */
export function checkExits(): void {
  const now = exitsNow();
  if (now === seen) return;
  seen = now;
  for (const ref of sleptOn) {
    const primitive = ref.deref();
    if (primitive === undefined) sleptOn.delete(ref);
    else primitive.wakeEverySleeper();
  }
}
