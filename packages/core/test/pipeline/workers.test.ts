// Worker stages run the BUILT package (dist/): a worker starts from dist/pipeline/node-worker.js
// and runs the build's bundle of worker-jobs.js, which a test run from src/ could not start. The
// types still come from src/.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type * as Core from '../../src/index.js';
import { runNodeScript } from './node-script.js';

const core = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Core;
const { liveWorkers, bootstrapCodeCache } = (await import(
  new URL('../../dist/pipeline/spawn.js', import.meta.url).href
)) as {
  liveWorkers(): number;
  bootstrapCodeCache(): { readonly bytes: number; readonly received: number };
};
const { pipeline, map, filter, flatMap, PipelineError, WorkerPool } = core;

const stages = new URL('./fixtures/stages.mjs', import.meta.url);
const from = (name: string): Core.StageModule => ({ module: stages, export: name });
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// Every test's pipeline has settled before the test ends: no worker may be left alive.
afterEach(() => expect(liveWorkers()).toBe(0));

/** One pipeline definition; only the placement changes. */
function definition(placement: Core.Placement, ordered: boolean) {
  return pipeline<number, number>({
    source: range(60),
    stages: [
      map<number, number>(from('jitter'), { placement, concurrency: 2, ordered }),
      filter<number>(from('isOdd'), { placement, concurrency: 2, ordered }),
      flatMap<number, number>(from('twice'), { placement, ordered }),
      map<number, number>(from('default'), { name: 'square', placement, ordered }),
    ],
    capacity: 4,
  });
}

describe('pipeline: worker stages', () => {
  it('gives the same multiset of results in workers as in-thread', async () => {
    const inThread = await definition('thread', false).run();
    const inWorkers = await definition('worker', false).run();
    const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
    expect(inThread.items).toHaveLength(60);
    expect(sorted(inWorkers.items)).toEqual(sorted(inThread.items));
    expect(inWorkers.stats.map((s) => [s.name, s.placement, s.itemsIn, s.itemsOut])).toEqual([
      ['source', 'thread', 0, 60],
      ['map#1', 'worker', 60, 60],
      ['filter#2', 'worker', 60, 30],
      ['flatMap#3', 'worker', 30, 60],
      ['square', 'worker', 60, 60],
      ['sink', 'thread', 60, 0],
    ]);
  });

  it('keeps input order in an ordered worker stage', async () => {
    const inThread = await definition('thread', true).run();
    const inWorkers = await definition('worker', true).run();
    const expected = range(60)
      .map((x) => x + 1000)
      .filter((x) => x % 2 === 1)
      .flatMap((x) => [x * x, x * x]);
    expect(inThread.items).toEqual(expected);
    expect(inWorkers.items).toEqual(expected);
  });

  it('runs several workers on one queue, and async stage functions', async () => {
    const { items } = await pipeline<number, string>({
      source: range(40),
      stages: [
        map(from('whoAmI'), { name: 'who', placement: 'worker', concurrency: 2 }),
        map(from('later'), { placement: 'worker' }),
      ],
    }).run();
    expect(items).toHaveLength(40);
    const workers = new Set(items.map((s) => s.split(':')[1]));
    expect([...workers].every((w) => w === '0' || w === '1')).toBe(true);
    const values = items.map((s) => Number(s.split(':')[2])).sort((a, b) => a - b);
    expect(values).toEqual(range(40));
  });

  it('runs a stage given as source text', async () => {
    const { items } = await pipeline<number, number>({
      source: [1, 2, 3],
      stages: [
        map(
          { source: 'export const triple = (x) => x * 3;', export: 'triple' },
          { placement: 'worker' },
        ),
      ],
    }).run();
    expect(items).toEqual([3, 6, 9]);
    const inThread = await pipeline<number, number>({
      source: [1, 2, 3],
      stages: [map({ source: 'export default (x) => x * 3;' })],
    }).run();
    expect(inThread.items).toEqual([3, 6, 9]);
  });

  it('carries numbers through float64 queues', async () => {
    const { items } = await pipeline<number, number>({
      source: [0.5, 1.5, -2],
      stages: [map(from('default'), { placement: 'worker', codec: 'float64' })],
      codec: 'float64',
    }).run();
    expect(items).toEqual([0.25, 2.25, 4]);
  });
});

