// Forged or truncated handles: the right magic word but a short buffer, or layout words that
// no constructor would write. Each is a HandleError at from(), naming the problem, never a
// RangeError (or a hang) later.
import { describe, expect, it } from 'vitest';
import {
  HandleError,
  SharedBarrier,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedRLock,
  SharedSemaphore,
  type SharedBarrierHandle,
  type SharedEventHandle,
  type SharedLockHandle,
  type SharedRLockHandle,
  type SharedSemaphoreHandle,
} from '../../src/index.js';

/** A copy of `handle` whose buffer is `bytes` long, with the first `bytes` of the original. */
function resized<H extends { buffer: SharedArrayBuffer }>(handle: H, bytes: number): H {
  const buffer = new SharedArrayBuffer(bytes);
  new Uint8Array(buffer).set(new Uint8Array(handle.buffer).subarray(0, bytes));
  return { ...handle, buffer };
}

/** A copy of `handle` whose buffer has `value` at Int32 word `index`. */
function forged<H extends { buffer: SharedArrayBuffer }>(
  handle: H,
  index: number,
  value: number,
): H {
  const copy = resized(handle, handle.buffer.byteLength);
  new Int32Array(copy.buffer)[index] = value;
  return copy;
}

describe('from() checks the buffer size', () => {
  const cases: [
    string,
    () => { handle: { buffer: SharedArrayBuffer }; from: (h: never) => unknown },
  ][] = [
    ['SharedLock', () => ({ handle: new SharedLock().handle, from: SharedLock.from })],
    ['SharedRLock', () => ({ handle: new SharedRLock().handle, from: SharedRLock.from })],
    [
      'SharedSemaphore',
      () => ({ handle: new SharedSemaphore(2).handle, from: SharedSemaphore.from }),
    ],
    ['SharedEvent', () => ({ handle: new SharedEvent().handle, from: SharedEvent.from })],
    [
      'SharedCondition',
      () => ({ handle: new SharedCondition().handle, from: SharedCondition.from }),
    ],
    ['SharedBarrier', () => ({ handle: new SharedBarrier(3).handle, from: SharedBarrier.from })],
  ];
  for (const [kind, make] of cases) {
    it(`${kind}: a truncated buffer with the right magic word is a HandleError`, () => {
      const { handle, from } = make();
      const short = resized(handle, 20);
      expect(() => from(short as never)).toThrow(HandleError);
      expect(() => from(short as never)).toThrow(
        new RegExp(`${kind}\\.from\\(\\): handle\\.buffer has 20 bytes, a ${kind} needs \\d+`),
      );
      expect(() => from(resized(handle, handle.buffer.byteLength) as never)).not.toThrow();
    });
  }
});

describe('from() checks every layout word', () => {
  it('SharedBarrier parties: 0, negative, or a size the buffer does not have', () => {
    const handle: SharedBarrierHandle = new SharedBarrier(3).handle;
    for (const parties of [0, -1, -2147483648]) {
      expect(() => SharedBarrier.from(forged(handle, 4, parties))).toThrow(
        `SharedBarrier.from(): parties word is ${parties}, expected 1 to 2147483647`,
      );
    }
    expect(() => SharedBarrier.from(forged(handle, 4, 2000))).toThrow(
      /handle\.buffer has \d+ bytes, a SharedBarrier needs \d+/,
    );
  });

  it('SharedSemaphore value below 0', () => {
    const handle: SharedSemaphoreHandle = new SharedSemaphore(1).handle;
    expect(() => SharedSemaphore.from(forged(handle, 4, -5))).toThrow(
      'SharedSemaphore.from(): value word is -5, expected 0 to 2147483647',
    );
  });

  it('SharedLock and SharedRLock state outside 0..2', () => {
    const lock: SharedLockHandle = new SharedLock().handle;
    const rlock: SharedRLockHandle = new SharedRLock().handle;
    expect(() => SharedLock.from(forged(lock, 4, 7))).toThrow(
      'SharedLock.from(): state word is 7, expected 0 to 2',
    );
    expect(() => SharedRLock.from(forged(rlock, 4, -1))).toThrow(HandleError);
  });

  it('SharedEvent flag outside 0..1', () => {
    const handle: SharedEventHandle = new SharedEvent().handle;
    expect(() => SharedEvent.from(forged(handle, 4, 2))).toThrow(
      'SharedEvent.from(): flag word is 2, expected 0 to 1',
    );
  });

  it('SharedCondition: its lock handle is checked too', () => {
    const handle = new SharedCondition().handle;
    expect(() => SharedCondition.from({ ...handle, lock: resized(handle.lock, 8) })).toThrow(
      /SharedLock\.from\(\): handle\.buffer/,
    );
  });
});
