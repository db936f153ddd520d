/**
 * The stage builders `map`, `filter` and `flatMap`, and the checks of their options.
 *
 * @module
 */
import { checkPositiveInteger, describe } from '../options.js';
import type { Stage, StageFunction, StageKind, StageModule, StageOptions } from './types.js';

const CODECS = new Set(['float64', 'int32', 'utf8', 'json', 'binary', 'structured']);

/**
 * A stage that turns each item into one result.
 *
 * @param fn - the function, or a {@link StageModule} naming a module that exports it (needed for
 *   `placement: 'worker'`).
 * @example
 * ```ts
 * const { items } = await pipeline({
 *   source: [1, 2, 3],
 *   stages: [map((x: number) => x * 10, { concurrency: 4, ordered: true })],
 * }).run();
 * // items: [10, 20, 30]
 * ```
 */
export function map<I, O>(fn: StageFunction<I, O>, options?: StageOptions): Stage<I, Awaited<O>>;
/**
 * A stage from a module: its types cannot be checked across the module's URL, so they are `any`
 * unless written out: `map<number, string>({ module })`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a module's types are unknowable; any lets it sit anywhere in a checked chain
export function map<I = any, O = any>(
  fn: StageModule,
  options?: StageOptions,
): Stage<NoInfer<I>, NoInfer<O>>;
export function map<I, O>(
  fn: StageFunction<I, O> | StageModule,
  options: StageOptions = {},
): Stage<I, Awaited<O>> {
  return makeStage('map', fn, options);
}

/**
 * A stage that keeps the items for which `fn` returns a truthy value.
 *
 * @example
 * ```ts
 * const { items } = await pipeline({
 *   source: [1, 2, 3, 4],
 *   stages: [filter((x: number) => x % 2 === 0)],
 * }).run();
 * // items: [2, 4]
 * ```
 */
export function filter<I>(fn: StageFunction<I, unknown>, options?: StageOptions): Stage<I, I>;
/** A filter from a module: its item type is `any` unless written out, `filter<number>({ module })`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see map()
export function filter<I = any>(
  fn: StageModule,
  options?: StageOptions,
): Stage<NoInfer<I>, NoInfer<I>>;
export function filter<I>(
  fn: StageFunction<I, unknown> | StageModule,
  options: StageOptions = {},
): Stage<I, I> {
  return makeStage('filter', fn, options);
}

/**
 * A stage that turns each item into zero or more results: `fn` returns an iterable or an async
 * iterable (an array, a generator).
 *
 * @example
 * ```ts
 * await pipeline({ source: ['a b', 'c'], stages: [flatMap((line: string) => line.split(' '))] }).run();
 * // items: ['a', 'b', 'c']
 * ```
 */
export function flatMap<I, O>(
  fn: StageFunction<I, Iterable<O> | AsyncIterable<O>>,
  options?: StageOptions,
): Stage<I, O>;
/** A flatMap from a module: its types are `any` unless written out (see map()). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see map()
export function flatMap<I = any, O = any>(
  fn: StageModule,
  options?: StageOptions,
): Stage<NoInfer<I>, NoInfer<O>>;
export function flatMap<I, O>(
  fn: StageFunction<I, Iterable<O> | AsyncIterable<O>> | StageModule,
  options: StageOptions = {},
): Stage<I, O> {
  return makeStage('flatMap', fn, options);
}

function makeStage<I, O>(
  kind: StageKind,
  fn: StageFunction<I, unknown> | StageModule,
  options: StageOptions,
): Stage<I, O> {
  checkStageFunction(kind, fn);
  checkStageOptions(kind, options);
  if (options.placement === 'worker' && typeof fn === 'function') {
    throw new TypeError(
      `${kind} stage${options.name ? ` '${options.name}'` : ''}: placement 'worker' needs ` +
        `{ module } or { source }, a function cannot be sent to a worker`,
    );
  }
  return Object.freeze({ kind, fn, options: Object.freeze({ ...options }) });
}

function checkStageFunction(kind: StageKind, fn: unknown): void {
  if (typeof fn === 'function') return;
  if (typeof fn === 'object' && fn !== null) {
    const spec = fn as Partial<Record<'module' | 'source' | 'export', unknown>>;
    const hasModule = typeof spec.module === 'string' || spec.module instanceof URL;
    const hasSource = typeof spec.source === 'string';
    if (hasModule !== hasSource && (spec.export === undefined || typeof spec.export === 'string')) {
      return;
    }
  }
  throw new TypeError(
    `${kind} stage needs a function, { module: URL | string } or { source: string }, got ${describe(fn)}`,
  );
}

/** Checks a stage's options, naming the bad field. */
export function checkStageOptions(kind: string, options: StageOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${kind} stage options must be an object, got ${describe(options)}`);
  }
  if (options.name !== undefined && typeof options.name !== 'string') {
    throw new TypeError(`name must be a string, got ${describe(options.name)}`);
  }
  if (options.concurrency !== undefined) checkPositiveInteger('concurrency', options.concurrency);
  if (options.capacity !== undefined) checkPositiveInteger('capacity', options.capacity);
  if (options.slotSize !== undefined) checkPositiveInteger('slotSize', options.slotSize);
  if (options.ordered !== undefined && typeof options.ordered !== 'boolean') {
    throw new TypeError(`ordered must be a boolean, got ${describe(options.ordered)}`);
  }
  if (
    options.placement !== undefined &&
    options.placement !== 'thread' &&
    options.placement !== 'worker'
  ) {
    throw new TypeError(
      `placement must be 'thread' or 'worker', got ${describe(options.placement)}`,
    );
  }
  checkCodec('codec', options.codec);
}

/** Checks a codec option. */
export function checkCodec(field: string, codec: unknown): void {
  if (codec !== undefined && !CODECS.has(codec as string)) {
    throw new TypeError(
      `${field} must be one of 'float64', 'int32', 'utf8', 'json', 'binary', 'structured', got ${describe(codec)}`,
    );
  }
}
