/**
 * Schedule exploration: run an async scenario under many interleavings, stop at the first run
 * that fails (throws, or deadlocks), and print the seed and the schedule that {@link replay}
 * follows to reproduce it exactly.
 *
 * Run 1 is the natural schedule: nothing is steered (every continuation goes on as soon as it
 * can, through the same promises and in the same microtask turns as with no explorer), only
 * watched, so exploration contains the plain run: whatever a plain test shows, run 1 shows, and
 * a deadlock there is explained with the wait-for graph like any other.
 *
 * How later runs control the order: the explorer is core's `Scheduler`, so every waiter a
 * primitive wakes (a lock handed over, an item delivered) becomes a *ready* continuation instead
 * of resuming at once; so does every waiting call that completes at once (an uncontended
 * `acquire`, a `put` with room, a `get` that finds an item: it takes what it asked for at once,
 * only its continuation waits), every `task()` start, every `await checkpoint()` and, with the
 * awaitPoints() plugin, every rewritten `await`. The explorer picks one ready continuation (by
 * the strategy, or the schedule being replayed) and resumes it.
 *
 * Plain `await`s: JavaScript gives no way to stop a task at a plain `await` from outside (its
 * continuation is queued on the microtask queue by the engine, and a promise hook can watch it
 * but not hold it back). What the explorer does control is *when* it releases the next ready
 * continuation relative to the ones already running. So each choice has a gap: either none (let
 * every microtask run, so what was released runs until it stops at a switch point or finishes,
 * then pick again), or a number of microtask turns `g` (pick again after `g` turns of the
 * microtask queue, while what was released is still between its plain `await`s). A turn is one
 * `await` of an already resolved promise by the explorer: its continuation is queued behind
 * every microtask queued so far, so each released task advances about one plain `await` per
 * turn. This is sound: every run is a real execution of the scenario in which some
 * continuations merely started later than they could have (as if a timer or I/O had delayed
 * them); no continuation is reordered against the engine's own rules, so no failure found is an
 * artefact of the explorer. It is also exact to replay: the engine's microtask order is
 * deterministic, so the same choices and gaps give the same interleaving. What it cannot do is
 * hold one task at a plain `await` while another runs many turns (the chance of a long enough
 * gap halves with each turn); the opt-in `awaitPoints()` plugin (vite.ts) makes every `await`
 * a switch point for that.
 *
 * When nothing is ready, every microtask has run, no timer is pending and the scenario has not
 * finished, no interleaving can ever finish it: that run deadlocked.
 *
 * A scenario must build its primitives and state afresh on each call, and must not depend on
 * anything else nondeterministic (timers, I/O, `Math.random`), or replays may differ.
 *
 * @module
 */
import { setScheduler, type Scheduler, type TraceEvent } from '@baton/core';
import { formatWaitFor } from './explain.js';
import { subscribe } from './hub.js';
import {
  closeScope,
  currentScope,
  openScope,
  outsideScope,
  runInScope,
  scopesTracked,
  type Scope,
} from './scope.js';
import {
  formatSchedule,
  NATURAL,
  parseSchedule,
  replayChooser,
  ScheduleError,
  stepOf,
  type NamedStep,
} from './schedule.js';
import {
  pctChooser,
  randomChooser,
  runSeed,
  type Choice,
  type Chooser,
  type Ready,
} from './strategy.js';
import { explainWorkers, Steering, WorkerWatch, type ParkedWorker } from './steer.js';
import { currentTask, observeTasks, runNamed, setTaskStarter } from './task.js';
import { WaitForTracker } from './wait-for.js';

/** A scenario: builds fresh state, starts tasks with `task()`, throws if the outcome is wrong. */
export type Scenario = () => unknown;