describe('pipeline: worker stages stop cleanly', () => {
  it('an error in a worker names the stage, keeps the cause and leaves no worker', async () => {
    for (const ordered of [false, true]) {
      const error = await pipeline({
        source: range(100),
        stages: [
          map(from('jitter'), { placement: 'worker', concurrency: 2, ordered }),
          map<number, number>((x) => x - 1000, { name: 'back' }),
          map(from('failAt13'), { name: 'unlucky', placement: 'worker', concurrency: 2, ordered }),
        ],
        capacity: 2,
      })
        .run()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PipelineError);
      expect((error as Core.PipelineError).stage).toBe('unlucky');
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect(((error as Error).cause as Error).message).toBe('unlucky 13');
      expect(liveWorkers()).toBe(0);
    }
  });

  it('an abort stops a runaway worker by terminating it', async () => {
    const controller = new AbortController();
    const reason = new Error('enough');
    const running = pipeline({
      source: range(20),
      stages: [map(from('hangAt5'), { placement: 'worker', concurrency: 2 })],
      sink: (x: number) => {
        if (x === 4) controller.abort(reason);
      },
    }).run({ signal: controller.signal });
    await expect(running).rejects.toBe(reason);
    expect(liveWorkers()).toBe(0);
  });

  it('an abort while workers start is reported as the abort, not as a stage failure', async () => {
    const events: Core.TraceEvent[] = [];
    const previous = core.setTracer({ event: (e) => events.push(e) });
    const controller = new AbortController();
    const reason = new Error('stop early');
    try {
      const running = pipeline({
        source: range(20),
        stages: [map(from('jitter'), { name: 'starting', placement: 'worker', concurrency: 2 })],
      }).run({ signal: controller.signal });
      controller.abort(reason); // the workers are still loading their module
      await expect(running).rejects.toBe(reason);
    } finally {
      core.setTracer(previous);
    }
    const ends = events.filter((e) => e.primitive === 'Pipeline' && /abort|broken/.test(e.kind));
    expect(ends.map((e) => e.kind)).toEqual(['abort']);
    expect(liveWorkers()).toBe(0);
  });

  it('an error in-thread stops the workers too', async () => {
    const error = await pipeline({
      source: range(50),
      stages: [map(from('default'), { placement: 'worker', concurrency: 2 })],
      sink: (x: number) => {
        if (x === 49) throw new TypeError('sink says no');
      },
    })
      .run()
      .catch((e: unknown) => e);
    expect((error as Core.PipelineError).stage).toBe('sink');
    expect(liveWorkers()).toBe(0);
  });

  it('a module that does not export a function fails the run before any item moves', async () => {
    let pulled = 0;
    const error = await pipeline({
      source: function* () {
        pulled++;
        yield 1;
      },
      stages: [map(from('notAFunction'), { name: 'bad', placement: 'worker', concurrency: 2 })],
    })
      .run()
      .catch((e: unknown) => e);
    expect((error as Core.PipelineError).stage).toBe('bad');
    expect(String((error as Error).cause)).toMatch(/export 'notAFunction' .* must be a function/);
    expect(pulled).toBe(0);
  });

  it('says what is missing where SharedArrayBuffer is not available', async () => {
    const global = globalThis as { SharedArrayBuffer?: unknown };
    const saved = global.SharedArrayBuffer;
    delete global.SharedArrayBuffer; // as on a page without cross-origin isolation
    let error: unknown;
    try {
      error = await pipeline({
        source: [1],
        stages: [map(from('default'), { name: 'square', placement: 'worker' })],
      })
        .run()
        .catch((e: unknown) => e);
    } finally {
      global.SharedArrayBuffer = saved;
    }
    expect((error as Core.PipelineError).stage).toBe('square');
    expect(String((error as Error).cause)).toMatch(/need SharedArrayBuffer.*cross-origin/);
  });

  it('a value the codec cannot carry fails the stage that put it', async () => {
    const error = await pipeline({
      source: [1, 2],
      stages: [
        map(() => 'not a number', { name: 'words', codec: 'float64' }),
        map(from('default'), { placement: 'worker' }),
      ],
    })
      .run()
      .catch((e: unknown) => e);
    expect((error as Core.PipelineError).stage).toBe('words');
    expect((error as Error).cause).toBeInstanceOf(core.CodecError);
  });

  it('an error or an abort at any point leaves no worker behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(59), fc.boolean(), fc.boolean(), async (at, abort, ordered) => {
        const controller = new AbortController();
        const reason = new Error('abort');
        const error = await pipeline({
          source: range(60),
          stages: [
            map(from('jitter'), { placement: 'worker', concurrency: 2, ordered }),
            map(from('default'), { name: 'square', placement: 'worker', ordered }),
          ],
          sink: () => {
            if (--at >= 0) return;
            if (abort) controller.abort(reason);
            else throw new Error('sink fails');
          },
          capacity: 3,
        })
          .run({ signal: controller.signal })
          .catch((e: unknown) => e);
        if (abort) expect(error).toBe(reason);
        else expect((error as Core.PipelineError).stage).toBe('sink');
        expect(liveWorkers()).toBe(0);
      }),
      { numRuns: 8 },
    );
  });
});

