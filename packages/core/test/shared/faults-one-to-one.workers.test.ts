// Fault injection on a one-to-one SharedQueue (oneToOne: true): one producer and one consumer
// at a time in real worker_threads, each killed at random instants (up to twice per side) and
// replaced by a new worker that takes its role over, many trials. After each trial: no item
// doubled; every item the producers published was got by a consumer, or is in the hands of a
// consumer that died after taking it (the queue's books count what each consumer took, even
// one that died between its CAS and its count); the last producer put all of its items, and
// the queue is empty after close(). The agents are the MPMC suite's (fixtures/fault-agent.mjs):
// every kind of call, blocking, async and never waiting, single and batch, with timeouts.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SharedQueue, SharedRegistry, useRegistry } from '../../src/index.js';
import {
  eventually,
  guarded,
  messageWith as message,
  seeded as generator,
  startWorker,
  terminateAll,
} from './workers.js';
import { type Agent, settleBooks } from './fault-books.js';

afterEach(terminateAll);

const TRIALS = Number(process.env.FAULT_TRIALS ?? 12);
/** Workers per side: up to `SIDE - 1` are killed, the last one finishes. */
const SIDE = 3;
const ITEMS = 2_000; // per producer

const totals = { trials: 0, kills: 0, items: 0, attributed: 0, lostOtherwise: 0, doubled: 0 };

afterAll(() => {
  console.log(
    `one-to-one fault injection: ${totals.trials} trials, ${totals.kills} workers killed, ` +
      `${totals.items} items put, ${totals.attributed} in the hands of killed consumers, ` +
      `${totals.lostOtherwise} lost otherwise, ${totals.doubled} doubled`,
  );
});

/** Resolves 'done' if `done` settles first, else 'reached' once `reached()` holds. */
function until(reached: () => boolean, done: Promise<unknown>): Promise<'done' | 'reached'> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  return new Promise((resolve) => {
    const check = (): void => {
      if (finished) resolve('done');
      else if (reached()) resolve('reached');
      else setImmediate(check);
    };
    check();
  });
}

async function trial(seed: number): Promise<void> {
  const random = generator(seed);
  const registry = SharedRegistry.create();
  useRegistry(registry);
  const codec = seed % 3 === 2 ? 'json' : 'float64';
  const capacity = 1 + random(64);
  const queue = new SharedQueue<number>({
    capacity,
    codec,
    name: `pair-faults#${seed}`,
    oneToOne: true,
  });
  const seen = new SharedArrayBuffer(SIDE * ITEMS * 4);
  const progress = new SharedArrayBuffer(SIDE * 4);
  const dups = new SharedArrayBuffer(4);
  const stats = new SharedArrayBuffer(2 * SIDE * 16);
  const start = new SharedArrayBuffer(4);
  Atomics.store(new Int32Array(start), 0, 1); // every worker starts at once
  const common = { handle: queue.handle, items: ITEMS, seen, progress, dups, stats, start };
  const progressCells = new Int32Array(progress);
  const putSoFar = (): number => {
    let total = 0;
    for (let p = 0; p < SIDE; p++) total += Atomics.load(progressCells, p);
    return total;
  };
  const producerKills = random(SIDE);
  const consumerKills = random(SIDE);
  const producers: number[] = []; // agent ids, in turn
  const consumers: number[] = [];
  const killed = new Set<number>();
  let producing = true;

  // One side: workers in turn; each but the last is killed at a random instant (unless it
  // finished first), and the next starts once the registry knows it exited.
  const side = async (
    role: 'producer' | 'consumer',
    kills: number,
    agents: number[],
    ready: (index: number, threshold: number) => boolean,
  ): Promise<void> => {
    for (let index = 0; ; index++) {
      const worker = startWorker('fault-agent', {
        ...common,
        role,
        index,
        slot: (role === 'producer' ? 0 : SIDE) + index,
        seed: seed * 16 + (role === 'producer' ? 0 : 8) + index + 1,
      });
      const done = message(worker, 'done');
      const hello = await message(worker, 'ready');
      if (hello === 'exited') throw new Error(`${role} ${index} exited before it was ready`);
      const agent = hello.agent as number;
      agents.push(agent);
      if (index >= kills) {
        await guarded(done, `trial ${seed}: last ${role}`, 60_000);
        return;
      }
      const threshold = random(ITEMS);
      if ((await until(() => ready(index, threshold), done)) === 'done') return;
      await worker.terminate();
      killed.add(agent);
      await eventually(() => (registry.hasExited(agent) ? true : undefined));
    }
  };
  const producing$ = side('producer', producerKills, producers, (index, threshold) => {
    return Atomics.load(progressCells, index) >= threshold;
  }).finally(() => (producing = false));
  // A consumer dies once the producers have put a random share, or once they are done.
  const consuming$ = side('consumer', consumerKills, consumers, (_index, threshold) => {
    return putSoFar() >= threshold * (1 + producerKills) || !producing;
  });
  await producing$;
  queue.close(); // the last consumer drains what is left, then ends
  await consuming$;

  // Accounting.
  const books = (agents: number[]): Agent[] =>
    agents.map((agent) => ({ agent, killed: killed.has(agent) }));
  const { published, inHands, lostOtherwise, doubled } = settleBooks(
    queue,
    books(producers),
    books(consumers),
    { progress, seen, dups },
    ITEMS,
  );
  const attributed = inHands.reduce((a, b) => a + b, 0);
  totals.trials++;
  totals.kills += killed.size;
  totals.items += published;
  totals.attributed += attributed;
  totals.lostOtherwise += lostOtherwise;
  totals.doubled += doubled;
  expect(doubled, `trial ${seed}: doubled items`).toBe(0);
  expect(lostOtherwise, `trial ${seed}: items lost without a dead consumer holding them`).toBe(0);
  expect(queue.losses()).toEqual([]);
  expect(queue.size).toBe(0);
}

describe('one-to-one SharedQueue under fault injection (workers terminated at random instants)', () => {
  it(
    `${TRIALS} trials (producer and consumer each killed up to ${SIDE - 1} times and replaced): nothing doubled, nothing lost unaccounted, nobody hangs`,
    async () => {
      const base = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
      for (let t = 0; t < TRIALS; t++) {
        await trial(base + t);
        await terminateAll();
      }
    },
    Math.max(300_000, TRIALS * 5_000),
  );
});