/** Options of {@link explore}. */
export interface ExploreOptions {
  /** How many interleavings to try (default 1000). */
  runs?: number;
  /** Seed of the first run (default: a random one, printed on failure). */
  seed?: number;
  /** `'pct'` (default) or `'random'`. */
  strategy?: 'random' | 'pct';
  /** PCT's bug depth: how many ordering constraints a bug may need (default 3). */
  depth?: number;
  /** Steps after which a run counts as a livelock (default 10 000). */
  maxSteps?: number;
  /**
   * Whether the strategies may release a continuation while earlier ones are still between
   * plain `await`s (a gap of some microtask turns; see the module comment). Default: on, unless
   * the natural run reached an await point of the `awaitPoints()` plugin (then every `await` of
   * the rewritten files is a switch point of its own, and gaps would only blur PCT's priorities).
   */
  gaps?: boolean;
}

/** What a successful exploration did. */
export interface ExploreReport {
  readonly runs: number;
  readonly seed: number;
  /** The most steps any run took. */
  readonly longest: number;
}

/** How one run ended. */
interface Outcome {
  readonly failure?: 'error' | 'deadlock' | 'livelock';
  readonly error?: unknown;
  readonly explanation?: string;
  /** For a deadlock: the scenario itself returned, leaving its tasks blocked. */
  readonly leftBehind?: boolean;
  /** For a livelock: a worker ran on without reaching a shared operation. */
  readonly workersBusy?: boolean;
  /** The decisions taken, or `undefined` for the natural run (nothing was steered). */
  readonly choices: readonly (NamedStep & Choice)[] | undefined;
  readonly steps: readonly string[];
}

/**
 * A run failed; `schedule` reproduces it with {@link replay}.
 *
 * @example
 * ```ts
 * try {
 *   await explore(scenario);
 * } catch (error) {
 *   if (error instanceof ExplorationError) await replay(scenario, error.schedule); // fails the same way
 * }
 * ```
 */
export class ExplorationError extends Error {
  /** `'error'`: the scenario threw; `'deadlock'`: nothing could go on; `'livelock'`: too many steps. */
  readonly failure: 'error' | 'deadlock' | 'livelock';
  /**
   * The schedule of the failing run, for {@link replay}: who went at each step, by name
   * (`"T2+1 T1"`, `"w1 w2*2 w1"`; see {@link replay}), or `"natural"` for the plain run.
   */
  readonly schedule: string;
  /** The seed of the exploration (undefined when replaying). */
  readonly seed: number | undefined;
  /** The failing run's number, from 1 (run 1 is the natural schedule). */
  readonly run: number | undefined;
  /** The steps taken, as `agent: what` lines. */
  readonly steps: readonly string[];
  constructor(outcome: Outcome, header: string, seed?: number, run?: number) {
    const schedule = outcome.choices === undefined ? NATURAL : formatSchedule(outcome.choices);
    const failure = outcome.failure ?? 'error';
    // A gap after the last step announces a next step that never came: drop it there.
    const steps = outcome.steps.map((line, i, all) =>
      i === all.length - 1 ? line.replace(/, and [^,]*, while it runs:$/, '') : line,
    );
    const shown = steps.length > 40 ? steps.slice(-40) : steps;
    const skipped = steps.length - shown.length;
    super(
      [
        header,
        describeFailure(outcome),
        `schedule: ${JSON.stringify(schedule)}${outcome.choices === undefined ? ' (the plain run: every continuation went on as soon as it could)' : ''}`,
        `steps:${skipped > 0 ? ` (first ${skipped} not shown)` : ''}`,
        ...shown.map((line, i) => `  ${skipped + i + 1}. ${line}`),
        `replay it with: replay(scenario, ${JSON.stringify(schedule)})`,
      ].join('\n'),
      outcome.error === undefined ? undefined : { cause: outcome.error },
    );
    this.name = 'ExplorationError';
    this.failure = failure;
    this.schedule = schedule;
    this.seed = seed;
    this.run = run;
    this.steps = outcome.steps;
  }
}

