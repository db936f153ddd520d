/**
 * Handles: the structured-clonable description of a shared primitive that travels through
 * `postMessage`, and the checks `SharedX.from(handle)` makes before trusting one.
 *
 * Every primitive's buffer starts with the same three words: a magic number naming its kind
 * (so a handle whose `kind` was edited, or a buffer from another primitive, is refused), the
 * layout version, and the primitive's id in the agent registry.
 *
 * @module
 */
import { HandleError } from '../errors.js';
import { describe } from '../options.js';

/** The kinds of shared primitive, as named in handles and trace events. */
export type SharedKind =
  | 'SharedLock'
  | 'SharedRLock'
  | 'SharedSemaphore'
  | 'SharedCondition'
  | 'SharedEvent'
  | 'SharedBarrier'
  | 'SharedQueue';

/** Small numbers for the kinds, stored in buffers and in the registry. */
export const KIND_CODES: Readonly<Record<SharedKind, number>> = Object.freeze({
  SharedLock: 1,
  SharedRLock: 2,
  SharedSemaphore: 3,
  SharedCondition: 4,
  SharedEvent: 5,
  SharedBarrier: 6,
  SharedQueue: 7,
});

/** The kind for a code read back from shared memory. */
export function kindOfCode(code: number): SharedKind | undefined {
  for (const [kind, value] of Object.entries(KIND_CODES)) {
    if (value === code) return kind as SharedKind;
  }
  return undefined;
}

/** Word 0 of every primitive buffer: 'BT' in the high half, the kind code in the low half. */
export function magicOf(kind: SharedKind): number {
  return (0x4254 << 16) | KIND_CODES[kind];
}

/**
 * 2: a SharedQueue's head, tail, marks and claim table moved apart (see shared/queue/layout.ts);
 * a version 1 agent would read them at the wrong words.
 * 3: one-to-one SharedQueues (a word says so, and they have no marks): a version 2 agent would
 * take one for a many-to-many queue.
 * 4: SharedQueue's `waitForRoom` sleepers (two words): a version 3 agent's gets would never
 * wake them.
 * 5: a SharedQueue's continuation marks are written lazily (see shared/ring.ts): a version 4
 * agent would stop inside a batch's run, at a mark nobody wrote.
 */
export const LAYOUT_VERSION = 5;
/** Header words common to every primitive buffer. */
export const MAGIC = 0;
export const VERSION = 1;
export const PRIMITIVE_ID = 2;
/** First word a primitive may use for its own state. */
export const HEADER_WORDS = 4;

/**
 * What `x.handle` holds: send it with `postMessage` and rebuild the primitive with
 * `SharedX.from(handle)` in the receiving agent. Plain data and `SharedArrayBuffer`s only.
 */
export interface SharedHandle<K extends SharedKind = SharedKind> {
  /** Which kind of primitive this is a handle of. */
  readonly kind: K;
  /** Layout version of the buffer. */
  readonly version: number;
  /** The primitive's state. */
  readonly buffer: SharedArrayBuffer;
  /** The agent registry the primitive reports to (see `SharedRegistry`). */
  readonly registry: SharedArrayBuffer;
  /** The primitive's id in that registry (0 when the registry was full). */
  readonly id: number;
  /** The primitive's name. */
  readonly name: string;
}

/** The handle of a {@link SharedLock}. */
export type SharedLockHandle = SharedHandle<'SharedLock'>;
/** The handle of a {@link SharedRLock}. */
export type SharedRLockHandle = SharedHandle<'SharedRLock'>;
/** The handle of a {@link SharedSemaphore}. */
export type SharedSemaphoreHandle = SharedHandle<'SharedSemaphore'>;
/** The handle of a {@link SharedEvent}. */
export type SharedEventHandle = SharedHandle<'SharedEvent'>;
/** The handle of a {@link SharedBarrier}. */
export type SharedBarrierHandle = SharedHandle<'SharedBarrier'>;

/** One word of a primitive's layout that `from(handle)` checks: its range, inclusive. */
export interface LayoutWord {
  /** Int32 index in the buffer. */
  readonly index: number;
  /** Its name in the error message, e.g. `'parties'`. */
  readonly field: string;
  readonly min: number;
  readonly max: number;
}

/** What a kind's buffer must look like, beyond the common header (see {@link checkLayout}). */
export interface Layout {
  /** Words whose values a constructor bounds; checked first, in order. */
  readonly words?: readonly LayoutWord[];
  /** The exact buffer size, or how to compute it from the (already checked) words. */
  readonly bytes: number | ((cells: Int32Array) => number);
}

