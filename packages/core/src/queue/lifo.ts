/**
 * {@link LifoQueue}: a queue that gives back the newest item first.
 *
 * @module
 */
import { Queue, type QueueOptions } from './queue.js';
import { StackStore, type Store } from './store.js';

/**
 * A last-in, first-out queue, like Python's `queue.LifoQueue`: `get` returns the item put most
 * recently. Everything else (capacity, FIFO order of *waiters*, `close`, `join`) is as in
 * {@link Queue}.
 *
 * @example
 * ```ts
 * const stack = new LifoQueue<string>();
 * await stack.put('a');
 * await stack.put('b');
 * await stack.get(); // 'b'
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  static override readonly kindName: string = 'LifoQueue';

  constructor(options?: QueueOptions) {
    super(options);
  }

  protected override createStore(): Store<T> {
    return new StackStore<T>();
  }
}