function describeFailure(outcome: Outcome): string {
  switch (outcome.failure) {
    case 'deadlock':
      return outcome.leftBehind === true
        ? `deadlock: the scenario returned, leaving tasks blocked for ever\n${outcome.explanation ?? ''}`
        : `deadlock: nothing is ready, no timer is pending, and the scenario has not finished\n${outcome.explanation ?? ''}`;
    case 'livelock':
      return outcome.workersBusy === true
        ? `livelock: a worker ran for 30 s without reaching an operation on a shared primitive or exiting, after ${outcome.steps.length} steps`
        : `livelock: still running after ${outcome.steps.length} steps`;
    default: {
      const error = outcome.error;
      return `failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
  }
}

/** Steps after which a run counts as a livelock, unless the options say otherwise. */
const DEFAULT_MAX_STEPS = 10_000;

let running = false;
/** Whether an await point (from the awaitPoints() plugin) was reached in the current run. */
let awaitPointsSeen = false;
let ready: ((agent: string, resume: () => void, what: string) => void) | undefined;
let runScope: Scope | undefined;

/**
 * Whether the caller belongs to the run in progress. Tasks left blocked by an earlier run (a
 * deadlock is abandoned, not undone) may still wake up, through a timer say; they must not
 * leak into the current run's choices, so they just go on.
 */
function inCurrentRun(): boolean {
  return !scopesTracked || (runScope !== undefined && currentScope() === runScope);
}

/**
 * A point where the explorer may switch to another task, for code that awaits no primitive (every
 * waiting call of an in-thread primitive is a switch point already). Outside {@link explore} it
 * just yields to the microtask queue.
 *
 * @example
 * ```ts
 * const v = counter;
 * await checkpoint(); // another increment may run here: a lost update
 * counter = v + 1;
 * ```
 */
export function checkpoint(): Promise<void> {
  const add = ready;
  if (add === undefined || !inCurrentRun()) return Promise.resolve();
  return new Promise((resolve) =>
    add(currentTask() ?? 'main', resolve, 'goes on after checkpoint()'),
  );
}

/**
 * The switch point that the `awaitPoints()` Vite plugin (`@baton/testkit/vite`) inserts after
 * each `await` of the files it rewrites: resolves with `value` once the explorer lets the task
 * go on (at once outside an exploration, one microtask turn later). `site` names the `await`
 * in the steps. Not meant to be called by hand; use {@link checkpoint}.
 *
 * @example
 * ```ts
 * import { awaitPoint } from '@baton/testkit';
 *
 * // What `const v = await read();` becomes under the plugin:
 * const read = async () => 1;
 * const v = await awaitPoint(await read(), 'test/bank.test.ts:12');
 * ```
 */
export function awaitPoint<T>(value: T, site: string): Promise<T> {
  const add = ready;
  if (add === undefined || !inCurrentRun()) return Promise.resolve(value);
  awaitPointsSeen = true;
  return new Promise((resolve) =>
    add(currentTask() ?? 'main', () => resolve(value), `goes on after await (${site})`),
  );
}

/**
 * Runs `scenario` under `runs` interleavings and throws an {@link ExplorationError} (with the
 * seed, the schedule and the steps) at the first one that throws or deadlocks. Run 1 is the
 * natural schedule (as a plain run); the others are steered by the strategy, at primitive calls,
 * `task()` starts, `checkpoint()`s, plain `await`s (by gaps), the `awaitPoints()` plugin's await
 * points, and the operations of workers the scenario starts (through core's gate).
 *
 * @example
 * ```ts
 * await explore(async () => {
 *   let n = 0;
 *   const inc = async () => {
 *     const v = n;
 *     await Promise.resolve();
 *     n = v + 1;
 *   };
 *   await Promise.all([task('A', inc), task('B', inc)]);
 *   if (n !== 2) throw new Error(`lost update: n = ${n}`);
 * }, { seed: 1 });
 * // ExplorationError: explore: run 1 of 1000 (the natural schedule) failed (strategy pct, seed 1)
 * // failed: Error: lost update: n = 1
 * // schedule: "natural" ...
 * ```
 */
export async function explore(
  scenario: Scenario,
  options: ExploreOptions = {},
): Promise<ExploreReport> {
  if (typeof scenario !== 'function') {
    throw new TypeError(`explore: scenario must be a function, got ${typeof scenario}`);
  }
  const runs = options.runs ?? 1000;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const strategy = options.strategy ?? 'pct';
  const depth = options.depth ?? 3;
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new RangeError(`explore: runs must be a positive integer, got ${String(runs)}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`explore: seed must be an integer, got ${String(seed)}`);
  }
  if (strategy !== 'random' && strategy !== 'pct') {
    throw new RangeError(`explore: strategy must be 'random' or 'pct', got ${String(strategy)}`);
  }
  if (!Number.isSafeInteger(depth) || depth < 1) {
    throw new RangeError(`explore: depth must be a positive integer, got ${String(depth)}`);
  }
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) {
    throw new RangeError(`explore: maxSteps must be a positive integer, got ${String(maxSteps)}`);
  }
  if (options.gaps !== undefined && typeof options.gaps !== 'boolean') {
    throw new TypeError(`explore: gaps must be a boolean, got ${typeof options.gaps}`);
  }
  let gaps = options.gaps ?? true;
  let longest = 0;
  for (let run = 0; run < runs; run++) {
    // Run 1 is the natural schedule, so explore() never misses what a plain run shows.
    const s = runSeed(seed, run);
    const chooser =
      run === 0
        ? undefined
        : strategy === 'random'
          ? randomChooser(s, gaps)
          : pctChooser(s, depth, Math.max(longest, 8), gaps);
    awaitPointsSeen = false;
    let outcome = await execute(
      scenario,
      chooser === undefined ? undefined : () => chooser,
      maxSteps,
      false,
    );
    if (run === 0 && awaitPointsSeen) gaps = options.gaps ?? false;
    longest = Math.max(longest, outcome.choices?.length ?? outcome.steps.length);
    if (outcome.failure !== undefined) {
      outcome = await withSites(scenario, outcome);
      const which =
        run === 0 ? `run 1 of ${runs} (the natural schedule)` : `run ${run + 1} of ${runs}`;
      throw new ExplorationError(
        outcome,
        `explore: ${which} failed (strategy ${strategy}, seed ${seed})`,
        seed,
        run + 1,
      );
    }
  }
  return { runs, seed, longest };
}

