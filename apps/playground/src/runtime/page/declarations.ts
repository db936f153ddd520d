/**
 * Finds the named primitives that user code asks for — `lock('producer_lock')`,
 * `semaphore('slots', 3)`, `event('stop')`, `cell('message')` — before the run starts.
 *
 * Why scan instead of creating them on first use: a shared primitive must exist before the
 * workers start, so that every worker rebuilds the same one from its handle. Names must
 * therefore be string literals; a call with a computed name fails at run time with a message
 * saying so (see `api.ts`).
 *
 * @module
 */
import type { Declarations, Settings } from '../common/protocol.js';

/** A declaration that cannot be honoured, with the 1-based line of the offending call. */
export class DeclarationError extends Error {
  override name = 'DeclarationError';
  constructor(
    message: string,
    readonly pane: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Blanks out comments (keeping newlines, so lines stay where they are) and leaves strings. */
export function stripComments(source: string): string {
  return source.replace(
    /(\/\/[^\n]*)|(\/\*[\s\S]*?\*\/)|('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`)/g,
    (match, line: string | undefined, block: string | undefined) =>
      line !== undefined || block !== undefined ? match.replace(/[^\n]/g, ' ') : match,
  );
}

const NAME = String.raw`\s*(['"])([^'"\\\n]{1,64})\1`;
const LOCK = new RegExp(
  String.raw`\block\(${NAME}\s*(?:,\s*\{\s*locked\s*:\s*(true|false)\s*\}\s*)?\)`,
  'g',
);
// The initial value is optional and defaults to 1, as in Python's `Semaphore()`.
const SEMAPHORE = new RegExp(String.raw`\bsemaphore\(${NAME}\s*(?:,\s*([^)]*?)\s*)?\)`, 'g');
const EVENT = new RegExp(String.raw`\bevent\(${NAME}\s*\)`, 'g');
// `cell('message', { channel: true })`: the cell carries the items whose fate the verdict checks.
const CELL = new RegExp(
  String.raw`\bcell\(${NAME}\s*(?:,\s*\{\s*channel\s*:\s*(true|false)\s*\}\s*)?\)`,
  'g',
);

function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/** The value of a semaphore's initial-value argument: a literal, or a field of `settings`. */
function semaphoreValue(text: string, settings: Settings): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const field = /^settings\.(capacity|producers|consumers|items)$/.exec(text)?.[1];
  return field === undefined ? undefined : settings[field as keyof Settings];
}

/**
 * The primitives named in the panes' code.
 *
 * @throws {DeclarationError} when two calls disagree (a lock held at start in one pane and not
 *   in the other, a semaphore with two initial values) or a semaphore's initial value is not a
 *   non-negative integer literal or `settings.capacity | producers | consumers | items`.
 * @example
 * ```ts
 * scanDeclarations({ producer: "lock('a').acquire()", consumer: "lock('a', { locked: true })" }, s)
 * // throws: lock 'a' is declared both held and free at the start
 * ```
 */
export function scanDeclarations(
  panes: Readonly<Record<string, string>>,
  settings: Settings,
): Declarations {
  const locks = new Map<string, boolean>();
  const semaphores = new Map<string, number>();
  const events = new Set<string>();
  const cells = new Set<string>();
  const channels = new Set<string>();
  for (const [pane, raw] of Object.entries(panes)) {
    const source = stripComments(raw);
    for (const match of source.matchAll(LOCK)) {
      const name = match[2] ?? '';
      const locked = match[3] === 'true';
      const previous = locks.get(name);
      if (previous !== undefined && previous !== locked && match[3] !== undefined) {
        throw new DeclarationError(
          `lock '${name}' is declared both held and free at the start`,
          pane,
          lineAt(source, match.index),
        );
      }
      locks.set(name, (previous ?? false) || locked);
    }
    for (const match of source.matchAll(SEMAPHORE)) {
      const name = match[2] ?? '';
      const value = match[3] === undefined ? 1 : semaphoreValue(match[3], settings);
      const line = lineAt(source, match.index);
      if (value === undefined || !Number.isSafeInteger(value) || value < 0) {
        throw new DeclarationError(
          `semaphore '${name}': the initial value must be a non-negative integer or settings.capacity, settings.producers, settings.consumers or settings.items, not '${match[3] ?? ''}'`,
          pane,
          line,
        );
      }
      const previous = semaphores.get(name);
      if (previous !== undefined && previous !== value) {
        throw new DeclarationError(
          `semaphore '${name}' is declared with two initial values, ${previous} and ${value}`,
          pane,
          line,
        );
      }
      semaphores.set(name, value);
    }
    for (const match of source.matchAll(EVENT)) events.add(match[2] ?? '');
    for (const match of source.matchAll(CELL)) {
      cells.add(match[2] ?? '');
      if (match[3] === 'true') channels.add(match[2] ?? '');
    }
  }
  return {
    locks: [...locks].map(([name, locked]) => ({ name, locked })),
    semaphores: [...semaphores].map(([name, value]) => ({ name, value })),
    events: [...events],
    cells: [...cells],
    channels: [...channels],
  };
}
