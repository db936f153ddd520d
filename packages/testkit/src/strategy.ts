/**
 * How the explorer picks which ready continuation goes next, and how long it lets it run alone:
 * uniformly at random, or by PCT (Burckhardt et al., "A Randomized Scheduler with Probabilistic
 * Guarantees of Finding Bugs", ASPLOS 2010): each task gets a random priority, the
 * highest-priority ready task always runs, and at `depth - 1` random steps the running task drops
 * below every other. A bug that needs `d` ordering constraints is found with probability at least
 * 1 / (n * k^(d-1)) per run.
 *
 * Each choice also has a *gap*: how many microtask turns the explorer lets pass before it picks
 * again (a turn runs every microtask queued so far, so every released task advances past about
 * one plain `await`). No gap (`undefined`) means "let everything released run until it stops at a
 * switch point or finishes". A small gap releases the next continuation while the previous one
 * is still between its plain `await`s, which is how plain-`await` races are explored (see
 * explore.ts). Both strategies draw gaps the same way: half the choices run to the next switch
 * point, the others get a gap of 0, 1, 2, ... turns with probability 1/4, 1/8, 1/16, ...
 *
 * @module
 */

/** A ready continuation the explorer may run next. */
export interface Ready {
  /** The task it belongs to. */
  readonly agent: string;
}

/** One decision of the explorer. */
export interface Choice {
  /** Which ready continuation to resume. */
  readonly index: number;
  /**
   * How many microtask turns to let pass before the next decision; `undefined`: until nothing
   * runs any more (every released task stopped at a switch point or finished).
   */
  readonly gap: number | undefined;
}

/** Picks the next continuation to run among `ready` (never empty), and its gap. */
export type Chooser = (ready: readonly Ready[], step: number) => Choice;

/** The largest gap a strategy draws (longer plain-await chains need the opt-in plugin). */
export const MAX_GAP = 15;

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

/** Draws a gap: none with probability 1/2, else 0, 1, 2, ... with probability 1/4, 1/8, ... */
function drawGap(next: () => number): number | undefined {
  const u = next();
  if (u < 0.5) return undefined;
  // u in [0.5, 1): 1 - u in (0, 0.5]; each halving is one more turn.
  return Math.min(MAX_GAP, Math.floor(-Math.log2(1 - u)) - 1);
}

/** Uniformly random choices (with gaps, unless `gaps` is false). */
export function randomChooser(seed: number, gaps = true): Chooser {
  const next = random(seed);
  return (ready) => {
    const index = Math.floor(next() * ready.length);
    return { index, gap: gaps ? drawGap(next) : undefined };
  };
}

/**
 * PCT choices for one run. `steps` estimates how many scheduling steps a run takes (the
 * explorer passes the longest run seen so far), `depth` is the bug depth to aim for; `gaps`
 * false keeps every choice gapless.
 */
export function pctChooser(seed: number, depth: number, steps: number, gaps = true): Chooser {
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
    return { index: best, gap: gaps ? drawGap(next) : undefined };
  };
}