/**
 * Runs `scenario` once, following `schedule` (from an {@link ExplorationError}), and throws the
 * same failure again, or resolves if the run passes. A schedule names who goes at each step,
 * separated by spaces: a worker's `registerAgent(name)`, a `task()`'s name, or an unnamed task's
 * name from where it was started (quoted `'like this'` when not a plain word, `''` for a quote
 * inside), then `[n]` for the n-th of that agent's ready continuations when several are ready,
 * `+g` for a gap of g microtask turns before the next pick, and `*k` for k such steps in a row.
 * `"natural"` is the plain run; the older form of ready-set indexes (`"1+1.0"`) is accepted too.
 * Throws a {@link ScheduleError} if the schedule is malformed or the scenario no longer fits it
 * (a name it does not have, an agent not ready at that step, a different length).
 *
 * @example
 * ```ts
 * await replay(scenario, 'B+1 A'); // ExplorationError: replay of schedule "B+1 A" failed ...
 * await replay(scenario, 'w1 w2*2 w1'); // two workers, by their registerAgent() names
 * await replay(scenario, 'natural'); // the plain run again
 * ```
 */
export async function replay(scenario: Scenario, schedule: string): Promise<void> {
  if (typeof scenario !== 'function') {
    throw new TypeError(`replay: scenario must be a function, got ${typeof scenario}`);
  }
  const choices = parseSchedule(schedule);
  const outcome =
    choices === undefined
      ? await execute(scenario, undefined, DEFAULT_MAX_STEPS, true)
      : await execute(scenario, (known) => replayChooser(choices, known), choices.length + 1, true);
  if (outcome.error instanceof ScheduleError) {
    const { problem, step, agent } = outcome.error;
    throw new ScheduleError(
      problem,
      `replay: the scenario no longer follows the schedule: ${outcome.error.message}`,
      { step, agent },
    );
  }
  if (outcome.failure !== undefined) {
    throw new ExplorationError(outcome, `replay of schedule ${JSON.stringify(schedule)} failed`);
  }
  if (choices !== undefined && outcome.choices?.length !== choices.length) {
    throw new ScheduleError(
      'diverged',
      `replay: the scenario finished after ${outcome.choices?.length ?? 0} of the schedule's ${choices.length} steps`,
      { step: outcome.choices?.length ?? 0 },
    );
  }
}

