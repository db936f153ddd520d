/**
 * `awaitPoints()`: an opt-in Vite / vitest plugin that makes every `await` of the selected files a
 * switch point of `explore()`, for systematic coverage of plain-`await` races.
 *
 * Without it, `explore()` steers plain `await`s only by *phase*: it releases a continuation a
 * chosen number of microtask turns after another, and from then on both advance one `await`
 * per turn, in step (see explore.ts). That finds the races of code whose tasks stay close
 * together, but not one that needs a task held at one `await` while another runs many: the
 * chance of the right gap halves with each turn. With the plugin, each `await` in the selected
 * files is followed by an await point: after the awaited value arrives, the task waits until the
 * explorer chooses it, like after `checkpoint()`, so any interleaving at `await` granularity is
 * one of the schedules the strategies draw (and PCT's depth bound applies to it). Steps read
 * `A goes on after await (test/bank.test.ts:12)`.
 *
 * Outside an exploration an await point costs one extra microtask turn and changes nothing else.
 * `await x` becomes `(await __batonAwaitPoint(await x, "file:line"))` in the source, before
 * TypeScript is stripped (lines are kept, so stack traces keep their line numbers; columns on
 * those lines move); `for await` is left alone. JavaScript and TypeScript files (with JSX) only.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config';
 * import { awaitPoints } from '@baton/testkit/vite';
 *
 * export default defineConfig({
 *   plugins: [awaitPoints({ include: /\.explore\.test\.ts$/ })],
 * });
 * ```
 *
 * @module
 */

/** Options of {@link awaitPoints}. */
export interface AwaitPointsOptions {
  /**
   * Which modules to rewrite, by id (an absolute path): a RegExp or a predicate. Default: test
   * files (`*.test.*`, `*.spec.*`). Files under `node_modules` are never rewritten.
   */
  include?: RegExp | ((id: string) => boolean);
  /** The module that exports `awaitPoint` (default `'@baton/testkit'`). */
  from?: string;
}

/** The part of Vite's plugin context the plugin uses. */
interface TransformContext {
  parse(code: string, options?: { lang?: 'js' | 'jsx' | 'ts' | 'tsx' }): unknown;
}

/** A Vite (and so vitest) plugin. */
export interface AwaitPointsPlugin {
  readonly name: string;
  readonly enforce: 'pre';
  transform(this: TransformContext, code: string, id: string): { code: string; map: null } | null;
}

const TESTS = /\.(test|spec)\.[cm]?[jt]sx?$/;
/** The files the plugin can parse, and their language (the last letters of the extension). */
const LANGS = /\.([cm]?[jt]sx?)$/;

/**
 * The plugin: add it to `plugins` in `vite.config.ts` or `vitest.config.ts`.
 *
 * @example
 * ```ts
 * import { awaitPoints } from '@baton/testkit/vite';
 *
 * const plugin = awaitPoints({ include: (id) => id.endsWith('.race.test.ts') });
 * console.log(plugin.name); // 'baton:await-points'
 * ```
 */
export function awaitPoints(options: AwaitPointsOptions = {}): AwaitPointsPlugin {
  const include = options.include ?? TESTS;
  if (!(include instanceof RegExp) && typeof include !== 'function') {
    throw new TypeError(
      `awaitPoints: include must be a RegExp or a function, got ${typeof include}`,
    );
  }
  const from = options.from ?? '@baton/testkit';
  if (typeof from !== 'string' || from.length === 0) {
    throw new TypeError(`awaitPoints: from must be a module name, got ${String(from)}`);
  }
  const selected = (id: string): boolean =>
    include instanceof RegExp ? include.test(id) : include(id);
  return {
    name: 'baton:await-points',
    // Before TypeScript is compiled away, so the lines in the steps are the source's.
    enforce: 'pre',
    transform(code, id) {
      const path = id.split('?')[0] ?? id;
      const lang = LANGS.exec(path)?.[1];
      if (lang === undefined || path.includes('/node_modules/') || !selected(path)) return null;
      if (!code.includes('await')) return null;
      const ts = lang.includes('t');
      const jsx = lang.endsWith('x');
      const ast = this.parse(code, { lang: ts ? (jsx ? 'tsx' : 'ts') : jsx ? 'jsx' : 'js' });
      const rewritten = insertAwaitPoints(code, ast, shortName(path), from);
      return rewritten === code ? null : { code: rewritten, map: null };
    },
  };
}

interface Node {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

function isNode(value: unknown): value is Node {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { start?: unknown }).start === 'number'
  );
}

/** One insertion: `text` at `at`; among insertions at one place, lower `order` goes first. */
interface Insert {
  readonly at: number;
  readonly order: number;
  readonly text: string;
}

/**
 * Rewrites each `await x` of `code` (whose ESTree is `ast`) into
 * `(await __batonAwaitPoint(await x, "file:line"))`, importing the helper from `from`.
 * Exported for tests.
 */
export function insertAwaitPoints(code: string, ast: unknown, file: string, from: string): string {
  const inserts: Insert[] = [];
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
  const visit = (node: Node, depth: number): void => {
    if (node.type === 'AwaitExpression') {
      const site = JSON.stringify(`${file}:${lineOf(node.start)}`);
      // Outer prefixes before inner ones at one place; inner suffixes before outer ones.
      inserts.push({ at: node.start, order: depth, text: '(await __batonAwaitPoint(' });
      inserts.push({ at: node.end, order: -depth, text: `, ${site}))` });
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item, depth + 1);
      } else if (isNode(value)) {
        visit(value, depth + 1);
      }
    }
  };
  if (isNode(ast)) visit(ast, 0);
  if (inserts.length === 0) return code;
  inserts.sort((a, b) => a.at - b.at || a.order - b.order);
  let out = `import { awaitPoint as __batonAwaitPoint } from ${JSON.stringify(from)};`;
  let last = 0;
  for (const insert of inserts) {
    out += code.slice(last, insert.at) + insert.text;
    last = insert.at;
  }
  return out + code.slice(last);
}

/** The path relative to the working directory, for step labels. */
function shortName(path: string): string {
  const cwd = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.();
  return cwd !== undefined && path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}
