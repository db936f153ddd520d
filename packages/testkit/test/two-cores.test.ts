/**
 * Two copies of `@baton/core` in one process (two versions side by side, a bundled and an
 * installed one): the testkit, which talks to its own copy, must still see the primitives of the
 * other, because the tracer and scheduler hooks live on one versioned global.
 *
 * The second copy is core's built dist copied into a temporary `node_modules` as a package of
 * its own, and loaded from there: a different module instance with its own module state.
 */
import * as first from '@baton/core';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeadlockError,
  ExplorationError,
  explore,
  replay,
  task,
  withDeadlockTimeout,
} from '../src/index.js';
import { rejection } from './normalise.js';
import { semaphoreCounterOf } from './scenarios.js';

type Core = typeof first;
let second: Core;
let root: string;

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('@baton/core/package.json'));
  root = mkdtempSync(join(tmpdir(), 'baton-two-cores-'));
  const copy = join(root, 'node_modules', '@baton', 'core');
  cpSync(join(dist, 'dist'), join(copy, 'dist'), { recursive: true });
  writeFileSync(
    join(copy, 'package.json'),
    JSON.stringify({ name: '@baton/core', version: '0.0.0-copy', type: 'module' }),
  );
  second = (await import(pathToFileURL(join(copy, 'dist', 'index.js')).href)) as Core;
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The lesson's deadlock on the second copy's locks. */
function twoLocks(core: Core) {
  return async (): Promise<void> => {
    const a = new core.Lock({ name: 'a' });
    const b = new core.Lock({ name: 'b' });
    await Promise.all([
      task('A', async () => {
        using _a = await a.lock();
        using _b = await b.lock();
      }),
      task('B', async () => {
        using _b = await b.lock();
        using _a = await a.lock();
      }),
    ]);
  };
}

describe('two copies of @baton/core', () => {
  it('are really two module instances', () => {
    expect(second.Lock).not.toBe(first.Lock);
    expect(second.setTracer).not.toBe(first.setTracer);
  });

  it('share one tracer: a tracer set through one copy sees the other copy', () => {
    const seen: string[] = [];
    const previous = first.setTracer({ event: (e) => seen.push(`${e.kind} ${e.name}`) });
    try {
      const lock = new second.Lock({ name: 'theirs' });
      lock.tryAcquire();
      lock.release();
    } finally {
      first.setTracer(previous);
    }
    expect(seen).toEqual(['created theirs', 'acquired theirs', 'release theirs']);
    expect(second.getTracer()).toBe(first.getTracer());
  });

  it('hand out distinct primitive ids', () => {
    const seen: string[] = [];
    const previous = second.setTracer({ event: (e) => seen.push(`${e.primitive}#${e.id}`) });
    try {
      new first.Lock();
      new second.Lock();
    } finally {
      second.setTracer(previous);
    }
    expect(new Set(seen).size).toBe(2);
  });

  it('let withDeadlockTimeout name the deadlock among the other copy`s locks', async () => {
    const error = await rejection(withDeadlockTimeout(twoLocks(second), 20_000));
    expect(error).toBeInstanceOf(DeadlockError);
    expect((error as DeadlockError).reason).toBe('quiescence');
    expect(error.message).toContain('A waits for Lock b');
    expect(error.message).toContain('B waits for Lock a');
  });

  it('let explore() find and replay the deadlock among the other copy`s locks', async () => {
    const scenario = twoLocks(second);
    const found = (await rejection(explore(scenario, { seed: 1 }))) as ExplorationError;
    expect(found).toBeInstanceOf(ExplorationError);
    expect(found.failure).toBe('deadlock');
    expect(found.message).toContain('A waits for Lock b');
    const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
    expect(again.steps).toEqual(found.steps);
  });

  it('let explore() find a lost update that only the other copy`s scheduler hook exposes', async () => {
    const found = (await rejection(
      explore(semaphoreCounterOf(second), { seed: 1 }),
    )) as ExplorationError;
    expect(found.failure).toBe('error');
    expect(found.message).toContain('lost update: n = 1, expected 2');
    expect(found.steps.some((step) => step.endsWith('past Semaphore two (did not wait)'))).toBe(
      true,
    );
  });
});