/**
 * Runs a deadlocked schedule once more with stacks on, so the explanation shows where each lock
 * was taken and each wait began (capturing stacks on every run would slow exploration down).
 */
async function withSites(scenario: Scenario, outcome: Outcome): Promise<Outcome> {
  if (outcome.failure !== 'deadlock') return outcome;
  const choices = outcome.choices;
  const again =
    choices === undefined
      ? await execute(scenario, undefined, DEFAULT_MAX_STEPS, true)
      : await execute(scenario, (known) => replayChooser(choices, known), choices.length + 1, true);
  const same = again.failure === 'deadlock' && again.steps.join('\n') === outcome.steps.join('\n');
  if (same) return again;
  return {
    ...outcome,
    explanation: `${outcome.explanation ?? ''}\n(run again to find source locations, it went differently: the scenario is not deterministic)`,
  };
}

interface Pending extends Ready {
  readonly resume: () => void;
  readonly what: string;
}

/**
 * One run: steered by the chooser `steer` makes, or, without one, the natural run (every
 * continuation goes on as soon as it can, exactly as with no explorer, while the explorer still
 * watches for a deadlock). `steer` is given the names of the agents the run has shown so far (a
 * replay tells a name the scenario lacks from one not ready yet).
 */
async function execute(
  scenario: Scenario,
  steer: ((known: () => ReadonlySet<string>) => Chooser) | undefined,
  maxSteps: number,
  stacks: boolean,
): Promise<Outcome> {
  if (running)
    throw new Error('explore: another exploration is running; explorations cannot overlap');
  running = true;
  const natural = steer === undefined;
  /** Every agent seen in this run: tasks started, ready continuations, workers registered. */
  const known = new Set<string>(['main']);
  const choose = steer?.(() => known);
  const pending: Pending[] = [];
  const choices: (NamedStep & Choice)[] = [];
  const steps: string[] = [];
  let livelocked = false;
  const tracker = new WaitForTracker();
  // The agent a primitive just served: the waiter whose resumption it hands to the scheduler.
  const served = new Map<string, string>();
  const scope = openScope();
  runScope = scope;
  // Primitives of this run: wake-ups of older ones (from abandoned runs) are not ours to order.
  const mine = new Map<string, number>();
  /** How a step names a primitive: unnamed ones by creation order, which replays keep. */
  const label = (subject: { kind: string; id: number; name: string }): string => {
    if (subject.name !== `${subject.kind}#${subject.id}`) return `${subject.kind} ${subject.name}`;
    return `${subject.kind} (unnamed, #${mine.get(`${subject.kind}#${subject.id}`) ?? '?'} created)`;
  };
  /**
   * A continuation is ready. Steered runs queue it for the strategy; the natural run resumes it
   * at once (the same promise settles in the same microtask turn as with no explorer at all)
   * and only notes the step, parking the task for good once the run exceeds `maxSteps`, so
   * that a task spinning through switch points cannot hang the exploration.
   */
  const add = (entry: Pending): void => {
    if (!natural) {
      known.add(entry.agent);
      pending.push(entry);
      return;
    }
    if (steps.length >= maxSteps) {
      livelocked = true;
      return;
    }
    steps.push(`${entry.agent} ${entry.what}`);
    entry.resume();
  };
  const scheduler: Scheduler = {
    resume(resume, subject) {
      if (!mine.has(`${subject.kind}#${subject.id}`)) {
        resume();
        return;
      }
      const agent = served.get(`${subject.kind}#${subject.id}`) ?? 'main';
      add({ agent, resume, what: `resumes from ${label(subject)}` });
    },
    // A call that completed at once (an uncontended acquire, a put with room, a get with an
    // item) is a switch point too: the caller owns what it asked for, but its code goes on
    // only when chosen, so a read-modify-write around an `await` on a primitive can be split.
    yield(resume, subject) {
      if (!mine.has(`${subject.kind}#${subject.id}`)) {
        resume();
        return;
      }
      add({
        agent: currentTask() ?? 'main',
        resume,
        what: `goes on past ${label(subject)} (did not wait)`,
      });
    },
  };
  // Workers: steered through core's gate in steered runs, only watched in the natural run.
  const steering = natural ? undefined : Steering.attach();
  const watch = new WorkerWatch();
  const previousScheduler = setScheduler(scheduler);
  // The natural run starts tasks at once, as task() does with no explorer (a starter would add
  // microtask turns to every start).
  const previousStarter = setTaskStarter(
    natural
      ? undefined
      : (name, start) => {
          if (inCurrentRun()) {
            known.add(name);
            pending.push({ agent: name, resume: start, what: 'starts' });
          } else start();
        },
  );
  ready = (agent, resume, what) => add({ agent, resume, what });
  const stopTasks = observeTasks({
    started: (name) => {
      if (!inCurrentRun()) return;
      known.add(name);
      tracker.started(name);
      if (natural) steps.push(`${name} starts`);
    },
    finished: (name) => {
      if (inCurrentRun()) tracker.finished(name);
    },
  });
  const stopTrace = subscribe({
    stacks,
    event(e: TraceEvent) {
      if (e.kind === 'created' && inCurrentRun()) mine.set(`${e.primitive}#${e.id}`, mine.size + 1);
      if (!mine.has(`${e.primitive}#${e.id}`)) return;
      tracker.event(e);
      if (e.kind === 'acquired' || e.kind === 'get' || e.kind === 'put' || e.kind === 'wake') {
        served.set(`${e.primitive}#${e.id}`, e.agent);
      }
    },
  });
  let settled = false;
  let error: unknown;
  let failed = false;
  const recorded = (): readonly (NamedStep & Choice)[] | undefined =>
    natural ? undefined : choices;
  try {
    runInScope(scope, () => runNamed('main', scenario)).then(
      () => {
        settled = true;
      },
      (e: unknown) => {
        settled = true;
        failed = true;
        error = e;
      },
    );
    for (;;) {
      await idle(pending, scope.timers);
      let workers: ParkedWorker[] = [];
      let first: Choice | undefined;
      if (scope.workers.size > 0) {
        if (steering !== undefined && steering.steering) {
          // Every worker plays out its last step before the next choice.
          if (!(await steering.settle(() => scope.workers.size))) {
            return { failure: 'livelock', choices: recorded(), steps, workersBusy: true };
          }
          await idle(pending, scope.timers);
          workers = steering.parked();
          for (const name of steering.names()) known.add(name);
        } else if (pending.length === 0 && !settled) {
          // The natural run: wait while workers run; stuck for good is a deadlock.
          const stuck = await waitForWorkers(scope, watch, () => settled || failed);
          if (stuck) {
            return {
              failure: 'deadlock',
              explanation: explainBoth(tracker, undefined),
              leftBehind: false,
              choices: recorded(),
              steps,
            };
          }
          continue;
        }
      }
      if (failed) return { failure: 'error', error, choices: recorded(), steps };
      if (livelocked) return { failure: 'livelock', choices: recorded(), steps };
      if (pending.length === 0 && workers.length === 0) {
        if (settled && tracker.alive.size === 0) return { choices: recorded(), steps };
        return {
          failure: 'deadlock',
          explanation: explainBoth(tracker, steering),
          leftBehind: settled,
          choices: recorded(),
          steps,
        };
      }
      if (workers.length > 0) {
        // One choice among the in-thread continuations and the parked workers together.
        if (choices.length >= maxSteps) return { failure: 'livelock', choices, steps };
        const all: Ready[] = [...pending, ...workers];
        let choice: Choice;
        try {
          choice = (choose as Chooser)(all, choices.length);
        } catch (e) {
          return { failure: 'error', error: e, choices, steps };
        }
        if (choice.index >= all.length) {
          throw new Error(`explore: strategy chose ${choice.index} of ${all.length}`);
        }
        if (choice.index >= pending.length) {
          const worker = workers[choice.index - pending.length] as ParkedWorker;
          // A worker's step is played out before the next choice: no gap.
          choices.push(stepOf(all, { index: choice.index, gap: undefined }));
          steps.push(`${worker.agent} ${worker.what}`);
          steering?.release(worker.id);
          continue;
        }
        // An in-thread continuation, while workers are parked: no gap either (the workers'
        // state is read only between choices).
        first = { index: choice.index, gap: undefined };
      }
      // Decide, and while the strategy asks for a gap and something is ready, decide again
      // after that many microtask turns, without waiting for the released code to stop.
      for (;;) {
        if (choices.length >= maxSteps) return { failure: 'livelock', choices, steps };
        let choice: Choice;
        try {
          choice = first ?? (choose as Chooser)(pending, choices.length);
        } catch (e) {
          return { failure: 'error', error: e, choices, steps };
        }
        first = undefined;
        if (choice.index >= pending.length)
          throw new Error(`explore: strategy chose ${choice.index} of ${pending.length}`);
        // (While workers are parked, the choice was among `pending` and then the workers: the
        // in-thread ones come first, so it is named the same in either list.)
        choices.push(stepOf(pending, choice));
        const next = pending.splice(choice.index, 1)[0] as Pending;
        steps.push(`${next.agent} ${next.what}${describeGap(choice.gap)}`);
        runInScope(scope, next.resume);
        if (choice.gap === undefined) break;
        for (let turn = 0; turn < choice.gap; turn++) await nextTurn();
        if (failed || pending.length === 0) break;
      }
    }
  } finally {
    steering?.detach();
    ready = undefined;
    runScope = undefined;
    stopTrace();
    stopTasks();
    setTaskStarter(previousStarter);
    setScheduler(previousScheduler);
    closeScope(scope);
    running = false;
  }
}