describe('pipeline: worker stages and backpressure', () => {
  it('a slow sink bounds the lead of the source over it', async () => {
    let produced = 0;
    let consumed = 0;
    let lead = 0;
    await pipeline({
      source: function* () {
        for (let i = 0; i < 120; i++) {
          produced++;
          yield i;
        }
      },
      stages: [map(from('default'), { placement: 'worker', concurrency: 2 })],
      sink: async () => {
        consumed++;
        lead = Math.max(lead, produced - consumed);
        await new Promise((resolve) => setImmediate(resolve));
      },
      capacity: 4,
    }).run();
    expect(consumed).toBe(120);
    // The source's item in hand, its queue (4), the workers' batches (each takes its share of
    // what waits, so at most the queue's capacity between them), the stage's queue (4).
    expect(lead).toBeLessThanOrEqual(1 + 4 + 4 + 4);
  });
});

describe('pipeline: worker stages end gracefully and load what users write', () => {
  it('delivers every console line a worker stage logs, run after run', async () => {
    const script = new URL('./fixtures/console-check.mjs', import.meta.url);
    for (let attempt = 0; attempt < 3; attempt++) {
      const stdout = await runNodeScript(script, [], 120_000);
      const lines = stdout.split('\n').filter((line) => line.startsWith('logged '));
      const expected = range(5).flatMap((run) =>
        range(10).map((i) => `logged run ${run} item ${i}`),
      );
      expect([...lines].sort()).toEqual([...expected].sort());
    }
  });

  it('runs a .ts stage module (with a .ts import) in workers and in-thread', async () => {
    const typed = { module: new URL('./fixtures/typed-stage.ts', import.meta.url) };
    for (const placement of ['worker', 'thread'] as const) {
      const { items } = await pipeline<{ id: number; qty: number }, unknown>({
        source: [
          { id: 1, qty: 2 },
          { id: 2, qty: 4 },
        ],
        stages: [map(typed, { placement, ordered: true })],
      }).run();
      expect(items, placement).toEqual([
        { id: 1, total: 5 },
        { id: 2, total: 10 },
      ]);
    }
  });

  it('says what to do when a stage module cannot be loaded', async () => {
    // Written here: a file with a syntax error would trip the repository's own linters.
    const dir = mkdtempSync(join(tmpdir(), 'baton-broken-'));
    const broken = join(dir, 'broken-stage.mjs');
    writeFileSync(broken, 'export default (x) => x +\n');
    // In-thread, a module file is imported by vitest's own module runner here, which words a
    // syntax error its own way: the file cases check the workers' own loading.
    const cases: [Core.StageModule, RegExp, placements?: Core.Placement[]][] = [
      [
        { module: new URL('./fixtures/no-such-stage.mjs', import.meta.url) },
        /could not load module file:.*no-such-stage\.mjs: .*Check that the file exists/,
      ],
      [
        { source: 'export default (x) => x +' },
        /could not load the stage source text: .*Fix the syntax error/,
      ],
      [
        { source: 'throw new RangeError("boom at load")' },
        /boom at load\. The error was thrown while the module was evaluated/,
      ],
      // Module files, loaded by a worker: the same words.
      [
        { module: pathToFileURL(broken) },
        /could not load module file:.*broken-stage\.mjs: .*Fix the syntax error/,
        ['worker'],
      ],
      [
        { module: new URL('./fixtures/throwing-stage.mjs', import.meta.url) },
        /boom in a file at load\. The error was thrown while the module was evaluated/,
        ['worker'],
      ],
      [
        from('nowhere'),
        /export 'nowhere' of module .* must be a function, got undefined \(its functions: .*'jitter'/,
      ],
    ];
    for (const [spec, message, placements = ['worker', 'thread'] as const] of cases) {
      for (const placement of placements) {
        const error = await pipeline({
          source: [1],
          stages: [map(spec, { name: 'loading', placement })],
        })
          .run()
          .catch((e: unknown) => e);
        expect(error, placement).toBeInstanceOf(PipelineError);
        expect((error as Core.PipelineError).stage).toBe('loading');
        const cause = (error as Error).cause as Error;
        expect(cause.name, `${placement} ${String(message)}`).toBe('StageLoadError');
        expect(cause.message, placement).toMatch(message);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('pipeline: a worker stage starts on its first ready worker', () => {
  const lateLoader: Core.StageModule = {
    module: new URL('./fixtures/late-loader.mjs', import.meta.url),
  };

  /** Runs 200 items through a 2-worker stage whose second worker loads only once released. */
  async function runLate(fail: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'baton-late-'));
    process.env.BATON_LATE_DIR = dir;
    process.env.BATON_LATE_FAIL = fail ? '1' : '0';
    const delivered: number[] = [];
    let loadedAtFirstItem: boolean | undefined;
    try {
      const outcome = await pipeline<number, number>({
        source: range(200),
        stages: [
          map<number, number>(lateLoader, { name: 'late', placement: 'worker', concurrency: 2 }),
        ],
        sink: (x) => {
          if (loadedAtFirstItem === undefined) {
            loadedAtFirstItem = existsSync(join(dir, 'loaded'));
            writeFileSync(join(dir, 'release'), ''); // now the second worker may finish loading
          }
          delivered.push(x);
        },
        capacity: 4,
      })
        .run()
        .then(
          (result) => ({ result, error: undefined }),
          (error: unknown) => ({ result: undefined, error }),
        );
      return { ...outcome, delivered, loadedAtFirstItem, loaded: existsSync(join(dir, 'loaded')) };
    } finally {
      delete process.env.BATON_LATE_DIR;
      delete process.env.BATON_LATE_FAIL;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('delivers items while the second worker is still loading, then uses both', async () => {
    const { result, error, delivered, loadedAtFirstItem, loaded } = await runLate(false);
    expect(error).toBeUndefined();
    expect(loadedAtFirstItem).toBe(false); // the first item came out before worker 2 had loaded
    expect(loaded).toBe(true); // and worker 2 did load, and ended cleanly with the stage
    expect([...delivered].sort((a, b) => a - b)).toEqual(range(200).map((x) => x * 3));
    expect(result?.stats.find((s) => s.name === 'late')?.itemsOut).toBe(200);
  });

  it('fails the run with the StageLoadError of a worker that fails to load after another could', async () => {
    const { error, delivered, loadedAtFirstItem } = await runLate(true);
    expect(loadedAtFirstItem).toBe(false);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as Core.PipelineError).stage).toBe('late');
    const cause = (error as Error).cause as Error;
    expect(cause.name).toBe('StageLoadError');
    expect(cause.message).toMatch(
      /stage 'late' could not load module .*second worker failed to load/,
    );
    // Nothing made up or doubled: what reached the sink is each a distinct tripled input.
    expect(new Set(delivered).size).toBe(delivered.length);
    for (const x of delivered) expect(range(200).map((i) => i * 3)).toContain(x);
    // (afterEach: no worker is left alive, the failed one included)
  });
});

describe('pipeline: how a Node worker starts', () => {
  it('runs the bundled script, and user code in the worker shares its registry state', async () => {
    // dist/pipeline/node-worker-bundle.js bundles worker-jobs.js and its modules but keeps the
    // registry's state on a global: a stage module importing @baton/core must find this
    // thread's agent (one row, named after the stage), not a second copy of the registry state.
    const { items } = await pipeline<number, string>({
      source: [1],
      stages: [
        map<number, string>(
          { module: new URL('./fixtures/registry-view.mjs', import.meta.url) },
          { name: 'view', placement: 'worker', codec: 'json' },
        ),
      ],
      codec: 'json',
    }).run();
    const seen = JSON.parse(items[0] as string) as {
      id: number;
      rows: { id: number; name: string }[];
      bootstrap: string | undefined;
    };
    expect(seen.bootstrap).toBe('node-worker-bundle.js');
    expect(seen.rows).toEqual([{ id: seen.id, name: 'view #0' }]);
  });

  it('gives the code cache of a worker that compiled the bundle to the workers started after', async () => {
    const doubled = () =>
      pipeline<number, number>({
        source: range(8),
        stages: [map(from('default'), { placement: 'worker', concurrency: 2, ordered: true })],
      }).run();
    expect((await doubled()).items).toEqual(range(8).map((x) => x * x));
    // This run's workers, or earlier ones, compiled the bundle and sent their cache.
    const before = bootstrapCodeCache();
    expect(before.bytes).toBeGreaterThan(10_000);
    expect(before.received).toBeGreaterThan(0);
    expect((await doubled()).items).toEqual(range(8).map((x) => x * x));
    // These two started with it, and V8 took it: neither had to compile, so neither sent one.
    expect(bootstrapCodeCache()).toEqual(before);
  });

  it('loads a CommonJS stage module as import() does, in workers and in-thread', async () => {
    // Its namespace in a worker is the one a stage placed in the main thread gets (`default` is
    // module.exports), as a worker that tried require() first once failed to give.
    const triple = new URL('./fixtures/commonjs/triple.js', import.meta.url);
    for (const placement of ['worker', 'thread'] as const) {
      const { items } = await pipeline<number, number>({
        source: [1, 2, 3],
        stages: [
          map<number, number>({ module: triple }, { placement, ordered: true }),
          map<number, number>({ module: triple, export: 'loads' }, { placement, ordered: true }),
        ],
      }).run();
      expect(items, placement).toHaveLength(3);
      // The worker ran the file once. (In-thread the count is this test process's, which other
      // tests may have loaded it in too.)
      if (placement === 'worker') expect(items).toEqual([1, 1, 1]);
    }
  });

  it(
    'survives runs stopped while their workers are still loading',
    { timeout: 180_000 },
    async () => {
      // In a process of its own: what failed here was the process itself (see the fixture).
      const stdout = await runNodeScript(
        new URL('./fixtures/early-stops.mjs', import.meta.url),
        ['600'],
        170_000,
      );
      const { runs, stopped } = JSON.parse(stdout) as { runs: number; stopped: number };
      expect(runs).toBe(600);
      expect(stopped).toBeGreaterThan(0); // some runs were stopped, not all finished first
    },
  );

  it('loads a stage module with top-level await', async () => {
    const { items } = await pipeline<number, number>({
      source: [1, 2, 3],
      stages: [
        map<number, number>(
          { module: new URL('./fixtures/top-level-await.mjs', import.meta.url) },
          { placement: 'worker', concurrency: 2, ordered: true },
        ),
      ],
    }).run();
    expect(items).toEqual([101, 102, 103]);
  });
});

describe('WorkerPool', () => {
  it('lends the same warm workers to every run of a definition, and closes', async () => {
    const pool = new WorkerPool({ workers: 2, preload: [from('whoAmI')] });
    await pool.ready();
    expect(pool.size).toBe(2);
    const who = pipeline<number, string>({
      source: range(20),
      stages: [
        map(from('whoAmI'), { name: 'who', placement: 'worker', concurrency: 2 }),
        map(from('threadId'), { name: 'thread', placement: 'worker', concurrency: 2 }),
      ],
      pool,
    });
    const threads = new Set<string>();
    for (let run = 0; run < 3; run++) {
      const { items } = await who.run();
      expect(items).toHaveLength(20);
      for (const item of items) threads.add(item.split('@')[1] as string);
      expect(pool.size).toBe(4); // two stages of two: the pool started two more, and kept them
    }
    expect(threads.size).toBeLessThanOrEqual(4);
    expect(liveWorkers()).toBe(4);
    await pool.close();
    expect(pool.size).toBe(0);
    expect(() => pool.close()).not.toThrow();
    const error = await who.run().catch((e: unknown) => e);
    expect(String((error as Error).cause)).toMatch(/worker pool 'baton pool' is closed/);
  });

  it('replaces the workers of a run that stopped early, and survives it', async () => {
    await using pool = new WorkerPool({ workers: 2 });
    const controller = new AbortController();
    const reason = new Error('enough');
    const runaway = pipeline({
      source: range(20),
      stages: [map(from('hangAt5'), { placement: 'worker', concurrency: 2 })],
      sink: (x: number) => {
        if (x === 4) controller.abort(reason);
      },
      pool,
    });
    await expect(runaway.run({ signal: controller.signal })).rejects.toBe(reason);
    expect(pool.size).toBe(0); // both terminated: one was running away
    const { items } = await pipeline<number, number>({
      source: [1, 2, 3],
      stages: [map(from('default'), { placement: 'worker', concurrency: 2, ordered: true })],
      pool,
    }).run();
    expect(items).toEqual([1, 4, 9]);
    expect(pool.size).toBe(2);
  });

  it('refuses bad options with the field named', () => {
    expect(() => new WorkerPool({ workers: -1 })).toThrow(/workers/);
    expect(() => new WorkerPool({ preload: [{ nope: 1 } as never] })).toThrow(/preload\[0\]/);
    expect(() => pipeline({ source: [1], pool: {} as never })).toThrow(/pool must be a WorkerPool/);
  });
});
