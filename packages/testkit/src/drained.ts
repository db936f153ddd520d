/**
 * "Drained": the queue was closed, nothing is left in it, nobody still waits on it, and every
 * consumer has finished. The end state of a clean shutdown.
 *
 * @module
 */
import type { QueueLike } from '@baton/core';
import { AssertionError } from './assertion.js';
import { count, list } from './format.js';

/** What {@link checkDrained} looks at; the in-thread `Queue` has all of it. */
export type DrainableQueue = Pick<QueueLike<unknown>, 'closed' | 'size'> & {
  readonly name?: string;
  readonly waitingGetters?: number;
  readonly waitingPutters?: number;
};

/** Options of {@link assertDrained}. */
export interface DrainedOptions {
  /** The consumers' promises, by name (or in an array): each must have settled. */
  consumers?: Readonly<Record<string, PromiseLike<unknown>>> | readonly PromiseLike<unknown>[];
}

/**
 * Why the queue is not drained, or `undefined` when it is. Lets pending callbacks run first.
 *
 * @example
 * ```ts
 * const problem = await checkDrained(queue, { consumers: [consumer] });
 * // e.g. 'expected queue jobs drained: it was not closed; consumer 0 has not finished'
 * if (problem !== undefined) console.log(problem);
 * ```
 */
export async function checkDrained(
  queue: DrainableQueue,
  options: DrainedOptions = {},
): Promise<string | undefined> {
  if (queue === null || typeof queue !== 'object') {
    throw new TypeError(`assertDrained: queue must be a queue, got ${String(queue)}`);
  }
  const entries: [string, PromiseLike<unknown>][] = Array.isArray(options.consumers)
    ? (options.consumers as readonly PromiseLike<unknown>[]).map((p, i) => [`consumer ${i}`, p])
    : Object.entries(options.consumers ?? {});
  const settled = new Set<string>();
  for (const [name, promise] of entries) {
    promise.then(
      () => settled.add(name),
      () => settled.add(name),
    );
  }
  // Let continuations already queued (a consumer finishing its last get) run before judging.
  await macrotask();
  await macrotask();
  const problems: string[] = [];
  if (!queue.closed) problems.push('it was not closed');
  if (queue.size > 0) problems.push(`it still holds ${count(queue.size, 'item')}`);
  const getters = queue.waitingGetters ?? 0;
  const putters = queue.waitingPutters ?? 0;
  if (getters > 0)
    problems.push(`${count(getters, 'task')} still wait${getters === 1 ? 's' : ''} in get()`);
  if (putters > 0)
    problems.push(`${count(putters, 'task')} still wait${putters === 1 ? 's' : ''} in put()`);
  const running = entries.map(([name]) => name).filter((name) => !settled.has(name));
  if (running.length > 0) {
    problems.push(`${list(running)} ${running.length === 1 ? 'has' : 'have'} not finished`);
  }
  if (problems.length === 0) return undefined;
  return `expected queue ${queue.name ?? ''} drained: ${problems.join('; ')}`.replace(
    'queue  ',
    'queue ',
  );
}

/**
 * Asserts a clean end: the queue is closed and empty, no task waits on it, and every consumer
 * finished.
 *
 * @example
 * ```ts
 * const consumers = { c1: task('c1', consume), c2: task('c2', consume) };
 * await produceAll(); queue.close();
 * await assertDrained(queue, { consumers });
 * ```
 */
export async function assertDrained(
  queue: DrainableQueue,
  options?: DrainedOptions,
): Promise<void> {
  const problem = await checkDrained(queue, options);
  if (problem !== undefined) throw new AssertionError(problem);
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
