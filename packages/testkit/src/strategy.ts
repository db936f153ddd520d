/**
 * How the explorer picks which ready task goes next: uniformly at random, or by PCT
 * (Burckhardt et al., "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs",
 * ASPLOS 2010): each task gets a random priority, the highest-priority ready task always runs,
 * and at `depth - 1` random steps the running task drops below every other. A bug that needs
 * `d` ordering constraints is found with probability at least 1 / (n * k^(d-1)) per run.
 *
 * @module
 */

/** A ready continuation the explorer may run next. */
export interface Ready {
  /** The task it belongs to. */
  readonly agent: string;
}

/** Picks the index of the next continuation to run among `ready` (never empty). */
export type Chooser = (ready: readonly Ready[], step: number) => number;

/** A seeded 32-bit generator (mulberry32): the same seed gives the same numbers everywhere. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a base seed and a run number into the seed of that run. */
export function runSeed(seed: number, run: number): number {
  let h = (seed ^ Math.imul(run + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniformly random choices. */
export function randomChooser(seed: number): Chooser {
  const next = random(seed);
  return (ready) => Math.floor(next() * ready.length);
}

/**
 * PCT choices for one run. `steps` estimates how many scheduling steps a run takes (the
 * explorer passes the longest run seen so far), `depth` is the bug depth to aim for.
 */
export function pctChooser(seed: number, depth: number, steps: number): Chooser {
  const next = random(seed);
  const priority = new Map<string, number>();
  // Change points: the step numbers at which the running task drops to a low priority.
  const changes = new Map<number, number>();
  for (let i = 1; i < depth; i++) changes.set(Math.floor(next() * Math.max(1, steps)), depth - i);
  const rank = (agent: string): number => {
    let p = priority.get(agent);
    if (p === undefined) {
      // Initial priorities lie above every change-point priority (which are below `depth`).
      p = depth + next();
      priority.set(agent, p);
    }
    return p;
  };
  return (ready, step) => {
    let best = 0;
    for (let i = 1; i < ready.length; i++) {
      if (rank((ready[i] as Ready).agent) > rank((ready[best] as Ready).agent)) best = i;
    }
    const low = changes.get(step);
    if (low !== undefined) priority.set((ready[best] as Ready).agent, low);
    return best;
  };
}

/** Follows a recorded schedule; throws when the run no longer matches it. */
export function replayChooser(choices: readonly number[]): Chooser {
  return (ready, step) => {
    const choice = choices[step];
    if (choice === undefined) {
      throw new ScheduleMismatch(
        `the schedule ends after ${choices.length} steps, but the run goes on`,
      );
    }
    if (choice >= ready.length) {
      throw new ScheduleMismatch(
        `at step ${step} the schedule picks #${choice}, but only ${ready.length} ${ready.length === 1 ? 'task is' : 'tasks are'} ready`,
      );
    }
    return choice;
  };
}

/** The run diverged from the schedule being replayed. */
export class ScheduleMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleMismatch';
  }
}

/** `"0.1.1.0"` -> `[0, 1, 1, 0]`. */
export function parseSchedule(schedule: string): number[] {
  if (typeof schedule !== 'string') {
    throw new TypeError(`replay: schedule must be a string, got ${typeof schedule}`);
  }
  const body = schedule.includes(':') ? schedule.slice(schedule.lastIndexOf(':') + 1) : schedule;
  if (body === '') return [];
  return body.split('.').map((part, i) => {
    const n = Number(part);
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(n)) {
      throw new TypeError(`replay: schedule step ${i} is ${JSON.stringify(part)}, not an index`);
    }
    return n;
  });
}
