import { expect, test } from '@playwright/test';

// Drives apps/playground/lab/pipeline.ts: one pipeline definition whose middle stage ('square')
// runs in this thread and in two module Web Workers, given as source text, as a module URL from
// Vite's `?url` import, and as a module URL from `new URL('./x.js', import.meta.url)`.

interface RunReport {
  form: string;
  placement: 'thread' | 'worker';
  ordered: boolean;
  items: number[];
  stats: [string, string, number, number][];
  workersStarted: number;
  workersAlive: number;
}

interface ErrorReport {
  form: string;
  placement: 'thread' | 'worker';
  isPipelineError: boolean;
  name: string;
  stage: string | null;
  message: string;
  cause: string;
  workersStarted: number;
  workersAlive: number;
}

interface Lab {
  done: boolean;
  crossOriginIsolated: boolean;
  runs?: RunReport[];
  errors?: ErrorReport[];
  abort?: {
    rejectedWithReason: boolean;
    sinkSaw: number[];
    workersStarted: number;
    workersAlive: number;
  };
  error?: string;
}

const FORMS = ['source', 'url import', 'new URL'];
const ITEMS = 200;
// plus one, square, minus one
const expected = Array.from({ length: ITEMS }, (_, i) => (i + 1) * (i + 1) - 1);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

let lab: Lab;

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto('/lab/pipeline.html');
  await page.waitForFunction(() => window.pipelineLab?.done === true, undefined, {
    timeout: 50_000,
  });
  lab = (await page.evaluate(() => window.pipelineLab)) as Lab;
  await page.close();
  expect(problems).toEqual([]);
});

declare global {
  interface Window {
    pipelineLab?: Lab;
  }
}

test('the lab page ran every pipeline, cross-origin isolated', () => {
  expect(lab.error).toBeUndefined();
  expect(lab.crossOriginIsolated).toBe(true);
  expect(lab.runs).toHaveLength(FORMS.length * 4);
  expect(lab.errors).toHaveLength(FORMS.length * 2 + 2);
});

test('a module URL that does not load fails the run, naming the stage', () => {
  for (const placement of ['thread', 'worker']) {
    const failure = lab.errors?.find(
      (r) => r.form === 'missing module' && r.placement === placement,
    );
    expect(failure).toMatchObject({ isPipelineError: true, stage: 'square', workersAlive: 0 });
    expect(failure?.cause).toMatch(/no-such-stage\.js/);
  }
});

test('an abort terminates a worker stuck in a loop and leaves no worker alive', () => {
  expect(lab.abort).toMatchObject({ rejectedWithReason: true, workersStarted: 2, workersAlive: 0 });
  expect(lab.abort?.sinkSaw).toContain(4);
  expect(lab.abort?.sinkSaw).not.toContain(5);
});

for (const form of FORMS) {
  test.describe(`middle stage given as ${form}`, () => {
    const find = (placement: string, ordered: boolean): RunReport => {
      const run = lab.runs?.find(
        (r) => r.form === form && r.placement === placement && r.ordered === ordered,
      );
      if (!run) throw new Error(`no ${placement} run (ordered: ${ordered}) of form ${form}`);
      return run;
    };

    test('in two workers gives the same multiset of results as in-thread', () => {
      const inThread = find('thread', false);
      const inWorkers = find('worker', false);
      expect(sorted(inThread.items)).toEqual(expected);
      expect(sorted(inWorkers.items)).toEqual(sorted(inThread.items));
      // The middle stage really ran in two workers, which each run then terminated.
      expect(inWorkers.workersStarted).toBe(2);
      expect(inThread.workersStarted).toBe(0);
      expect(inWorkers.stats).toEqual([
        ['source', 'thread', 0, ITEMS],
        ['plus one', 'thread', ITEMS, ITEMS],
        ['square', 'worker', ITEMS, ITEMS],
        ['minus one', 'thread', ITEMS, ITEMS],
        ['sink', 'thread', ITEMS, 0],
      ]);
      expect(inThread.stats.map((s) => s[1])).toEqual([
        'thread',
        'thread',
        'thread',
        'thread',
        'thread',
      ]);
    });

    test('ordered mode keeps input order, in workers and in-thread', () => {
      const inThread = find('thread', true);
      const inWorkers = find('worker', true);
      expect(inThread.items).toEqual(expected);
      expect(inWorkers.items).toEqual(expected);
      expect(inWorkers.workersStarted).toBe(2);
    });

    test('leaves no worker alive after any run', () => {
      const runs = lab.runs?.filter((r) => r.form === form) ?? [];
      const errors = lab.errors?.filter((r) => r.form === form) ?? [];
      expect(runs).toHaveLength(4);
      expect(errors).toHaveLength(2);
      for (const r of [...runs, ...errors]) expect(r.workersAlive).toBe(0);
    });

    test('an error in the stage rejects run() with a PipelineError naming it', () => {
      for (const placement of ['thread', 'worker']) {
        const failure = lab.errors?.find((r) => r.form === form && r.placement === placement);
        expect(failure).toMatchObject({
          isPipelineError: true,
          stage: 'square',
          // 'plus one' turned input 12 into 13
          cause: 'RangeError: item 13 is unlucky',
          workersStarted: placement === 'worker' ? 2 : 0,
          workersAlive: 0,
        });
        expect(failure?.message).toMatch(/stage 'square'.*RangeError: item 13 is unlucky/);
      }
    });
  });
}

// A production build renames classes; Baton's errors name themselves on their prototypes so
// that `error.name` still reads 'PipelineError' (not e.g. 'B').
test('a PipelineError keeps its name in a minified build', () => {
  expect(lab.errors?.length).toBeGreaterThan(0);
  for (const failure of lab.errors ?? []) expect(failure.name).toBe('PipelineError');
});
