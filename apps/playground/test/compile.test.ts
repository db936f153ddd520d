import { describe, expect, it } from 'vitest';
import { CompileError, compile, describeError, safeString } from '../src/runtime/common/compile.js';

const compileError = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CompileError);
    return (error as CompileError).userError;
  }
  throw new Error('expected a CompileError');
};

describe('compile', () => {
  it('runs the pane as an async function body of the API names', async () => {
    const seen: unknown[] = [];
    const run = await compile(
      'const x = await Promise.resolve(20);\nlog(x + n);',
      'js',
      ['log', 'n'],
      'producer.js',
    );
    await run((v: unknown) => seen.push(v), 22);
    expect(seen).toEqual([42]);
  });

  it('reports a syntax error with its line and column', async () => {
    const error = await compileError(
      compile('let a = 1;\n\nlet b = (;\n', 'js', [], 'producer.js'),
    );
    expect(error).toEqual({
      phase: 'syntax',
      name: 'SyntaxError',
      message: 'Unexpected token',
      location: { line: 3, column: 10 },
    });
  });

  it('strips TypeScript types and keeps the lines', async () => {
    const seen: unknown[] = [];
    const run = await compile(
      'interface Item {\n  value: number;\n}\nconst item: Item = { value: 5 };\nlog(item.value as number);',
      'ts',
      ['log'],
      'consumer.ts',
    );
    await run((v: unknown) => seen.push(v));
    expect(seen).toEqual([5]);
    const error = await compileError(
      compile('const a: number = 1;\nconst b: = 2;', 'ts', [], 'c.ts'),
    );
    expect(error.location?.line).toBe(2);
  });

  it("finds a runtime error's line in the pane", async () => {
    const run = await compile('const a = 1;\nconst b = null;\nb.boom();', 'js', [], 'producer.js');
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(describeError(error, 'producer.js')).toMatchObject({
      phase: 'runtime',
      name: 'TypeError',
      location: { line: 3 },
    });
    expect(describeError('plain', 'producer.js')).toEqual({
      phase: 'runtime',
      name: 'Error',
      message: 'uncaught value plain',
    });
  });

  it('turns any value into a string without throwing', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(safeString({ a: [1, 'b'] })).toBe('{"a":[1,"b"]}');
    expect(safeString(undefined)).toBe('undefined');
    expect(safeString(cyclic)).toBe('[object Object]');
  });
});
