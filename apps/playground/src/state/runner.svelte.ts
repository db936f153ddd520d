/**
 * The run lifecycle of the page, as runes: the current {@link Run}, its live view (refreshed
 * once per frame, and by a watchdog while frames stop in a hidden tab), the verdict, the marks
 * in the editors, step mode, random steps, replay, and the scrubber's moment.
 *
 * @module
 */
import type { Mark } from '../components/editor-types.js';
import type { Role } from '../runtime/common/protocol.js';
import { DeclarationError } from '../runtime/page/declarations.js';
import { prewarm, Run, type Program } from '../runtime/page/run.js';
import { snapshot, type RunView } from '../runtime/page/snapshot.js';
import type { Verdict } from '../runtime/page/verdict.js';
import type { Recording } from '../share.js';

/** How long "Random steps" shows each step before taking the next. */
export const RANDOM_STEP_MS = 60;

const noMarks = (): Record<Role, Mark[]> => ({ producer: [], consumer: [] });

export class Runner {
  run = $state.raw<Run | null>(null);
  view = $state.raw<RunView | null>(null);
  verdict = $state.raw<Verdict | null>(null);
  marks = $state.raw<Record<Role, Mark[]>>(noMarks());
  /** Whether the next run starts under the page's control. */
  stepMode = $state(false);
  /** Who may take a step now (step mode). */
  eligible = $state.raw<readonly number[]>([]);
  /** What drives a controlled run besides the user's clicks. */
  driver = $state<'user' | 'random' | 'replay'>('user');
  /** The run that "Replay" would repeat: the last run's seed and order of passes. */
  recording = $state.raw<Recording | null>(null);
  /** Whether the shown run is a replay, and whether it followed its schedule to the end. */
  replayed = $state<{ diverged: boolean } | null>(null);
  /** The scrubber's moment in ms, or `null` for the run's latest state. */
  scrubAt = $state<number | null>(null);
  notice = $state('');
  readonly running = $derived(this.run !== null && this.verdict === null);

  #frame = 0;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #firstResult: number | null = null;
  readonly #onEnd: (run: Run) => void;

  /** @param onEnd - called once per run, after its verdict is set. */
  constructor(onEnd: (run: Run) => void = () => undefined) {
    this.#onEnd = onEnd;
  }

  /** The time the live view shows: now while running, the end once the run is over. */
  static viewTime(r: Run): number {
    return r.endedAt === null
      ? performance.now() - r.startedAt
      : Math.max(r.model.now, r.endedAt - r.startedAt);
  }

  /** The run's length so far, in ms. */
  get length(): number {
    return this.run === null ? 0 : Runner.viewTime(this.run);
  }

