// The books of a fault-injection trial (faults.workers.test.ts, faults-one-to-one.workers.test.ts):
// what each producer published and each consumer took, from the queue's own figures, against
// what the agents recorded in shared memory (fixtures/fault-agent.mjs), with the checks that
// hold whatever instant a worker was killed at.
import { expect } from 'vitest';
import type { SharedQueue } from '../../src/index.js';

/** One worker of a side: its registry id, and whether the trial killed it. */
export interface Agent {
  readonly agent: number;
  readonly killed: boolean;
}

export interface Books {
  /** Items the producers published (their put claims, less revoked ones). */
  readonly published: number;
  /** Items each consumer recorded, by consumer index. */
  readonly recorded: number[];
  /** Items each killed consumer had taken and not recorded (0 for the others). */
  readonly inHands: number[];
  /** Items published and neither recorded nor in a killed consumer's hands. */
  readonly lostOtherwise: number;
  readonly doubled: number;
}

/**
 * Settles the books: producer `p` recorded in `progress[p]` how many of its `items` its puts
 * returned for, consumer `c` tagged each item it got with `c + 1` in `seen` (a second tag counted
 * in `dups`). A live producer published all its items, a killed one at least what returned; a
 * live consumer recorded every item it got, a killed one at most that.
 */
export function settleBooks(
  queue: SharedQueue<number>,
  producers: readonly Agent[],
  consumers: readonly Agent[],
  shared: { progress: SharedArrayBuffer; seen: SharedArrayBuffer; dups: SharedArrayBuffer },
  items: number,
): Books {
  const figures = new Map(queue.figures().map((f) => [f.id, f]));
  const progress = new Int32Array(shared.progress);
  const recorded = new Array<number>(consumers.length).fill(0);
  for (const tag of new Int32Array(shared.seen)) if (tag > 0) recorded[tag - 1]!++;
  let published = 0;
  producers.forEach(({ agent, killed }, p) => {
    const f = figures.get(agent);
    const put = (f?.claimedPuts ?? 0) - (f?.holes ?? 0);
    published += put;
    if (!killed) {
      expect(put, `producer ${p} (alive) put every item once`).toBe(items);
      expect(Atomics.load(progress, p), `producer ${p} (alive): every put returned`).toBe(items);
    } else expect(put).toBeGreaterThanOrEqual(Atomics.load(progress, p));
  });
  const inHands = consumers.map(({ agent, killed }, c) => {
    const got = figures.get(agent)?.got ?? 0;
    if (!killed) {
      expect(got, `consumer ${c} (alive) recorded every item it got`).toBe(recorded[c]);
      return 0;
    }
    expect(got).toBeGreaterThanOrEqual(recorded[c]!);
    return got - recorded[c]!;
  });
  const seenCount = recorded.reduce((a, b) => a + b, 0);
  const held = inHands.reduce((a, b) => a + b, 0);
  return {
    published,
    recorded,
    inHands,
    lostOtherwise: published - seenCount - held,
    doubled: Atomics.load(new Int32Array(shared.dups), 0),
  };
}
