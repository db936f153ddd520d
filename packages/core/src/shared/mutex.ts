/**
 * The futex mutex both shared locks are built on ("mutex 2" of Ulrich Drepper's *Futexes Are
 * Tricky*). One word, three states:
 *
 * - `0` free;
 * - `1` held, and nobody sleeps on it;
 * - `2` held, and someone may sleep on it.
 *
 * Taking a free lock is one compare-and-swap 0 -> 1. A waiter swaps in 2 (`exchange`): if the
 * old value was 0 the lock was free and is now ours (in state 2, which costs at most one
 * needless notify later); otherwise it sleeps while the word is still 2. Releasing swaps in 0
 * and calls `Atomics.notify` only when the old value was 2, so an uncontended lock never makes
 * a system call. A release always changes the word before notifying, so a waiter that read 2
 * and is about to sleep wakes at once (`'not-equal'`) instead of missing the release.
 *
 * Fairness: none, as with Python's Lock or a pthread mutex. A woken waiter competes with agents
 * that arrive meanwhile; in exchange, the lock is never idle while someone wants it.
 *
 * @module
 */
import { emit, tracing } from '../trace/tracer.js';
import type { CheckedWait, Waitable } from './base.js';
import { timeoutError } from './base.js';
import { now, SPIN, waitAsync, waitSync } from './wait.js';
import { cancelledError, isCancelled, watchCancel, type Cancel } from './cancel.js';

/**
 * Where a lock keeps its cancel epoch and its count of waiting calls (see cancel.ts). The futex
 * word cannot be moved for nothing, so a cancel only notifies it; a waiter that was between its
 * epoch check and its sleep sees the cancel at its next wake-up, at most one rescue slice
 * ({@link RESCUE_SLICE_MS}) later, since every sleep of a lock waiter is sliced.
 */
export interface CancelWords {
  readonly epoch: number;
  readonly waiters: number;
}

/** Starts a waiting call's cancel watch: epoch first, then count ourselves (cancel.ts order). */
function startWaiting(cells: Int32Array, words: CancelWords | undefined): Cancel | undefined {
  if (words === undefined) return undefined;
  const cancel = watchCancel(cells, words.epoch);
  Atomics.add(cells, words.waiters, 1);
  return cancel;
}

/**
 * Gives up when cancelAll() ran since the call started to wait. A cancelled waiter may have
 * been the one an unlock woke (wake-one): it passes that wake-up on before it leaves.
 */
function checkCancel(
  subject: Waitable,
  cells: Int32Array,
  word: number,
  cancel: Cancel | undefined,
): void {
  if (cancel === undefined || !isCancelled(cancel)) return;
  Atomics.notify(cells, word, 1);
  throw cancelledError(subject, 'acquire', cancel);
}

/**
 * How often a sleeping waiter asks its `rescue` hook whether the holder has died (ms). The
 * registry learns of an exit from the agent that watches the worker and cannot wake sleepers
 * of a word it does not know, so waiters look for themselves: one wake-up per slice.
 */
export const RESCUE_SLICE_MS = 100;

/**
 * Takes the lock over when its holder is dead (returns `true`: the lock is now ours), as a
 * robust mutex's `EOWNERDEAD`. Asked before every sleep of a waiter.
 */
export type Rescue = () => boolean;

/** The end of the next sleep: the wait's deadline, or the next rescue check if sooner. */
function sliceEnd(deadline: number, rescue: Rescue | undefined): number {
  return rescue === undefined ? deadline : Math.min(deadline, now() + RESCUE_SLICE_MS);
}

export const FREE = 0;
export const HELD = 1;
export const CONTENDED = 2;

/** Takes the lock at `word` if it is free. */
export function tryLock(cells: Int32Array, word: number): boolean {
  return Atomics.compareExchange(cells, word, FREE, HELD) === FREE;
}

/** The bounded spin before sleeping: a lock is often released within a few hundred ns. */
function spinLock(cells: Int32Array, word: number): boolean {
  for (let i = 0; i < SPIN; i++) {
    if (Atomics.load(cells, word) === FREE && tryLock(cells, word)) return true;
  }
  return false;
}

/**
 * Blocks until the lock at `word` is ours. Returns whether it had to wait. With `rescue`, a
 * waiter also stops when `rescue()` took the lock over from a dead holder.
 */
export function lockSync(
  subject: Waitable,
  cells: Int32Array,
  word: number,
  wait: CheckedWait,
  rescue?: Rescue,
  cancelWords?: CancelWords,
): boolean {
  if (tryLock(cells, word) || spinLock(cells, word)) return false;
  if (tracing()) emit(subject, 'acquire');
  const { registry, id } = subject.registryRow;
  // One registry record for the whole wait (not one per rescue slice), so that snapshots see
  // one steady wait with its true start.
  let token = 0;
  const cancel = startWaiting(cells, cancelWords);
  try {
    for (;;) {
      checkCancel(subject, cells, word, cancel);
      if (Atomics.exchange(cells, word, CONTENDED) === FREE) return true;
      if (rescue?.() === true) return true;
      if (wait.deadline !== Infinity && performance.now() >= wait.deadline) {
        throw timeoutError(subject, 'acquire', wait.timeout);
      }
      if (token === 0) token = registry.beginWait(id, 'acquire', wait);
      waitSync(cells, word, CONTENDED, sliceEnd(wait.deadline, rescue));
    }
  } finally {
    if (cancelWords !== undefined) Atomics.sub(cells, cancelWords.waiters, 1);
    registry.endWait(token);
  }
}

/** The async twin of {@link lockSync}. */
export async function lockAsync(
  subject: Waitable,
  cells: Int32Array,
  word: number,
  wait: CheckedWait,
  rescue?: Rescue,
  cancelWords?: CancelWords,
): Promise<boolean> {
  if (tryLock(cells, word) || spinLock(cells, word)) return false;
  if (tracing()) emit(subject, 'acquire');
  const { registry, id } = subject.registryRow;
  let token = 0;
  const cancel = startWaiting(cells, cancelWords);
  try {
    for (;;) {
      checkCancel(subject, cells, word, cancel);
      if (Atomics.exchange(cells, word, CONTENDED) === FREE) return true;
      if (rescue?.() === true) return true;
      if (wait.deadline !== Infinity && performance.now() >= wait.deadline) {
        throw timeoutError(subject, 'acquire', wait.timeout);
      }
      if (token === 0) token = registry.beginWait(id, 'acquire', wait);
      const until = sliceEnd(wait.deadline, rescue);
      const outcome = await waitAsync(cells, word, CONTENDED, until, wait.signal);
      if (outcome === 'aborted') {
        // Our word may be left at 2 with nobody asleep: that costs the next release one
        // needless notify, never a lost wake-up.
        if (tracing()) emit(subject, 'abort');
        throw wait.signal?.reason;
      }
    }
  } finally {
    if (cancelWords !== undefined) Atomics.sub(cells, cancelWords.waiters, 1);
    registry.endWait(token);
  }
}

/**
 * Frees the lock at `word`. Returns `false` (and changes nothing) when it was not held.
 */
export function unlock(cells: Int32Array, word: number): boolean {
  const before = Atomics.exchange(cells, word, FREE);
  // Wake one sleeper: it will swap in 2 again, so that further sleepers are not forgotten.
  if (before === CONTENDED) Atomics.notify(cells, word, 1);
  return before !== FREE;
}