  #refresh(): void {
    const run = this.run;
    if (run === null) return;
    run.tick();
    this.view = snapshot(run.model, Runner.viewTime(run));
    this.eligible = run.running && run.stepper.controlled ? run.stepper.eligible() : [];
  }

  #loop = (): void => {
    this.#refresh();
    if (this.run?.running) this.#frame = requestAnimationFrame(this.#loop);
  };

  /**
   * Starts a run of `program`; with `recording`, replays it: the same seed, and the workers
   * granted their steps in the recorded order.
   */
  start(program: Program, recording: Recording | null = null): void {
    if (this.running) return;
    this.notice = '';
    this.marks = noMarks();
    this.verdict = null;
    this.scrubAt = null;
    this.replayed = recording === null ? null : { diverged: false };
    const controlled = recording !== null || this.stepMode;
    this.driver = recording !== null ? 'replay' : 'user';
    try {
      this.run = new Run(program, (r) => this.#finished(r), undefined, {
        mode: controlled ? 'step' : 'free',
        ...(recording === null ? {} : { seed: recording.seed }),
      });
    } catch (error) {
      this.run = null;
      this.view = null;
      if (error instanceof DeclarationError) {
        this.notice = `${error.pane}, line ${error.line}: ${error.message}`;
        this.marks = {
          ...noMarks(),
          [error.pane]: [{ line: error.line, message: error.message }],
        };
      } else {
        this.notice = `Could not start the run: ${error instanceof Error ? error.message : String(error)}`;
      }
      return;
    }
    if (document.documentElement.dataset.firstRunMs === undefined) {
      // For the e2e suite's report: the time from the first Run to its verdict.
      document.documentElement.dataset.firstRunMs = String(Math.round(this.run.startedAt));
    }
    this.view = snapshot(this.run.model, 0);
    cancelAnimationFrame(this.#frame);
    this.#frame = requestAnimationFrame(this.#loop);
    // Frames stop in a hidden tab; the watchdog still notices the end (or a deadlock).
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(() => {
      if (this.run?.running) this.run.tick();
      else clearInterval(this.#watchdog);
    }, 100);
    if (recording !== null) void this.#follow(this.run, recording.schedule);
  }

  #finished(ended: Run): void {
    if (ended !== this.run) return;
    cancelAnimationFrame(this.#frame);
    clearInterval(this.#watchdog);
    this.view = snapshot(ended.model, Runner.viewTime(ended));
    this.eligible = [];
    this.verdict = ended.verdict;
    this.recording = { seed: ended.seed, schedule: ended.schedule };
    const byPane = noMarks();
    for (const { workerId, error } of ended.model.errors) {
      const role = ended.specs[workerId]?.role;
      if (role !== undefined && error.location !== undefined) {
        byPane[role].push({
          line: error.location.line,
          message: `${error.name}: ${error.message}`,
        });
      }
    }
    this.marks = byPane;
    prewarm(ended.specs.length);
    if (this.#firstResult === null) {
      this.#firstResult = performance.now();
      document.documentElement.dataset.firstResultMs = String(Math.round(this.#firstResult));
    }
    this.#onEnd(ended);
  }

  stop(): void {
    this.run?.stop();
  }

  /** Step mode: lets worker `w` take its next step. */
  async step(w: number): Promise<void> {
    const run = this.run;
    if (run === null || !run.running || !run.stepper.canStep(w)) return;
    this.driver = 'user';
    await run.step(w);
    this.#refresh();
  }

  /** Leaves step mode: every worker goes on by itself to the end. */
  runToEnd(): void {
    this.driver = 'user';
    this.run?.release();
    this.#refresh();
  }

  /** Step mode: takes random steps, one every {@link RANDOM_STEP_MS}, until the run ends. */
  async randomSteps(): Promise<void> {
    const run = this.run;
    if (run === null || !run.running) return;
    this.driver = 'random';
    while (run.running && this.run === run && this.driver === 'random') {
      await settle(run);
      const choices = run.stepper.eligible();
      const w = choices[Math.floor(Math.random() * choices.length)];
      if (w === undefined) {
        run.tick();
        await pause(RANDOM_STEP_MS);
        continue;
      }
      await run.step(w);
      this.#refresh();
      await pause(RANDOM_STEP_MS);
    }
  }

  /** Stops taking random steps (the run stays in step mode). */
  pauseDriver(): void {
    this.driver = 'user';
  }

  /** Grants the workers of `run` their steps in the order of `schedule`, then lets it go. */
  async #follow(run: Run, schedule: readonly number[]): Promise<void> {
    for (const next of schedule) {
      if (!run.running || this.run !== run || this.driver !== 'replay') return;
      await settle(run);
      if (!run.running) return;
      let w = next;
      if (!run.stepper.canStep(w)) {
        // The replay left the recorded path (a race inside one call): go on with whoever can.
        const other = run.stepper.eligible()[0];
        if (other === undefined) break;
        w = other;
        if (this.replayed !== null) this.replayed = { diverged: true };
      }
      await run.step(w);
    }
    if (run.running && this.run === run) {
      run.release();
      this.driver = 'user';
    }
  }

  /** Ends the frame loop and the run (when the page goes away). */
  dispose(): void {
    cancelAnimationFrame(this.#frame);
    clearInterval(this.#watchdog);
    this.run?.stop();
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no worker of `run` is running its own code (at most a few seconds). */
async function settle(run: Run): Promise<void> {
  for (let i = 0; i < 3000 && run.running && !run.stepper.settled; i++) await pause(1);
}
