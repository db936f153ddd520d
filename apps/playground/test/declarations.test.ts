import { describe, expect, it } from 'vitest';
import {
  DeclarationError,
  scanDeclarations,
  stripComments,
} from '../src/runtime/page/declarations.js';
import { DEFAULT_SETTINGS } from '../src/settings.js';

describe('scanDeclarations', () => {
  it('finds the named primitives of both panes', () => {
    const d = scanDeclarations(
      {
        producer: `const p = lock('producer_lock');\nconst c = lock("consumer_lock", { locked: true });\nconst s = semaphore('slots', settings.capacity);`,
        consumer: `lock('consumer_lock', { locked: true }); event('stop'); cell('message'); semaphore('items', 0); semaphore('one');`,
      },
      { ...DEFAULT_SETTINGS, capacity: 4 },
    );
    expect(d.locks).toEqual([
      { name: 'producer_lock', locked: false },
      { name: 'consumer_lock', locked: true },
    ]);
    expect(d.semaphores).toEqual([
      { name: 'slots', value: 4 },
      { name: 'items', value: 0 },
      { name: 'one', value: 1 },
    ]);
    expect(d.events).toEqual(['stop']);
    expect(d.cells).toEqual(['message']);
  });

  it('ignores calls in comments but keeps strings and line numbers', () => {
    const source = `// lock('old')\n/* semaphore('x', 'bad') */\nlog("// not a comment"); lock('new');`;
    expect(stripComments(source).split('\n')).toHaveLength(3);
    const d = scanDeclarations({ producer: source }, DEFAULT_SETTINGS);
    expect(d.locks).toEqual([{ name: 'new', locked: false }]);
    expect(d.semaphores).toEqual([]);
  });

  it('refuses conflicting declarations, naming the pane and the line', () => {
    const conflict = () =>
      scanDeclarations(
        { producer: `semaphore('s', 1);`, consumer: `\n\nsemaphore('s', 2);` },
        DEFAULT_SETTINGS,
      );
    expect(conflict).toThrow(DeclarationError);
    expect(conflict).toThrow("semaphore 's' is declared with two initial values, 1 and 2");
    try {
      conflict();
    } catch (error) {
      expect(error).toMatchObject({ pane: 'consumer', line: 3 });
    }
    expect(() => scanDeclarations({ producer: `semaphore('s', n)` }, DEFAULT_SETTINGS)).toThrow(
      /initial value must be a non-negative integer/,
    );
    expect(() =>
      scanDeclarations(
        { producer: `lock('a', { locked: true })`, consumer: `lock('a', { locked: false })` },
        DEFAULT_SETTINGS,
      ),
    ).toThrow("lock 'a' is declared both held and free at the start");
  });
});
