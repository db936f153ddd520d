import { describe, expect, it } from 'vitest';
import { assertExactlyOnce, checkExactlyOnce } from '../src/index.js';
import '../src/vitest.js';

describe('checkExactlyOnce', () => {
  it('accepts a permutation of the expected items', () => {
    expect(checkExactlyOnce([1, 2, 3], [3, 1, 2]).ok).toBe(true);
    expect(() => assertExactlyOnce(['a', 'b'], ['b', 'a'])).not.toThrow();
  });

  it('names lost, duplicated and unexpected items with their positions', () => {
    const report = checkExactlyOnce([1, 2, 3], [1, 3, 3, 9]);
    expect(report.lost).toEqual([2]);
    expect(report.duplicated).toEqual([{ item: 3, at: [1, 2] }]);
    expect(report.unexpected).toEqual([{ item: 9, at: 3 }]);
    expect(() => assertExactlyOnce([1, 2, 3], [1, 3, 3, 9])).toThrow(
      'expected every item exactly once: lost 1 (first: 2); duplicated 1 (first: 3 consumed at 1, 2); unexpected 1 (first: 9 consumed at 3)',
    );
  });

  it('registers a vitest matcher', () => {
    expect([2, 1]).toConsumeExactlyOnce([1, 2]);
    expect([1, 1]).not.toConsumeExactlyOnce([1, 2]);
  });
});