/**
 * Checks a primitive's buffer against its layout: every listed word within its range, then the
 * exact size (a truncated or padded buffer is refused). This is what makes a forged handle (the
 * right magic word, wrong contents) a {@link HandleError} at `from()`, never a `RangeError` or
 * a wait on a word that is not there later. Each kind's `from()` passes its layout to
 * `openState()`; `SharedQueue` checks its capacity and slot-size words the same way.
 *
 * @throws HandleError naming the word and its value, or the size found and the size needed.
 */
export function checkLayout(kind: SharedKind, buffer: SharedArrayBuffer, layout: Layout): void {
  const cells = new Int32Array(buffer, 0, buffer.byteLength >> 2);
  for (const word of layout.words ?? []) {
    if (word.index >= cells.length) {
      const needed = typeof layout.bytes === 'number' ? layout.bytes : (word.index + 1) * 4;
      throw new HandleError(
        `${kind}.from(): handle.buffer has ${buffer.byteLength} bytes, a ${kind} needs ${needed}`,
      );
    }
    const value = Atomics.load(cells, word.index);
    if (value < word.min || value > word.max) {
      throw new HandleError(
        `${kind}.from(): ${word.field} word is ${value}, expected ${word.min} to ${word.max} ` +
          '(a forged or corrupted handle)',
      );
    }
  }
  const bytes = typeof layout.bytes === 'function' ? layout.bytes(cells) : layout.bytes;
  if (buffer.byteLength !== bytes) {
    throw new HandleError(
      `${kind}.from(): handle.buffer has ${buffer.byteLength} bytes, a ${kind} needs ${bytes}`,
    );
  }
}

/** Allocates a primitive buffer of `words` Int32 words (at least the header) and stamps it. */
export function allocate(
  kind: SharedKind,
  bytes: number,
): { buffer: SharedArrayBuffer; cells: Int32Array } {
  const buffer = new SharedArrayBuffer(Math.max(bytes, HEADER_WORDS * 4));
  const cells = new Int32Array(buffer);
  cells[MAGIC] = magicOf(kind);
  cells[VERSION] = LAYOUT_VERSION;
  return { buffer, cells };
}

/**
 * Checks that `handle` is a handle of `kind` whose buffer really belongs to that kind, and
 * returns it typed.
 *
 * @throws HandleError naming what is wrong.
 */
export function checkHandle<K extends SharedKind>(handle: unknown, kind: K): SharedHandle<K> {
  if (typeof handle !== 'object' || handle === null) {
    throw new HandleError(
      `${kind}.from() needs a ${kind} handle (x.handle), got ${describe(handle)}`,
    );
  }
  const h = handle as Partial<SharedHandle>;
  if (h.kind !== kind) {
    const got =
      typeof h.kind === 'string' ? `a ${h.kind} handle` : 'an object that is not a handle';
    throw new HandleError(`${kind}.from() needs a ${kind} handle, got ${got}`);
  }
  if (!(h.buffer instanceof SharedArrayBuffer)) {
    throw new HandleError(
      `${kind}.from(): handle.buffer must be a SharedArrayBuffer, got ${describe(h.buffer)}` +
        ((h.buffer as unknown) instanceof ArrayBuffer
          ? ' (an ArrayBuffer is copied by postMessage, not shared)'
          : ''),
    );
  }
  if (!(h.registry instanceof SharedArrayBuffer)) {
    throw new HandleError(
      `${kind}.from(): handle.registry must be a SharedArrayBuffer, got ${describe(h.registry)}`,
    );
  }
  if (h.buffer.byteLength < HEADER_WORDS * 4) {
    throw new HandleError(`${kind}.from(): handle.buffer is too small to be a ${kind}`);
  }
  const cells = new Int32Array(h.buffer, 0, HEADER_WORDS);
  const magic = Atomics.load(cells, MAGIC);
  if (magic !== magicOf(kind)) {
    const actual = magic >>> 16 === 0x4254 ? kindOfCode(magic & 0xffff) : undefined;
    throw new HandleError(
      `${kind}.from(): handle.buffer is not a ${kind}'s buffer` +
        (actual ? ` (it belongs to a ${actual})` : ''),
    );
  }
  if (Atomics.load(cells, VERSION) !== LAYOUT_VERSION || h.version !== LAYOUT_VERSION) {
    throw new HandleError(
      `${kind}.from(): handle has layout version ${h.version}, expected ${LAYOUT_VERSION}`,
    );
  }
  if (typeof h.name !== 'string' || typeof h.id !== 'number') {
    throw new HandleError(`${kind}.from(): handle.name and handle.id are missing`);
  }
  return h as SharedHandle<K>;
}
