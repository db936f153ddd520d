/**
 * The opt-in `awaitPoints()` plugin (src/vite.ts), applied to this file only by the package's
 * vitest config: every `await` here is a switch point of explore(), so a race that needs one task
 * held at an `await` while another runs many is found as easily as a short one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExplorationError, explore, replay, task } from '../src/index.js';
import { awaitPoints, insertAwaitPoints } from '../src/vite.js';
import { rejection } from './normalise.js';

/**
 * A lost update that the natural order hides behind a long validation (`prep` plain awaits):
 * T1 must be held between its read and its write while T2 validates.
 */
function longValidation(prep: number) {
  return async (): Promise<void> => {
    let balance = 0;
    const deposit = async (n: number, validations: number): Promise<void> => {
      for (let i = 0; i < validations; i++) await Promise.resolve();
      const v = balance;
      await Promise.resolve();
      balance = v + n;
    };
    await Promise.all([task('T1', () => deposit(1, 0)), task('T2', () => deposit(2, prep))]);
    if (balance !== 3) throw new Error(`lost update: balance ${balance}, expected 3`);
  };
}

describe('the awaitPoints() plugin', () => {
  it('rewrites this file: awaits are switch points with their line', async () => {
    const scenario = longValidation(8);
    await expect(scenario()).resolves.toBeUndefined(); // a plain run passes
    const found = (await rejection(
      explore(scenario, { seed: 1, strategy: 'random' }),
    )) as ExplorationError;
    expect(found).toBeInstanceOf(ExplorationError);
    expect(found.message).toContain('lost update: balance 2, expected 3');
    // The line of T1's await between its read and its write, in this file as written.
    const lines = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    const line = lines.findIndex((_, i) => lines[i + 1]?.trim() === 'balance = v + n;') + 1;
    expect(found.steps).toContain(`T1 goes on after await (test/await-points.test.ts:${line})`);
    const again = (await rejection(replay(scenario, found.schedule))) as ExplorationError;
    expect(again.steps).toEqual(found.steps);
  });

  it.each([
    ['random', 5],
    ['pct', 20],
  ] as const)(
    'finds the race behind 8 awaits of validation within 200 runs (%s, %i seeds)',
    async (strategy, seeds) => {
      for (let seed = 1; seed <= seeds; seed++) {
        const found = await rejection(explore(longValidation(8), { seed, strategy, runs: 200 }));
        expect(found).toBeInstanceOf(ExplorationError);
      }
    },
  );

  it('rewrites each await, nested ones inside out, and leaves the lines where they were', () => {
    const code = 'async function f(p) {\n  return await (await p)(1);\n}\n';
    // The ESTree of `code`, as Vite's parser gives it (only what the rewrite reads).
    const at = (text: string) => code.indexOf(text);
    const inner = { type: 'AwaitExpression', start: at('await p'), end: at(')(1)') };
    const call = { type: 'CallExpression', start: at('(await p'), end: at(';'), callee: inner };
    const outer = { type: 'AwaitExpression', start: at('await ('), end: at(';'), argument: call };
    const ast = { type: 'Program', start: 0, end: code.length, body: [outer] };
    const out = insertAwaitPoints(code, ast, 'f.js', '@baton/testkit');
    expect(out).toBe(
      'import { awaitPoint as __batonAwaitPoint } from "@baton/testkit";async function f(p) {\n' +
        '  return (await __batonAwaitPoint(await ((await __batonAwaitPoint(await p, "f.js:2")))(1), "f.js:2"));\n}\n',
    );
    expect(out.split('\n')).toHaveLength(code.split('\n').length);
  });

  it('rejects bad options and leaves files it does not select alone', () => {
    expect(() => awaitPoints({ include: 'x' as never })).toThrow(
      'awaitPoints: include must be a RegExp or a function, got string',
    );
    const plugin = awaitPoints();
    const context = { parse: () => ({ type: 'Program', start: 0, end: 0 }) };
    expect(plugin.transform.call(context, 'await x', '/p/src/a.ts')).toBeNull();
    expect(plugin.transform.call(context, 'await x', '/p/node_modules/a.test.ts')).toBeNull();
  });
});
