/**
 * `Symbol.dispose` for `using`, on every runtime and with every `lib` setting.
 *
 * - **Types**: `LockGuard` implements `Disposable`, which TypeScript only knows with
 *   `esnext.disposable` (or `esnext`) in `lib`, or with `@types/node`. The global declarations
 *   below are the ones `lib.esnext.disposable.d.ts` and `@types/node` make (interfaces merge, so
 *   they coexist), so a project whose `lib` is, say, `["ES2022", "DOM"]` type-checks against
 *   `@baton/core` and can even write `using`.
 * - **Runtime**: Node 20 defines `Symbol.dispose` itself; browsers older than that feature do not.
 *   Defining it here, before any guard class is evaluated (every module that uses it imports this
 *   one first), lets TypeScript's downlevelled `using` (`target` ES2022 or lower) find the same
 *   symbol our guards are keyed by. A runtime that has it keeps its own.
 *
 * @module
 */

declare global {
  interface SymbolConstructor {
    /** The method `using` calls at the end of the block. */
    readonly dispose: unique symbol;
    /** The method `await using` calls at the end of the block. */
    readonly asyncDispose: unique symbol;
  }
  /** An object `using` can hold: disposing it releases what it holds. */
  interface Disposable {
    [Symbol.dispose](): void;
  }
}

for (const name of ['dispose', 'asyncDispose'] as const) {
  if (typeof Symbol[name] !== 'symbol') {
    Object.defineProperty(Symbol, name, {
      value: Symbol.for(`Symbol.${name}`),
      configurable: false,
      enumerable: false,
      writable: false,
    });
  }
}

/** The symbol `using` calls; the same as `Symbol.dispose`, defined where it was missing. */
export const dispose: typeof Symbol.dispose = Symbol.dispose;
