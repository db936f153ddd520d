/**
 * Timeouts, abort signals and pauses for the queue's waiting calls, with core's semantics: a
 * call gives up with `TimeoutError` after `timeout` ms, or with `signal.reason` when the signal
 * aborts, and leaves no trace when it gives up while still waiting.
 *
 * @module
 */
import { TimeoutError, type WaitOptions } from '@baton/core';
import { describe } from './options.js';

/** Checks `options` of a waiting call; returns the timeout in ms (`Infinity` when absent). */
export function checkWait(what: string, options: WaitOptions | undefined): number {
  if (options === undefined) return Infinity;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${what}: options must be an object, got ${describe(options)}`);
  }
  const { timeout, signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== 'number') {
    throw new TypeError(
      `${what}: timeout must be a number of milliseconds, got ${describe(timeout)}`,
    );
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`${what}: timeout must be a non-negative number of ms, got ${timeout}`);
  }
  return timeout;
}

/** The error a call gives up with after `timeout` ms. */
export function timedOut(what: string, timeout: number): TimeoutError {
  return new TimeoutError(`${what} timed out after ${timeout} ms`, timeout);
}

/** One parked call: settled once, by whichever comes first. */
export interface Parked<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

/**
 * Parks a call in `list` until it is resolved or rejected through the list, its `timeout`
 * expires or its `signal` aborts; a call that gives up leaves the list.
 */
export function park<V>(
  list: Parked<V>[],
  what: string,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
    };
    const entry: Parked<V> = {
      resolve: (value) => {
        done();
        resolve(value);
      },
      reject: (error) => {
        done();
        reject(error);
      },
    };
    const onAbort = (): void => entry.reject(signal?.reason);
    list.push(entry);
    if (Number.isFinite(timeout)) {
      timer = setTimeout(() => entry.reject(timedOut(what, timeout)), timeout);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Pauses of polling loops (waiting for room, for `join`): each lasts at most its `ms`, ends
 * early on `wake()` (a local close, an ack that frees room), and rejects when `signal` aborts.
 */
export class Pauses {
  private readonly sleepers = new Set<() => void>();

  pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // Aborted while a Redis call was in flight: its 'abort' event has fired already.
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const end = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.sleepers.delete(end);
        resolve();
      };
      const onAbort = (): void => {
        end();
        reject(signal?.reason);
      };
      const timer = setTimeout(end, ms);
      this.sleepers.add(end);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends every pause now. */
  wake(): void {
    for (const end of [...this.sleepers]) end();
  }
}
