/**
 * Turns a pane's code into an async function of the worker API, and errors into the pane's
 * line numbers.
 *
 * The code is the body of an `async function`, so it may `await` at top level and `return` to
 * finish early. TypeScript is type-stripped with Sucrase, which keeps every line where it was,
 * so error lines match the editor. `new Function` reports a syntax error without its line, so
 * then (and for the editor's checks) the code is parsed with Acorn, loaded only when needed: a
 * worker that compiles correct code never fetches it.
 *
 * @module
 */
import type { Language, SourceLocation, UserError } from './protocol.js';

const AsyncFunction = (async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<unknown>;

/**
 * `new AsyncFunction(a, b, body)` puts `async function anonymous(a,b\n) {\n` before the body,
 * so the body's first line is line 3 of the function's source.
 */
const HEADER_LINES = 2;

/** Thrown when the code does not compile; carries the pane's line. */
export class CompileError extends Error {
  constructor(readonly userError: UserError) {
    super(userError.message);
    this.name = 'CompileError';
  }
}

function syntaxError(message: string, location: SourceLocation | undefined): CompileError {
  return new CompileError({
    phase: 'syntax',
    name: 'SyntaxError',
    message: message.replace(/\s*\(\d+:\d+\)$/, ''),
    ...(location ? { location } : {}),
  });
}

interface ParseFailure {
  message: string;
  loc?: { line: number; column: number };
}

/** Strips TypeScript's types, keeping lines (Sucrase is loaded only when a pane uses TS). */
async function stripTypes(source: string): Promise<string> {
  const { transform } = await import('sucrase');
  try {
    return transform(source, { transforms: ['typescript'], disableESTransforms: true }).code;
  } catch (error) {
    const failure = error as ParseFailure;
    throw syntaxError(
      failure.message,
      failure.loc ? { line: failure.loc.line, column: failure.loc.column + 1 } : undefined,
    );
  }
}

/**
 * Compiles `source` to `async (...params) => …`, named `file` in stack traces.
 *
 * @throws {CompileError} with the line and column of the first syntax error.
 * @example
 * ```ts
 * const run = await compile('log(1 + 1)', 'js', ['log'], 'producer.js');
 * await run(console.log);
 * ```
 */
export async function compile(
  source: string,
  language: Language,
  params: readonly string[],
  file: string,
): Promise<(...values: unknown[]) => Promise<unknown>> {
  const code = language === 'ts' ? await stripTypes(source) : source;
  try {
    return new AsyncFunction(...params, `${code}\n//# sourceURL=${file}`);
  } catch (error) {
    // Find the line with Acorn; if Acorn accepts the code, the engine found an early error
    // Acorn does not check, and only the engine's message is known.
    await parseScript(code);
    throw syntaxError(error instanceof Error ? error.message : String(error), undefined);
  }
}

/**
 * Checks the pane's syntax (the editor calls it as you type) and returns the JavaScript to run.
 *
 * @throws {CompileError} with the line and column of the first syntax error.
 */
export async function checkSyntax(source: string, language: Language): Promise<string> {
  const code = language === 'ts' ? await stripTypes(source) : source;
  await parseScript(code);
  return code;
}

/** Parses `code` as a function body. @throws {CompileError} at the first syntax error. */
async function parseScript(code: string): Promise<void> {
  const { parse } = await import('acorn');
  try {
    parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: true,
    });
  } catch (error) {
    const failure = error as ParseFailure;
    throw syntaxError(
      failure.message,
      failure.loc ? { line: failure.loc.line, column: failure.loc.column + 1 } : undefined,
    );
  }
}

/** The pane's line and column where `error` was thrown, read from its stack, if there. */
export function locate(error: unknown, file: string): SourceLocation | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (match === null) return undefined;
  const line = Number(match[1]) - HEADER_LINES;
  return line >= 1 ? { line, column: Number(match[2]) } : undefined;
}

/** Describes anything thrown by user code as a {@link UserError}. */
export function describeError(error: unknown, file: string): UserError {
  if (error instanceof CompileError) return error.userError;
  const location = locate(error, file);
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : `uncaught value ${safeString(error)}`;
  return { phase: 'runtime', name, message, ...(location ? { location } : {}) };
}

/** A short, never-throwing string of any value, for logs and error messages. */
export function safeString(value: unknown): string {
  if (typeof value === 'string') return value;
  // JSON would write Infinity and NaN as "null", and refuse a bigint.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      return String(value);
    }
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
