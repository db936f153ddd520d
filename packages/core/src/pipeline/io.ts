/**
 * Getting from and putting into the queues between parts, with a fast path that never awaits:
 * `tryGet` / `tryPut` first, and the waiting `get` / `put` (timed for the stats) only when the
 * queue is empty / full. A pipeline part thus runs through a burst of items synchronously and
 * yields only when it must wait, which keeps the per-item cost near a plain loop's.
 *
 * @module
 */
import { ClosedError } from '../errors.js';
import type { QueueLike } from '../interfaces.js';
import type { Counters } from './counters.js';

/** Returned by {@link getWaiting} when the queue is closed and drained: the part is done. */
export const END: unique symbol = Symbol('end');

/** Waits for an item; `END` once the queue is closed (and drained, or closed at once). */
export async function getWaiting<T>(
  queue: QueueLike<T>,
  counters: Counters,
): Promise<T | typeof END> {
  const start = performance.now();
  try {
    return await queue.get();
  } catch (error) {
    if (error instanceof ClosedError) return END;
    throw error;
  } finally {
    counters.blockedOnGetMs += performance.now() - start;
  }
}

/** A queue that can wait for half its slots to be free (a `SharedQueue`). */
interface RoomWaiter {
  waitForRoom(): Promise<void>;
}

/**
 * The smallest queue {@link putWaiting} waits for half of: in a smaller one, half may be fewer
 * items than the stage has workers, which would then wait for this thread to refill it (an
 * ordered stage's own queue holds as many items as it has workers).
 */
const ROOMY = 16;

function waitsForRoom(queue: QueueLike<unknown>): queue is QueueLike<unknown> & RoomWaiter {
  return (
    queue.capacity >= ROOMY && typeof (queue as Partial<RoomWaiter>).waitForRoom === 'function'
  );
}

/**
 * Waits for room and puts `item`. Returns `false` when the queue was closed, which happens only
 * when the pipeline is stopping: the caller then stops quietly (the failure is reported once,
 * by whoever caused it).
 *
 * Into a worker stage's queue (a `SharedQueue` of {@link ROOMY} slots or more, as by default),
 * this thread waits for half the queue to be free, not for one slot: woken once per half a queue rather than once per item its workers
 * take (each wake-up is a notify the worker pays for, and a turn of this thread's event loop:
 * measured, twice what piscina's dispatch costs per CPU-heavy job without it). If the put
 * still finds no room then (another producer took it), it waits as a put does.
 */
export async function putWaiting<T>(
  queue: QueueLike<T>,
  item: T,
  counters: Counters,
): Promise<boolean> {
  const start = performance.now();
  try {
    if (waitsForRoom(queue)) {
      await queue.waitForRoom();
      if (!queue.tryPut(item)) await queue.put(item);
    } else {
      await queue.put(item);
    }
  } catch (error) {
    if (error instanceof ClosedError) return false;
    throw error;
  } finally {
    counters.blockedOnPutMs += performance.now() - start;
  }
  counted(queue, counters);
  return true;
}

/** Puts `item` now if there is room; `false` when the caller must use {@link putWaiting}. */
export function tryPutCounted<T>(queue: QueueLike<T>, item: T, counters: Counters): boolean {
  let done: boolean;
  try {
    done = queue.tryPut(item);
  } catch (error) {
    // A closed queue: let putWaiting() see it and report `false`.
    if (error instanceof ClosedError) return false;
    throw error;
  }
  if (done) counted(queue, counters);
  return done;
}

/** Puts `item`, waiting if needed; `false` when the queue was closed. */
export function put<T>(
  queue: QueueLike<T>,
  item: T,
  counters: Counters,
): boolean | Promise<boolean> {
  return tryPutCounted(queue, item, counters) || putWaiting(queue, item, counters);
}

function counted<T>(queue: QueueLike<T>, counters: Counters): void {
  counters.itemsOut++;
  const depth = queue.size;
  if (depth > counters.peakQueueDepth) counters.peakQueueDepth = depth;
}

/** Whether `value` is a promise or another thenable (to be awaited). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Whether `value` can be iterated with `for await` (async or sync iterable). */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/** Whether `value` is a sync iterable (strings excluded: a source of characters is a mistake). */
export function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}
