// A forged or truncated SharedQueue handle is a HandleError at from(), naming the layout word
// that is wrong, never a RangeError (or worse, a working queue over garbage) later.
import { describe, expect, it } from 'vitest';
import { HandleError, SharedQueue } from '../../src/index.js';
import { MARKS } from '../../src/shared/queue/layout.js';

/** A copy of a real queue's handle whose buffer has `word` set to `value` (or is cut to `bytes`). */
function forged(edit: { word?: number; value?: number; bytes?: number }) {
  const queue = new SharedQueue<number>({ capacity: 8, codec: 'float64', name: 'real' });
  const handle = queue.handle;
  const bytes = edit.bytes ?? handle.buffer.byteLength;
  const buffer = new SharedArrayBuffer(bytes);
  new Uint8Array(buffer).set(new Uint8Array(handle.buffer).subarray(0, bytes));
  if (edit.word !== undefined) new Int32Array(buffer)[edit.word] = edit.value!;
  return { ...handle, buffer };
}

describe('SharedQueue.from() checks every layout word', () => {
  it.each([
    ['capacity', 4, 0, /capacity word 0/],
    ['capacity', 4, -5, /capacity word -5/],
    ['capacity', 4, 1 << 30, /capacity word 1073741824/],
    ['slotSize', 5, 0, /slotSize word 0/],
    ['lane', 6, 7, /lane word 7/],
    ['agents', 7, -1, /agents word -1/],
  ])('%s word %i = %i', (_field, word, value, message) => {
    expect(() => SharedQueue.from(forged({ word, value }))).toThrow(HandleError);
    expect(() => SharedQueue.from(forged({ word, value }))).toThrow(message);
  });

  it('a capacity word larger than the buffer holds', () => {
    expect(() => SharedQueue.from(forged({ word: 4, value: 1000 }))).toThrow(
      /too small for the queue it describes/,
    );
  });

  it('a truncated buffer', () => {
    expect(() => SharedQueue.from(forged({ bytes: MARKS * 4 }))).toThrow(
      /too small for the queue it describes/,
    );
    // Shorter than the fixed words before the marks: not even the layout words can be trusted.
    expect(() => SharedQueue.from(forged({ bytes: MARKS * 4 - 4 }))).toThrow(
      /too small for a SharedQueue/,
    );
  });

  it('an intact handle opens', () => {
    const queue = SharedQueue.from<number>(forged({}));
    queue.putSync(1.5);
    expect(queue.getSync()).toBe(1.5);
  });
});

describe('SharedQueue encoding errors name the queue', () => {
  it('a value too large for the queue: CodecError naming the queue (and its place in a batch)', () => {
    const queue = new SharedQueue<string>({
      capacity: 4,
      codec: 'utf8',
      slotSize: 4,
      maxValueBytes: 4,
      name: 'words',
    });
    expect(() => queue.tryPut('hello')).toThrow(
      /^words: the value's encoding \(codec 'utf8'\) takes 5 bytes, more than the queue's maxValueBytes of 4/,
    );
    expect(() => queue.putManySync(['ok', 'fine', 'toolong'])).toThrow(
      /^words: value 2 of the batch: the value's encoding \(codec 'utf8'\)/,
    );
    expect(queue.size).toBe(0); // nothing of the refused batch was written
  });
});
