// Fault injection (issue 10, "Done when"): MPMC runs of a SharedQueue between 3 producers and 3
// consumers in real worker_threads, with workers terminated at random instants, many trials.
// After each trial: no item doubled; every item put was got by a survivor or is accounted to a
// dead consumer by name (its gets claimed it; the queue's claim table counts it even when the
// consumer died between claiming and freeing); no survivor hangs (each trial must end, closed
// by close()); and the queue's own books balance (published = got). Prints its figures.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SharedQueue, SharedRegistry, useRegistry } from '../../src/index.js';
import { ENTRY_USED_WORDS, ENTRY_WORDS } from '../../src/shared/ring.js';
import { type Agent, settleBooks } from './fault-books.js';
import {
  eventually,
  guarded,
  messageWith as message,
  seeded as generator,
  skipAgentIds,
  startWorker,
  terminateAll,
} from './workers.js';

afterEach(terminateAll);

const TRIALS = Number(process.env.FAULT_TRIALS ?? 16);
const PRODUCERS = 3;
const CONSUMERS = 3;
const ITEMS = 2_000; // per producer

interface Totals {
  trials: number;
  kills: number;
  items: number;
  attributed: number;
  lostInSlots: number;
  lostOtherwise: number;
  doubled: number;
  longestStall: number;
  timeouts: number;
  byAgent: Map<string, number>;
}
const totals: Totals = {
  trials: 0,
  kills: 0,
  items: 0,
  attributed: 0,
  lostInSlots: 0,
  lostOtherwise: 0,
  doubled: 0,
  longestStall: 0,
  timeouts: 0,
  byAgent: new Map(),
};

afterAll(() => {
  const named = [...totals.byAgent].map(([name, n]) => `${name}: ${n}`).join(', ');
  console.log(
    `fault injection: ${totals.trials} trials, ${totals.kills} workers killed, ${totals.items} items put, ` +
      `${totals.attributed} items attributed to dead consumers (${totals.lostInSlots} of them freed from ` +
      `their claimed slots by survivors)${named ? ` [${named}]` : ''}, ${totals.lostOtherwise} lost otherwise, ` +
      `${totals.doubled} doubled, longest survivor call ${totals.longestStall.toFixed(0)} ms, ` +
      `${totals.timeouts} timed-out calls`,
  );
});

/** How long a step of a trial may take before it counts as hung. */
const GUARD_MS = 30_000;

/**
 * The ring's raw words, for a hang report: head, tail, every mark, and each agent's claim
 * table row (put intent start/count, get intent start/count) with its state.
 */
function ringState(queue: SharedQueue<number>, registry: SharedRegistry): string {
  const ring = (queue as unknown as { ring: Record<string, unknown> }).ring;
  const cells = ring.cells as Int32Array;
  const at = (name: string): number => ring[name] as number;
  const marks = (base: string): string =>
    Array.from({ length: queue.capacity }, (_, i) => cells[at(base) + i]).join(' ');
  const rows: string[] = [];
  for (let row = 0; row < at('rows'); row++) {
    const base = at('table') + row * ENTRY_WORDS;
    const words = Array.from(cells.subarray(base, base + ENTRY_USED_WORDS));
    if (words.every((w) => w === 0)) continue;
    const id = row + 1;
    rows.push(
      `#${id} ${registry.agentName(id)}${registry.hasExited(id) ? ' (exited)' : ''}: [${words.join(' ')}]`,
    );
  }
  return (
    `ring: head ${cells[at('head')]}, tail ${cells[at('tail')]}, mark ${at('markBit')}, ` +
    `lap ${at('oneLap')}, published [${marks('pub')}], freed [${marks('free')}]; ` +
    `claim rows ${rows.join('; ')}`
  );
}

/** Each agent's name and state, and what it waits in, for a hang report. */
function agentStates(registry: SharedRegistry): string {
  return registry
    .snapshot()
    .agents.map((a) => `${a.name} ${a.state}${a.waitingOn ? ` in ${a.waitingOn.op}` : ''}`)
    .join('; ');
}

