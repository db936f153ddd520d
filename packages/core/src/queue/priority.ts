/**
 * {@link PriorityQueue}: a queue that gives back the smallest item first.
 *
 * @module
 */
import { HeapStore, naturalOrder, type Compare } from './heap.js';
import { Queue, type QueueOptions } from './queue.js';
import type { Store } from './store.js';

/** Options of `new PriorityQueue()`. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders items: negative when `a` comes out before `b`. Default: `<` on the items, as in
   * Python. Must be a consistent total order and must not throw.
   */
  compare?: Compare<T>;
}

/**
 * A priority queue, like Python's `queue.PriorityQueue`: `get` returns the smallest item by
 * `compare`; items that compare equal come out in the order they were put (Python's heap does
 * not promise that). `put` and `get` are O(log n). Everything else is as in {@link Queue}.
 *
 * @example
 * ```ts
 * const jobs = new PriorityQueue<{ priority: number; name: string }>({
 *   capacity: 100,
 *   compare: (a, b) => a.priority - b.priority,
 * });
 * await jobs.put({ priority: 2, name: 'later' });
 * await jobs.put({ priority: 1, name: 'first' });
 * (await jobs.get()).name; // 'first'
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  static override readonly kindName: string = 'PriorityQueue';

  /** @throws TypeError when `compare` is not a function; RangeError naming a bad `capacity`. */
  constructor(options?: PriorityQueueOptions<T>) {
    super(options);
  }

  protected override createStore(options: PriorityQueueOptions<T> | undefined): Store<T> {
    const compare = options?.compare ?? naturalOrder;
    if (typeof compare !== 'function') {
      throw new TypeError(`compare must be a function (a, b) => number, got ${typeof compare}`);
    }
    return new HeapStore<T>(compare);
  }
}
