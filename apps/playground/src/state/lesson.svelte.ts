/**
 * Progress through the lesson track, as runes: the step the user is on and the steps whose goal
 * a run has reached, remembered in local storage.
 *
 * @module
 */
import { LESSON, type LessonStep } from '../lesson.js';
import type { Verdict } from '../runtime/page/verdict.js';

const STORAGE_KEY = 'baton.playground.lesson';

interface Saved {
  readonly step: number;
  readonly done: readonly string[];
}

function read(storage: Storage | undefined): Saved {
  try {
    const text = storage?.getItem(STORAGE_KEY);
    if (!text) return { step: 0, done: [] };
    const value = JSON.parse(text) as Partial<Saved>;
    const step = Number.isInteger(value.step) ? (value.step as number) : 0;
    const done = Array.isArray(value.done)
      ? value.done.filter((id): id is string => LESSON.some((s) => s.id === id))
      : [];
    return { step: Math.min(Math.max(step, 0), LESSON.length - 1), done };
  } catch {
    return { step: 0, done: [] };
  }
}

export class LessonProgress {
  /** Index into {@link LESSON} of the current step. */
  index = $state(0);
  done = $state.raw<readonly string[]>([]);
  readonly step: LessonStep = $derived(LESSON[this.index] as LessonStep);
  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined = globalThis.localStorage) {
    this.#storage = storage;
    const saved = read(storage);
    this.index = saved.step;
    this.done = saved.done;
  }

  /** Whether the goal of `step` was reached once. */
  reached(step: LessonStep): boolean {
    return this.done.includes(step.id);
  }

  go(index: number): void {
    this.index = Math.min(Math.max(index, 0), LESSON.length - 1);
    this.#save();
  }

  /**
   * Records a verdict on the current step's code; returns whether it reached the goal (and the
   * step is now done).
   */
  record(verdict: Verdict): boolean {
    const step = this.step;
    if (!step.reached(verdict)) return false;
    if (!this.done.includes(step.id)) this.done = [...this.done, step.id];
    this.#save();
    return true;
  }

  #save(): void {
    try {
      this.#storage?.setItem(STORAGE_KEY, JSON.stringify({ step: this.index, done: this.done }));
    } catch {
      // Storage refused: progress lasts for this visit only.
    }
  }
}