/** How a step says that the next one comes before the code it released has stopped. */
function describeGap(gap: number | undefined): string {
  if (gap === undefined) return '';
  if (gap === 0) return ', and at once, while it runs:';
  return `, and ${gap} microtask turn${gap === 1 ? '' : 's'} later, while it runs:`;
}

/**
 * One microtask turn: resolves after every microtask queued before it has run (each released
 * task gets past about one plain `await`).
 */
function nextTurn(): Promise<void> {
  return RESOLVED;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The in-thread wait-for graph and the workers' one, each when anyone waits there. */
function explainBoth(tracker: WaitForTracker, steering: Steering | undefined): string {
  const graph = tracker.graph();
  const workers = explainWorkers(steering);
  if (workers !== '' && graph.waits.length === 0) return workers;
  return workers === '' ? formatWaitFor(graph) : `${formatWaitFor(graph)}\n${workers}`;
}

/**
 * The natural run, nothing ready in this thread while workers of the run are alive: returns
 * `true` when the workers can never go on (a cycle, or every one blocked for good while this
 * thread is idle with no timer), else waits a moment and returns `false` (the caller looks
 * again).
 */
async function waitForWorkers(
  scope: Scope,
  watch: WorkerWatch,
  done: () => boolean,
): Promise<boolean> {
  if (done() || scope.workers.size === 0) return false;
  if (scope.timers.size === 0 && watch.stuck()) return true;
  await outsideScope(() => new Promise<void>((resolve) => setTimeout(resolve, 5)));
  if (scope.timers.size > 0) watch.reset();
  // The caller looks again (anything made ready in this thread goes first).
  return false;
}

/**
 * Lets every queued microtask run, then waits while nothing is ready but a timer set by the
 * scenario is still pending (it may make something ready).
 */
async function idle(pending: readonly Pending[], timers: ReadonlySet<number>): Promise<void> {
  await macrotask();
  while (pending.length === 0 && timers.size > 0) {
    await outsideScope(() => new Promise<void>((resolve) => setTimeout(resolve, 1)));
    await macrotask();
  }
}

function macrotask(): Promise<void> {
  return outsideScope(
    () =>
      new Promise<void>((resolve) => {
        if (typeof setImmediate === 'function') setImmediate(resolve);
        else setTimeout(resolve, 0);
      }),
  );
}
