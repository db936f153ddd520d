/**
 * `queue`: the run's bounded queue. Every value travels in an envelope saying who made it and
 * which of its items it is, so the page can tell lost, doubled and out-of-order items apart.
 *
 * @module
 */
import { safeString } from '../../common/compile.js';
import type { ItemId } from '../../common/protocol.js';
import type { QueueBackend } from '../backends.js';
import { tryBool, type ApiContext } from './context.js';

/** The sentinel a producer sends to say it has finished (the lesson's `FINISH`). */
export const FINISH = 'FINISH';

/** A value on the queue: who made it and which of its items it is, or the FINISH sentinel. */
type Envelope =
  | { readonly from: number; readonly n: number; readonly value: unknown }
  | { readonly finish: true };

/** What `queue` is. */
export interface UserQueue {
  put(value: unknown): void;
  putAsync(value: unknown): Promise<void>;
  get(): unknown;
  getAsync(): Promise<unknown>;
  readonly size: number;
  readonly capacity: number;
}

/**
 * A value too large for the queue's slots, explained in the playground's terms (the core's own
 * advice, a larger `slotSize`, is not something a playground user can change).
 */
function tooLarge(value: unknown, cause: unknown): Error {
  const error = new Error(
    `queue.put(value): this value is ${safeString(value).length} characters as JSON, and the playground's queue holds values of up to about 1000 characters each; put something smaller, such as a number, a short string or an id`,
    { cause },
  );
  error.name = 'CodecError';
  return error;
}

/** Runs a put, turning the core's CodecError into {@link tooLarge}. */
function guarded<T>(value: unknown, put: () => T): T {
  try {
    return put();
  } catch (error) {
    if (error instanceof Error && error.name === 'CodecError') throw tooLarge(value, error);
    throw error;
  }
}

export function queueAdapter(ctx: ApiContext, backend: QueueBackend): UserQueue {
  const { reporter } = ctx;
  const notFull = { kind: 'queue', name: 'queue', for: 'not_full' } as const;
  const notEmpty = { kind: 'queue', name: 'queue', for: 'not_empty' } as const;
  const putIntent = (value: unknown) => ({
    op: 'put',
    target: `${safeString(value).slice(0, 40)} in the queue`,
  });
  const getIntent = { op: 'get', target: 'an item from the queue' };

  const encode = (value: unknown): { envelope: Envelope; item: ItemId | null } => {
    if (value === FINISH) return { envelope: { finish: true }, item: null };
    const item = ctx.nextItem();
    return { envelope: { from: item[0], n: item[1], value }, item };
  };
  const onPut = (item: ItemId | null, value: unknown): void => {
    reporter.emit({ kind: 'put', item, value: safeString(value), to: 'queue' });
  };
  const onGet = (envelope: unknown): unknown => {
    const e = envelope as Envelope;
    const item: ItemId | null = 'finish' in e ? null : [e.from, e.n];
    const value = 'finish' in e ? FINISH : e.value;
    reporter.emit({ kind: 'get', item, value: safeString(value), from: 'queue' });
    return value;
  };

  return {
    put(value) {
      const { envelope, item } = encode(value);
      ctx.blocking(
        putIntent(value),
        'put',
        notFull,
        tryBool(() => guarded(value, () => backend.tryPut(envelope))),
        () => guarded(value, () => backend.putSync(envelope)),
      );
      onPut(item, value);
      ctx.slow();
    },
    async putAsync(value) {
      const { envelope, item } = encode(value);
      await ctx.blockingAsync(
        putIntent(value),
        'put',
        notFull,
        tryBool(() => guarded(value, () => backend.tryPut(envelope))),
        () => guarded(value, () => backend.put(envelope)),
      );
      onPut(item, value);
      await ctx.slowAsync();
    },
    get() {
      const envelope = ctx.blocking(
        getIntent,
        'get',
        notEmpty,
        () => backend.tryGet(),
        () => backend.getSync(),
      );
      const value = onGet(envelope);
      ctx.slow();
      return value;
    },
    async getAsync() {
      const envelope = await ctx.blockingAsync(
        getIntent,
        'get',
        notEmpty,
        () => backend.tryGet(),
        () => backend.get(),
      );
      const value = onGet(envelope);
      await ctx.slowAsync();
      return value;
    },
    get size() {
      return backend.size;
    },
    get capacity() {
      return backend.capacity;
    },
  };
}
