/**
 * Schedule strings: what `ExplorationError` prints and `replay()` follows. A schedule
 * names who went at each step, so it can be read, and copied into a test:
 *
 * ```text
 * T2+1 T1                                   T2 first, T1 one microtask turn later
 * w1 w2*2 w1                                worker w1, then w2 twice, then w1
 * 'deposit (started at test/a.test.ts:9:5)' main[2]
 * ```
 *
 * One step per ready continuation resumed, separated by spaces:
 *
 * - the agent's name: a worker's `registerAgent(name)`, a `task()`'s name, or an unnamed task's
 *   name from where it was started. A name that is not a plain word (letters, digits, `_`, `$`,
 *   `-`, `.`, `/`, not starting with a digit), or is `natural`, is written in single quotes, a
 *   quote inside doubled (`'it''s'`), so every name round-trips;
 * - `[n]` when several continuations of that agent are ready at once: the n-th of them in the
 *   ready set's order (from 1; `[1]` is left out);
 * - `+g`: the gap, how many microtask turns pass before the next pick (no `+`: until everything
 *   released has stopped);
 * - `*k`: the same step k times in a row (run-length, so long schedules stay short).
 *
 * `natural` is the plain run (nothing steered). The older form, ready-set indexes joined by dots
 * (`1+1.0`), is still accepted.
 *
 * @module
 */
import { MAX_GAP, type Choice, type Chooser, type Ready } from './strategy.js';

/** The schedule of the natural run: nothing is steered, every continuation goes on at once. */
export const NATURAL = 'natural';

/** One step of a schedule, by name: the `nth` (from 1) ready continuation of `agent`. */
export interface NamedStep {
  readonly agent: string;
  readonly nth: number;
  readonly gap: number | undefined;
}

/** One step of an index schedule (the older form): the `index`-th ready continuation. */
export interface IndexStep {
  readonly index: number;
  readonly gap: number | undefined;
}

export type ScheduleStep = NamedStep | IndexStep;

/** Why a schedule could not be followed. */
export type ScheduleProblem =
  /** The string is not a schedule. */
  | 'syntax'
  /** A step names an agent that the replayed scenario never had. */
  | 'unknown-agent'
  /** A step names an agent of the scenario that is not ready at that step. */
  | 'not-ready'
  /** The run and the schedule differ in length, or an index step picks past the ready set. */
  | 'diverged';

/**
 * A schedule given to `replay()` is malformed, or the scenario no longer follows it (it
 * names an agent the scenario does not have, or one that is not ready at that step).
 *
 * @example
 * ```ts
 * import { replay, ScheduleError, task } from '@baton/testkit';
 *
 * try {
 *   await replay(async () => {
 *     await task('A', async () => {});
 *   }, 'B');
 * } catch (error) {
 *   if (error instanceof ScheduleError) console.log(error.problem, error.agent); // unknown-agent B
 * }
 * ```
 */
export class ScheduleError extends Error {
  /** What is wrong. */
  readonly problem: ScheduleProblem;
  /** The step (from 0) at which it went wrong, when it is about one step. */
  readonly step: number | undefined;
  /** The agent the step names, when it names one. */
  readonly agent: string | undefined;
  constructor(
    problem: ScheduleProblem,
    message: string,
    details: { step?: number; agent?: string } = {},
  ) {
    super(message);
    this.name = 'ScheduleError';
    this.problem = problem;
    this.step = details.step;
    this.agent = details.agent;
  }
}

/** A bare name: a plain word that cannot be read as anything else. */
const BARE = /^[A-Za-z_$][\w$.\-/]*$/;

/** `name`, quoted when it is not a plain word. */
export function quoteName(name: string): string {
  if (BARE.test(name) && name !== NATURAL) return name;
  return `'${name.replaceAll("'", "''")}'`;
}

/** The same step, as it is written (without its count). */
function stepText(step: NamedStep): string {
  const nth = step.nth === 1 ? '' : `[${step.nth}]`;
  const gap = step.gap === undefined ? '' : `+${step.gap}`;
  return `${quoteName(step.agent)}${nth}${gap}`;
}

