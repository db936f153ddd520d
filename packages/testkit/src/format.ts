/**
 * Small formatting helpers shared by every message the testkit writes, so that items, durations
 * and source locations look the same in each explanation.
 *
 * @module
 */

/** Shows a value the way a message should quote it: strings in quotes, plain data as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}

/** A duration in milliseconds as a person reads it: `850 ms`, `1.2 s`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Frames that belong to Baton, the test runner or Node itself, not to the user's code. */
const FOREIGN_FRAME =
  /node:internal|node_modules|[\\/](testkit|core)[\\/](src|dist)[\\/]|\(native\)|<anonymous>/;

/**
 * The first frame of `stack` that is the user's own code, as `file:line:column` (relative to the
 * working directory when possible), or `undefined` when there is none.
 */
export function sourceLocation(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  for (const line of stack.split('\n')) {
    const frame = line.trim();
    if (!frame.startsWith('at ') || FOREIGN_FRAME.test(frame)) continue;
    const match = /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?$/.exec(frame);
    if (match?.[1] !== undefined) return relative(match[1]);
  }
  return undefined;
}

function relative(location: string): string {
  let path = location.startsWith('file://') ? location.slice('file://'.length) : location;
  const cwd = workingDirectory();
  if (cwd !== undefined && path.startsWith(cwd + '/')) path = path.slice(cwd.length + 1);
  return path;
}

function workingDirectory(): string | undefined {
  const proc = (globalThis as { process?: { cwd?: () => string } }).process;
  try {
    return proc?.cwd?.();
  } catch {
    return undefined;
  }
}

/** `n` and the noun, pluralised with an `s` when `n` is not 1. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