async function trial(seed: number): Promise<void> {
  const random = generator(seed);
  // A registry per trial: agent ids start afresh, and the claim table tracks them all. Every
  // fourth trial runs as in a process that has started some 300 workers before: a registry of
  // 512 agents whose next ids are past 256 (the claim table follows the registry's size).
  const manyAgents = seed % 4 === 3;
  const registry = SharedRegistry.create(manyAgents ? { maxAgents: 512 } : {});
  useRegistry(registry);
  if (manyAgents) skipAgentIds(registry, 300);
  const codec = seed % 3 === 2 ? 'json' : 'float64';
  const capacity = 1 + random(64);
  const queue = new SharedQueue<number>({ capacity, codec, name: `faults#${seed}` });
  const seen = new SharedArrayBuffer(PRODUCERS * ITEMS * 4);
  const progress = new SharedArrayBuffer(PRODUCERS * 4);
  const dups = new SharedArrayBuffer(4);
  const stats = new SharedArrayBuffer((PRODUCERS + CONSUMERS) * 16);
  const start = new SharedArrayBuffer(4);
  const common = { handle: queue.handle, items: ITEMS, seen, progress, dups, stats, start };
  const roles = [
    ...Array.from({ length: PRODUCERS }, (_, i) => ({ role: 'producer', index: i, slot: i })),
    ...Array.from({ length: CONSUMERS }, (_, i) => ({
      role: 'consumer',
      index: i,
      slot: PRODUCERS + i,
    })),
  ];
  const workers = roles.map((r) =>
    startWorker('fault-agent', { ...common, ...r, seed: seed * 16 + r.slot + 1 }),
  );
  const finished = workers.map((w) => message(w, 'done'));
  const ready = await Promise.all(workers.map((w) => message(w, 'ready')));
  const agentOf = ready.map((m) => (m === 'exited' ? 0 : (m.agent as number)));
  expect(agentOf.every((id) => id > 0 && (!manyAgents || id > 256))).toBe(true);

  // Victims: up to 2 producers and up to 2 consumers (one of each kind always survives).
  const victims = new Set<number>();
  for (const [first, count] of [
    [0, PRODUCERS],
    [PRODUCERS, CONSUMERS],
  ] as const) {
    const kills = random(3);
    for (let k = 0; k < kills; k++) victims.add(first + random(count));
  }
  if (victims.size === 0) victims.add(random(PRODUCERS + CONSUMERS));
  const done = new Set<number>();
  finished.forEach((f, i) => void f.then(() => done.add(i)));
  const killed = new Set<number>();
  // Each victim dies when the producers have put a random share of the items, so that kills
  // land while items flow (a victim that finished first is left alone).
  const progressCells = new Int32Array(progress);
  const putSoFar = (): number => {
    let total = 0;
    for (let p = 0; p < PRODUCERS; p++) total += Atomics.load(progressCells, p);
    return total;
  };
  const kills = [...victims].map((i) => {
    const threshold = random(PRODUCERS * ITEMS);
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (done.has(i)) return resolve();
        // No more items can come once every producer has finished or been killed (a killed
        // producer's share never arrives): then the threshold may be out of reach, kill now.
        const flowing = Array.from({ length: PRODUCERS }, (_, p) => p).some(
          (p) => !done.has(p) && !killed.has(p),
        );
        if (putSoFar() < threshold && flowing) {
          setImmediate(check);
          return;
        }
        killed.add(i);
        void workers[i]!.terminate().then(() => resolve());
      };
      check();
    });
  });
  const cells = new Int32Array(start);
  Atomics.store(cells, 0, 1);
  Atomics.notify(cells, 0);

  await guarded(Promise.all(kills), `trial ${seed}: kills`, GUARD_MS).catch((error: unknown) => {
    // The producers stopped before the kill thresholds: say what the queue looked like.
    console.log(
      `trial ${seed} hung before its kills: capacity ${capacity}, size ${queue.size}, ` +
        `put ${putSoFar()}, killed [${[...killed].join(', ')}], done [${[...done].join(', ')}]; ` +
        `agents: ${agentStates(registry)}; ${ringState(queue, registry)}`,
    );
    throw error;
  });
  // Every victim marked exited (watchWorker), then the producers that live finish...
  for (const i of killed)
    await eventually(() => (registry.hasExited(agentOf[i]!) ? true : undefined));
  await guarded(
    Promise.all(finished.slice(0, PRODUCERS)),
    `trial ${seed}: producers`,
    GUARD_MS,
  ).catch((error: unknown) => {
    // A hang is rare (seen about once in 300 trials under load): say what the queue and the
    // agents looked like, so that the next run that hits it explains itself.
    console.log(
      `trial ${seed} hung: capacity ${capacity}, size ${queue.size}, killed [${[...killed].join(', ')}]; ` +
        `agents: ${agentStates(registry)}; figures ${JSON.stringify(queue.figures())}; ` +
        ringState(queue, registry),
    );
    throw error;
  });
  // ... and close() ends every consumer once the queue is drained.
  queue.close();
  await guarded(
    Promise.all(finished.slice(PRODUCERS)),
    `trial ${seed}: consumers after close()`,
    GUARD_MS,
  );

  // Accounting.
  const side = (first: number, count: number): Agent[] =>
    Array.from({ length: count }, (_, i) => ({
      agent: agentOf[first + i]!,
      killed: killed.has(first + i),
    }));
  const { published, inHands, lostOtherwise, doubled } = settleBooks(
    queue,
    side(0, PRODUCERS),
    side(PRODUCERS, CONSUMERS),
    { progress, seen, dups },
    ITEMS,
  );
  const losses = new Map(queue.losses().map((l) => [l.agent.id, l]));
  let attributed = 0;
  let lostInSlots = 0;
  inHands.forEach((held, c) => {
    const agent = agentOf[PRODUCERS + c]!;
    attributed += held;
    if (held > 0) {
      const name = registry.agentName(agent);
      totals.byAgent.set(name, (totals.byAgent.get(name) ?? 0) + held);
    }
    lostInSlots += losses.get(agent)?.items ?? 0;
  });
  const statCells = new Float64Array(stats);
  let longest = 0;
  let timeouts = 0;
  for (let w = 0; w < PRODUCERS + CONSUMERS; w++) {
    if (killed.has(w)) continue;
    longest = Math.max(longest, statCells[w * 2]!);
    timeouts += statCells[w * 2 + 1]!;
  }
  totals.trials++;
  totals.kills += killed.size;
  totals.items += published;
  totals.attributed += attributed;
  totals.lostInSlots += lostInSlots;
  totals.lostOtherwise += lostOtherwise;
  totals.doubled += doubled;
  totals.longestStall = Math.max(totals.longestStall, longest);
  totals.timeouts += timeouts;
  expect(doubled, `trial ${seed}: doubled items`).toBe(0);
  expect(
    lostOtherwise,
    `trial ${seed}: items lost without a dead consumer to account for them`,
  ).toBe(0);
  expect(lostInSlots).toBeLessThanOrEqual(attributed);
  expect(queue.size).toBe(0);
}

describe('SharedQueue under fault injection (workers terminated at random instants)', () => {
  it(
    `${TRIALS} MPMC trials (${PRODUCERS} producers, ${CONSUMERS} consumers): nothing doubled, nothing lost unaccounted, nobody hangs`,
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
