/**
 * `cell(name)`: one integer shared by all workers with no synchronisation at all, the lesson's
 * unsynchronised `message`.
 *
 * Two Int32 slots, `[value, tag]`, written and read one after the other with no lock. The tag
 * says which item the value is (`worker * ITEMS_PER_WORKER + n + 1`), {@link FINISH_TAG} for
 * FINISH, 0 for "never written": so a read can be matched with the write it saw.
 *
 * @module
 */
import { safeString } from '../../common/compile.js';
import type { ItemId, WorkerEvent } from '../../common/protocol.js';
import { ITEMS_PER_WORKER, type ApiContext } from './context.js';
import { FINISH } from './queue.js';

/** A cell's tag for "FINISH was written". */
const FINISH_TAG = -1;

/** What `cell(name)` returns: one integer shared by all workers, with no synchronisation. */
export interface UserCell {
  set(value: number | typeof FINISH): void;
  get(): number | typeof FINISH;
}

/**
 * The cell `name`. A `channel` cell's values are items (numbered, reported, checked by the
 * verdict); a plain cell is just a shared integer, and reports nothing but its gate passes.
 */
export function cellAdapter(
  ctx: ApiContext,
  name: string,
  slots: Int32Array,
  channel = true,
): UserCell {
  const { reporter } = ctx;
  if (!channel) {
    return {
      set(value) {
        if (value !== FINISH && !(Number.isInteger(value) && Math.abs(value) < 2 ** 31)) {
          throw new TypeError(
            `cell('${name}').set(value): value must be a 32-bit integer or FINISH, got ${safeString(value)}`,
          );
        }
        ctx.step({ op: 'write', target: `${safeString(value)} to ${name}` }, 'write', () => {
          Atomics.store(slots, 0, value === FINISH ? 0 : value);
          Atomics.store(slots, 1, value === FINISH ? FINISH_TAG : 0);
        });
        ctx.slow();
      },
      get() {
        const [tag, raw] = ctx.step({ op: 'read', target: name }, 'read', () => [
          Atomics.load(slots, 1),
          Atomics.load(slots, 0),
        ]);
        ctx.slow();
        return tag === FINISH_TAG ? FINISH : raw;
      },
    };
  }
  return {
    set(value) {
      if (value !== FINISH && !(Number.isInteger(value) && Math.abs(value) < 2 ** 31)) {
        throw new TypeError(
          `cell('${name}').set(value): value must be a 32-bit integer or FINISH, got ${safeString(value)}`,
        );
      }
      ctx.step({ op: 'write', target: `${safeString(value)} to ${name}` }, 'write', () => {
        const item = value === FINISH ? null : ctx.nextItem();
        Atomics.store(slots, 0, value === FINISH ? 0 : value);
        Atomics.store(
          slots,
          1,
          item === null ? FINISH_TAG : item[0] * ITEMS_PER_WORKER + item[1] + 1,
        );
        // Numbered inside the step: the write and its event are in the same order for everyone.
        reporter.emit({ kind: 'put', item, value: safeString(value), to: name });
      });
      ctx.slow();
    },
    get() {
      const [tag, raw] = ctx.step({ op: 'read', target: name }, 'read', () => [
        Atomics.load(slots, 1),
        Atomics.load(slots, 0),
      ]);
      const value = tag === FINISH_TAG ? FINISH : raw;
      const item: ItemId | null =
        tag > 0 ? [Math.floor((tag - 1) / ITEMS_PER_WORKER), (tag - 1) % ITEMS_PER_WORKER] : null;
      const same = (last: WorkerEvent): boolean =>
        last.kind === 'get' &&
        last.from === name &&
        (last.item === null
          ? item === null && last.value === safeString(value)
          : item !== null && last.item[0] === item[0] && last.item[1] === item[1]);
      if (!reporter.repeat(same)) {
        reporter.emit({ kind: 'get', item, value: safeString(value), from: name });
      }
      ctx.slow();
      return value;
    },
  };
}