/** `[{ agent: 'T2', nth: 1, gap: 1 }, { agent: 'T1', nth: 1 }]` -> `"T2+1 T1"`. */
export function formatSchedule(steps: readonly NamedStep[]): string {
  const parts: string[] = [];
  let last: string | undefined;
  let count = 0;
  const flush = (): void => {
    if (last !== undefined) parts.push(count > 1 ? `${last}*${count}` : last);
  };
  for (const step of steps) {
    const text = stepText(step);
    if (text === last) {
      count++;
      continue;
    }
    flush();
    last = text;
    count = 1;
  }
  flush();
  return parts.join(' ');
}

/** The older form: indexes joined by dots, each optionally `+turns`. */
const INDEXES = /^\d+(?:\+\d+)?(?:\.\d+(?:\+\d+)?)*$/;

/**
 * Reads a schedule: `"natural"` gives `undefined` (the plain run), anything else its steps, run
 * lengths expanded. Throws a {@link ScheduleError} (`problem: 'syntax'`) naming the position and
 * what was expected.
 */
export function parseSchedule(schedule: string): ScheduleStep[] | undefined {
  if (typeof schedule !== 'string') {
    throw new TypeError(`replay: schedule must be a string, got ${typeof schedule}`);
  }
  const text = schedule.trim();
  if (text === NATURAL) return undefined;
  if (text === '') return [];
  if (INDEXES.test(text)) return parseIndexes(text);
  // Older schedules were sometimes pasted with a label in front ("seed 1: 0.1.0").
  const colon = text.lastIndexOf(':');
  if (colon >= 0 && INDEXES.test(text.slice(colon + 1).trim())) {
    return parseIndexes(text.slice(colon + 1).trim());
  }
  return new Reader(schedule).steps();
}

function parseIndexes(text: string): IndexStep[] {
  return text.split('.').map((part, i) => {
    const [index, gap] = part.split('+').map(Number) as [number, number | undefined];
    if (!Number.isSafeInteger(index) || (gap !== undefined && !(gap <= MAX_GAP))) {
      throw new ScheduleError(
        'syntax',
        `replay: schedule step ${i} is ${JSON.stringify(part)}: the gap is at most ${MAX_GAP} turns`,
        { step: i },
      );
    }
    return { index, gap };
  });
}

/** A small reader for the named form (quotes make a regular split unsafe). */
class Reader {
  readonly #text: string;
  #at = 0;
  readonly #out: NamedStep[] = [];

  constructor(text: string) {
    this.#text = text;
  }

