/**
 * Vitest matchers. Import once, e.g. in a setup file: `import '@baton/testkit/vitest';`
 *
 * @module
 */
import { expect } from 'vitest';
import { checkExactlyOnce } from './exactly-once.js';

interface BatonMatchers<R = unknown> {
  /** Asserts the received iterable consumed every `expected` item exactly once (any order). */
  toConsumeExactlyOnce(expected: Iterable<unknown>): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends BatonMatchers<T> {}
}

expect.extend({
  toConsumeExactlyOnce(received: Iterable<unknown>, expected: Iterable<unknown>) {
    const report = checkExactlyOnce(expected, received);
    return {
      pass: report.ok,
      message: () =>
        report.ok
          ? 'expected items not to be consumed exactly once, but they were'
          : `expected every item exactly once: lost ${JSON.stringify(report.lost)}, duplicated ${JSON.stringify(
              report.duplicated,
            )}, unexpected ${JSON.stringify(report.unexpected)}`,
    };
  },
});
