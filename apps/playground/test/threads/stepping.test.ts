// The page's Run and Stepper (core's GateController) steering the playground's real worker
// (`runtime/worker/main.ts`, bundled for node worker threads) in real threads: a stepped run
// parks each worker before each step and reports what it is about to do; a deadlock reached by
// stepping gets its verdict; and a recorded free run of a racy example, replayed through its
// schedule, reaches the same accounting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker as NodeWorker } from 'node:worker_threads';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../src/examples.js';
import { Run, type Program } from '../../src/runtime/page/run.js';

let dir = '';
let bundle = '';
const started: NodeWorker[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'playground-threads-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    build: {
      ssr: true,
      write: true,
      outDir: dir,
      emptyOutDir: true,
      minify: false,
      rollupOptions: {
        input: new URL('./worker-entry.ts', import.meta.url).pathname,
        output: { format: 'es', entryFileNames: 'worker.mjs', codeSplitting: false },
      },
    },
    ssr: { noExternal: true },
  });
  bundle = join(dir, 'worker.mjs');
}, 120_000);

afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A node worker thread behind the Web Worker interface the Run uses. */
function nodeWorker(): Worker {
  const worker = new NodeWorker(bundle);
  started.push(worker);
  const web = {
    onmessage: null as ((event: { data: unknown }) => void) | null,
    onerror: null as ((event: unknown) => void) | null,
    postMessage: (message: unknown) => worker.postMessage(message),
    terminate: () => void worker.terminate(),
  };
  worker.on('message', (data: unknown) => web.onmessage?.({ data }));
  worker.on('error', (error: Error) =>
    web.onerror?.({ message: error.message, preventDefault: () => undefined }),
  );
  return web as unknown as Worker;
}

const example = (id: string): Program => {
  const found = EXAMPLES.find((e) => e.id === id);
  if (found === undefined) throw new Error(`no example ${id}`);
  return {
    producer: found.producer,
    consumer: found.consumer,
    language: 'js',
    settings: found.settings,
  };
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ticks `run` until `done()` holds (a hang guard of 30 s, not a speed assertion). */
async function until(run: Run, done: () => boolean, what: string): Promise<void> {
  for (let start = Date.now(); !done(); await pause(5)) {
    run.tick();
    if (Date.now() - start > 30_000) throw new Error(`gave up waiting for ${what}`);
  }
}

function start(program: Program, options: ConstructorParameters<typeof Run>[3]) {
  const ended: Run[] = [];
  const run = new Run(program, (r) => ended.push(r), nodeWorker, options);
  return { run, ended };
}

describe('step mode and replay with the real worker in real threads', () => {
  it('steps the lesson deadlock to its verdict, showing what each worker is about to do', async () => {
    const { run, ended } = start(example('locks-twice'), { mode: 'step' });
    const lane = (w: number) => run.model.lanes[w]!;
    const intent = (w: number) =>
      lane(w).intent === null
        ? null
        : `${lane(w).intent!.blocked ? 'waiting: ' : ''}${lane(w).intent!.op} ${lane(w).intent!.target}`;
    await until(run, () => run.stepper.eligible().length === 2, 'both workers parked');
    await until(run, () => intent(0) !== null, "producer 1's intent");
    expect(intent(0)).toBe('acquire producer_lock');
    expect(lane(0).intent!.line).toBeGreaterThan(0);

    // producer 1: acquire, write, acquire again: now it waits for itself, and cannot step.
    await run.step(0);
    await until(run, () => intent(0)?.startsWith('write') === true, 'the write');
    await run.step(0);
    await until(run, () => intent(0) === 'acquire producer_lock', 'the second acquire');
    await run.step(0);
    await until(run, () => intent(0) === 'waiting: acquire producer_lock', 'the wait');
    expect(run.stepper.canStep(0)).toBe(false);
    expect(run.stepper.eligible()).toEqual([1]);

    // consumer 1 steps until nobody can: a deadlock reached by stepping, explained.
    for (let i = 0; i < 20 && run.running; i++) {
      await until(run, () => !run.running || run.stepper.settled, 'a settled run');
      if (!run.running) break;
      if (run.stepper.canStep(1)) await run.step(1);
      else run.tick();
    }
    await until(run, () => !run.running, 'the verdict');
    expect(ended).toEqual([run]);
    expect(run.verdict?.kind).toBe('deadlock');
    const text = run.verdict?.kind === 'deadlock' ? run.verdict.deadlock : null;
    expect(JSON.stringify(text)).toMatch(
      /producer 1 waits for lock producer_lock since .*which it holds itself/,
    );
    // The run's schedule is the order the page released the workers in.
    expect(run.schedule.slice(0, 3)).toEqual([0, 0, 0]);
  }, 120_000);

  it('replays a recorded free run of the racy example to the same accounting', async () => {
    const program = example('race');
    const free = start(program, { mode: 'free' });
    await until(free.run, () => !free.run.running, 'the free run');
    const recorded = free.run.verdict!;
    const schedule = free.run.schedule;
    // Every cell read and write is one step: 20 writes + FINISH, and the consumer's reads.
    expect(schedule.filter((w) => w === 0)).toHaveLength(21);
    expect(schedule.length).toBeGreaterThan(21);

    const replay = start(program, { mode: 'step', seed: free.run.seed });
    let diverged = 0;
    for (const next of schedule) {
      await until(replay.run, () => !replay.run.running || replay.run.stepper.settled, 'a step');
      if (!replay.run.running) break;
      let w = next;
      if (!replay.run.stepper.canStep(w)) {
        diverged++;
        const other = replay.run.stepper.eligible()[0];
        if (other === undefined) break;
        w = other;
      }
      await replay.run.step(w);
    }
    replay.run.release();
    await until(replay.run, () => !replay.run.running, 'the replay');
    expect(diverged).toBe(0);
    expect(replay.run.verdict?.kind).toBe(recorded.kind);
    expect(replay.run.verdict?.accounting).toEqual(recorded.accounting);
    expect(replay.run.schedule).toEqual(schedule);
  }, 120_000);
});