  steps(): NamedStep[] {
    this.#skipSpaces();
    while (this.#at < this.#text.length) {
      const start = this.#at;
      const agent = this.#name();
      const nth = this.#number('[', ']') ?? 1;
      const gap = this.#number('+');
      const count = this.#number('*') ?? 1;
      const step = this.#out.length;
      const written = this.#text.slice(start, this.#at);
      if (nth < 1) this.#fail(`${JSON.stringify(written)}: [n] counts from 1`, start);
      if (gap !== undefined && gap > MAX_GAP) {
        this.#fail(`${JSON.stringify(written)}: the gap is at most ${MAX_GAP} turns`, start);
      }
      if (count < 1) this.#fail(`${JSON.stringify(written)}: *k repeats at least once`, start);
      if (this.#at < this.#text.length && !/\s/.test(this.#text[this.#at] as string)) {
        this.#fail(
          `unexpected ${JSON.stringify(this.#text[this.#at])} after step ${step} (${JSON.stringify(written)}); steps are separated by spaces`,
          this.#at,
        );
      }
      for (let i = 0; i < count; i++) this.#out.push({ agent, nth, gap });
      this.#skipSpaces();
    }
    return this.#out;
  }

  #name(): string {
    const text = this.#text;
    if (text[this.#at] === "'") {
      let name = '';
      let i = this.#at + 1;
      for (;;) {
        const quote = text.indexOf("'", i);
        if (quote < 0) this.#fail('a quoted name has no closing quote', this.#at);
        name += text.slice(i, quote);
        if (text[quote + 1] === "'") {
          name += "'";
          i = quote + 2;
          continue;
        }
        this.#at = quote + 1;
        return name;
      }
    }
    const match = /^[A-Za-z_$][\w$.\-/]*/.exec(text.slice(this.#at));
    if (match === null) {
      const here = JSON.stringify(text.slice(this.#at, this.#at + 12));
      this.#fail(
        /\d/.test(text[this.#at] ?? '')
          ? `expected an agent's name at ${here} (or, in the older form, only ready-set indexes, each with an optional +turns, joined by dots: "1+1.0")`
          : `expected an agent's name at ${here} (quote names that are not plain words: 'a name')`,
        this.#at,
      );
    }
    this.#at += match[0].length;
    return match[0];
  }

  /** `open digits close?`, or `undefined` when the next character is not `open`. */
  #number(open: string, close?: string): number | undefined {
    if (this.#text[this.#at] !== open) return undefined;
    const match = /^\d+/.exec(this.#text.slice(this.#at + 1));
    if (match === null) this.#fail(`expected a number after ${JSON.stringify(open)}`, this.#at);
    this.#at += 1 + match[0].length;
    if (close !== undefined) {
      if (this.#text[this.#at] !== close) {
        this.#fail(`expected ${JSON.stringify(close)}`, this.#at);
      }
      this.#at++;
    }
    return Number(match[0]);
  }

  #skipSpaces(): void {
    while (this.#at < this.#text.length && /\s/.test(this.#text[this.#at] as string)) this.#at++;
  }

  #fail(what: string, at: number): never {
    throw new ScheduleError(
      'syntax',
      `replay: schedule ${JSON.stringify(this.#text)} at character ${at} (step ${this.#out.length}): ${what}`,
      { step: this.#out.length },
    );
  }
}

/** The step that picks `ready[index]`: its agent, and which of that agent's ready ones. */
export function stepOf(ready: readonly Ready[], choice: Choice): NamedStep & Choice {
  const chosen = ready[choice.index] as Ready;
  let nth = 1;
  for (let i = 0; i < choice.index; i++) if ((ready[i] as Ready).agent === chosen.agent) nth++;
  return { agent: chosen.agent, nth, index: choice.index, gap: choice.gap };
}

/**
 * Follows a recorded schedule; throws a {@link ScheduleError} when the run no longer matches
 * it. `known` lists every agent the run has shown so far (to tell a name the scenario does not
 * have from one that is merely not ready).
 */
export function replayChooser(
  steps: readonly ScheduleStep[],
  known: () => ReadonlySet<string> = () => new Set(),
): Chooser {
  return (ready, step) => {
    const wanted = steps[step];
    if (wanted === undefined) {
      throw new ScheduleError(
        'diverged',
        `the schedule ends after ${steps.length} steps, but the run goes on`,
        { step },
      );
    }
    if ('index' in wanted) {
      if (wanted.index >= ready.length) {
        throw new ScheduleError(
          'diverged',
          `at step ${step} the schedule picks #${wanted.index}, but only ${ready.length} ${ready.length === 1 ? 'task is' : 'tasks are'} ready`,
          { step },
        );
      }
      return wanted;
    }
    let seen = 0;
    for (let index = 0; index < ready.length; index++) {
      if ((ready[index] as Ready).agent === wanted.agent && ++seen === wanted.nth) {
        return { index, gap: wanted.gap };
      }
    }
    const names = ready.map((r) => quoteName(r.agent)).join(', ');
    const all = new Set(known());
    for (const r of ready) all.add(r.agent);
    if (!all.has(wanted.agent)) {
      throw new ScheduleError(
        'unknown-agent',
        `at step ${step} the schedule names ${quoteName(wanted.agent)}, which is not an agent of this scenario (its agents so far: ${[...all].sort(byName).map(quoteName).join(', ')})`,
        { step, agent: wanted.agent },
      );
    }
    const which = wanted.nth === 1 ? '' : ` (its ready continuation #${wanted.nth})`;
    throw new ScheduleError(
      'not-ready',
      `at step ${step} the schedule picks ${quoteName(wanted.agent)}${which}, but ${seen === 0 ? 'it is not ready' : `only ${seen} of its continuations ${seen === 1 ? 'is' : 'are'} ready`} (ready: ${names})`,
      { step, agent: wanted.agent },
    );
  };
}

/** `main` first, then by name (workers register in whatever order their threads start). */
function byName(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'main' || b === 'main') return a === 'main' ? -1 : 1;
  return a < b ? -1 : 1;
}
