/**
 * Schedule strings name who goes at each step (workers by their `registerAgent()` name, tasks by
 * their `task()` name or where they were started), round-trip for every name, and replay
 * exactly; a schedule that names someone the scenario does not have is a typed error naming it.
 */
import { Lock } from '@baton/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ExplorationError, ScheduleError, explore, replay } from '../src/index.js';
import { formatSchedule, parseSchedule, type NamedStep } from '../src/schedule.js';
import { rejection } from './normalise.js';
import { hiddenDeposits } from './scenarios.js';
import { endWorkers, inversion } from './worker-scenarios.js';

const step = (agent: string, gap?: number, nth = 1): NamedStep => ({ agent, nth, gap });

describe('the schedule string', () => {
  it('names the agents, with gaps, and runs of the same step as *k', () => {
    expect(formatSchedule([step('T2', 1), step('T1')])).toBe('T2+1 T1');
    expect(formatSchedule([step('w1'), step('w2'), step('w2'), step('w1')])).toBe('w1 w2*2 w1');
    expect(formatSchedule([step('producer', 0), step('producer', 0), step('producer')])).toBe(
      'producer+0*2 producer',
    );
    expect(formatSchedule([step('main', undefined, 2), step('main')])).toBe('main[2] main');
    expect(formatSchedule([])).toBe('');
  });

  it('quotes names that are not plain words, so they read back', () => {
    expect(formatSchedule([step('fn (started at test/a.test.ts:9:5) #2', 3)])).toBe(
      "'fn (started at test/a.test.ts:9:5) #2'+3",
    );
    expect(formatSchedule([step("it's"), step('natural'), step('2nd'), step('')])).toBe(
      "'it''s' 'natural' '2nd' ''",
    );
    expect(parseSchedule("'it''s'*2 'a b'[3]+4")).toEqual([
      step("it's"),
      step("it's"),
      step('a b', 4, 3),
    ]);
  });

  it('reads back every list of steps it writes (property)', () => {
    const name = fc.oneof(
      fc.constantFrom('main', 'w1', 'natural', 'producer', "it's", 'a b', "''", '[1]', '*', '+1'),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    );
    const steps = fc.array(
      fc.record({
        agent: name,
        nth: fc.integer({ min: 1, max: 4 }),
        gap: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(steps, (list) => {
        const text = formatSchedule(list);
        expect(parseSchedule(text)).toEqual(list);
        // Padding is not part of the schedule.
        expect(parseSchedule(`  ${text}\n`)).toEqual(list);
      }),
      { numRuns: 2000 },
    );
  });

  it('still reads the older form of ready-set indexes', () => {
    expect(parseSchedule('1+1.0')).toEqual([
      { index: 1, gap: 1 },
      { index: 0, gap: undefined },
    ]);
    expect(parseSchedule('seed 1: 0.1')).toEqual([
      { index: 0, gap: undefined },
      { index: 1, gap: undefined },
    ]);
    expect(parseSchedule('natural')).toBeUndefined();
    expect(parseSchedule('')).toEqual([]);
  });

  it.each([
    ["'open", 'a quoted name has no closing quote'],
    ['a[0]', '"a[0]": [n] counts from 1'],
    ['a[2', 'expected "]"'],
    ['a*0', '"a*0": *k repeats at least once'],
    ['a+', 'expected a number after "+"'],
    ['a+16', '"a+16": the gap is at most 15 turns'],
    ['a,b', 'unexpected "," after step 0 ("a"); steps are separated by spaces'],
    [
      'a (b)',
      "expected an agent's name at \"(b)\" (quote names that are not plain words: 'a name')",
    ],
  ])('refuses %j with a ScheduleError that says why', (text, why) => {
    let error: unknown;
    try {
      parseSchedule(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScheduleError);
    expect((error as ScheduleError).problem).toBe('syntax');
    expect((error as ScheduleError).message).toContain(why);
  });
});

describe('replay() by name, in one thread', () => {
  it('replays the printed named schedule, and the older index form alike', async () => {
    const scenario = hiddenDeposits(2);
    const found = (await rejection(
      explore(scenario, { seed: 1, strategy: 'random' }),
    )) as ExplorationError;
    expect(found.schedule).toBe('T2+1 T1');
    const named = (await rejection(replay(scenario, 'T2+1 T1'))) as ExplorationError;
    expect(named).toBeInstanceOf(ExplorationError);
    expect(named.steps).toEqual(found.steps);
    const indexed = (await rejection(replay(scenario, '1+1.0'))) as ExplorationError;
    expect(indexed.steps).toEqual(found.steps);
    // The other order is the natural one, and passes.
    await expect(replay(scenario, 'T1 T2')).resolves.toBeUndefined();
  });

  it('quotes unnamed tasks (named by where they started) and replays them', async () => {
    // Two anonymous calls of one function, no task(): the later one validates first, so the
    // plain run passes; a steered run lets both take their first lock.
    const scenario = async (): Promise<void> => {
      const a = new Lock({ name: 'a' });
      const b = new Lock({ name: 'b' });
      const take = async (first: Lock, second: Lock, checks: number): Promise<void> => {
        for (let i = 0; i < checks; i++) await Promise.resolve();
        await first.acquire();
        await second.acquire();
        second.release();
        first.release();
      };
      await Promise.all([take(a, b, 0), take(b, a, 4)]);
    };
    const found = (await rejection(explore(scenario, { seed: 1 }))) as ExplorationError;
    expect(found.failure).toBe('deadlock');
    expect(found.run).toBeGreaterThan(1);
    expect(found.schedule).toMatch(/^'take \(started at test\/schedule\.test\.ts:\d+:\d+\)'/);
    const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
    expect(again.failure).toBe('deadlock');
    expect(again.steps).toEqual(found.steps);
  });

  it('names a task the scenario does not have in a typed error', async () => {
    const error = await rejection(replay(hiddenDeposits(2), 'T2+1 T3'));
    expect(error).toBeInstanceOf(ScheduleError);
    expect(error).toMatchObject({ problem: 'unknown-agent', agent: 'T3', step: 1 });
    expect(error.message).toBe(
      'replay: the scenario no longer follows the schedule: at step 1 the schedule names T3, which is not an agent of this scenario (its agents so far: main, T1, T2)',
    );
  });

  it('says when a named task exists but is not ready, or the lengths differ', async () => {
    const notReady = await rejection(replay(hiddenDeposits(2), 'T2 T2 T2'));
    expect(notReady).toMatchObject({ name: 'ScheduleError', problem: 'not-ready', agent: 'T2' });
    expect(notReady.message).toMatch(/at step \d the schedule picks T2, but it is not ready/);
    const short = await rejection(replay(hiddenDeposits(2), 'T1'));
    expect(short).toMatchObject({ name: 'ScheduleError', problem: 'diverged' });
    expect(short.message).toContain('the schedule ends after 1 steps, but the run goes on');
  });
});

afterEach(endWorkers);

describe('replay() by name, across workers', () => {
  it(
    'follows a schedule written by hand: w1 takes a, w2 takes b, then each waits',
    { timeout: 120_000 },
    async () => {
      const error = (await rejection(replay(inversion, 'w1 w2*2 w1'))) as ExplorationError;
      expect(error).toBeInstanceOf(ExplorationError);
      expect(error.failure).toBe('deadlock');
      expect(error.steps).toEqual([
        'w1 goes on to acquire SharedLock a',
        'w2 goes on to acquire SharedLock b',
        'w2 goes on to acquire SharedLock a',
        'w1 goes on to acquire SharedLock b',
      ]);
      expect(error.message).toMatch(/w1 waits for SharedLock b since .*, held by w2/);
      expect(error.message).toContain('schedule: "w1 w2*2 w1"');
      await endWorkers();
      // One after the other, no deadlock.
      await expect(replay(inversion, 'w1*4 w2*4')).resolves.toBeUndefined();
    },
  );

  it(
    'names a worker the scenario does not start in a typed error',
    { timeout: 120_000 },
    async () => {
      const error = await rejection(replay(inversion, 'w1 w3'));
      expect(error).toBeInstanceOf(ScheduleError);
      expect(error).toMatchObject({ problem: 'unknown-agent', agent: 'w3', step: 1 });
      expect(error.message).toContain(
        'at step 1 the schedule names w3, which is not an agent of this scenario',
      );
      expect(error.message).toContain('(its agents so far: main, w1, w2)');
    },
  );
});
