import { describe, expect, it } from 'vitest';
import { runNodeScript } from './node-script.js';

describe('pnpm demo (examples/demo.mjs)', () => {
  it('runs the lesson in worker threads and prints what was produced and consumed', async () => {
    const stdout = await runNodeScript(
      new URL('../../examples/demo.mjs', import.meta.url),
      [],
      50_000,
    );
    const lines = stdout.trim().split('\n');
    // Part 1 (one producer, one consumer): read the lesson's lines back, independently of the
    // demo's own verdict, and check that the consumer stored exactly what was produced, in order.
    const part1 = lines.slice(
      0,
      lines.findIndex((line) => line.startsWith('2. ')),
    );
    const produced = part1.flatMap((l) => /^Producer got message: (\d+)$/.exec(l)?.[1] ?? []);
    const stored = part1.flatMap((l) => /^Consumer storing message: (\d+)$/.exec(l)?.[1] ?? []);
    expect(produced).toHaveLength(10);
    expect(produced.every((v) => Number(v) >= 1 && Number(v) <= 100)).toBe(true);
    expect(stored).toEqual(produced);
    // Parts 2 and 3: thirty messages each way, then a verdict per part and the closing line.
    const tagged = lines.filter((l) =>
      /^Consumer \d storing message: \d+ \(producer \d, #\d+\)$/.test(l),
    );
    expect(tagged).toHaveLength(60);
    expect(lines.filter((l) => l.startsWith('verdict: all '))).toHaveLength(4);
    expect(lines.at(-1)).toBe('verdict: all consumed once, in order (3 runs, real worker threads)');
  });
});
