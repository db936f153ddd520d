/**
 * Type diagnostics of a pane: TypeScript's language service over the pane's code, wrapped the
 * way the worker runs it (the body of `async function (queue, lock, …, name) { … }`, see
 * `common/compile.ts`), with the parameters typed by `worker-api.d.ts`.
 *
 * It knows nothing of where it runs: the checker worker (`checker.worker.ts`) gives it the
 * `typescript` module and the standard library's declarations from the bundle; the unit tests
 * give it the same from `node_modules`. Its diagnostics are advice: the run does not wait for
 * them, and code with type errors runs with JavaScript's semantics.
 *
 * @module
 */
import type * as TS from 'typescript';
import { API_NAMES } from '../runtime/common/api-names.js';

/** The pane function's parameter names, in the order the worker passes them. */
export const PANE_PARAMETERS = API_NAMES;

/**
 * Longer panes are not type-checked: a pasted megabyte would keep the checker busy for many
 * seconds and bury the editor under markers. One note on the first line says so.
 */
export const MAX_CHECKED_CHARS = 200_000;
/** At most this many markers per pane (the first ones in the code); a note says how many more. */
export const MAX_DIAGNOSTICS = 100;

/**
 * The standard library the pane is checked against: what a module worker in a current browser
 * has (ES2024 and the worker's globals, such as `setTimeout` and `performance`).
 */
export const LIBS = [
  'lib.es2024.d.ts',
  'lib.webworker.d.ts',
  'lib.webworker.iterable.d.ts',
  'lib.webworker.asynciterable.d.ts',
] as const;

export interface PaneSource {
  readonly role: 'producer' | 'consumer';
  readonly language: 'js' | 'ts';
  readonly text: string;
}

/** One marker, in offsets of the pane's own text. */
export interface TypeDiagnostic {
  readonly from: number;
  readonly to: number;
  /** Type errors are `warning`s (advice: the code still runs); notes are `info`. */
  readonly severity: 'warning' | 'info';
  readonly message: string;
  /** TypeScript's error code (2339: no such property), 0 for the checker's own notes. */
  readonly code: number;
}

export interface CheckerSetup {
  /** The `typescript` module. */
  readonly ts: typeof TS;
  /** The text of a standard library file (`lib.es5.d.ts`), or undefined if there is none. */
  readonly lib: (fileName: string) => string | undefined;
  /** The text of `worker-api.d.ts`. */
  readonly declarations: string;
}

export interface Checker {
  /**
   * The pane's type diagnostics, or `null` when `cancelled()` turned true meanwhile (a newer
   * version of the pane is waiting). A pane with a syntax error gets none: the editor's syntax
   * check marks that already, and types of broken code would only add noise.
   */
  diagnose(pane: PaneSource, cancelled?: () => boolean): TypeDiagnostic[] | null;
}

const API_FILE = '/worker-api.d.ts';
const PANE_GLOBALS = '/pane.d.ts';
/** How the pane's function is handed its parameters' types (contextually, in JS and TS alike). */
const PANE_GLOBALS_TEXT =
  "declare function __pane(body: (...api: import('./worker-api').PaneParameters) => Promise<unknown>): void;\n";

/** What goes before the pane's text: on its first line, so that lines keep their numbers. */
export const PANE_PREFIX = `__pane(async function (${PANE_PARAMETERS.join(', ')}) {`;
const PANE_SUFFIX = '\n});\n';

/**
 * The one note a pane longer than {@link MAX_CHECKED_CHARS} gets, on its first line (the editor
 * gives it without even sending the pane to the checker).
 */
export function tooLong(length: number, firstLineEnd: number): TypeDiagnostic {
  return {
    from: 0,
    to: firstLineEnd,
    severity: 'info',
    message: `This pane has ${length.toLocaleString('en')} characters: types are checked only up to ${MAX_CHECKED_CHARS.toLocaleString('en')}.`,
    code: 0,
  };
}

/** `// @ts-nocheck` in the comments before the pane's first statement. */
const NO_CHECK = /^(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*\n)*\/\/\s*@ts-nocheck\b/;

const firstLineEnd = (text: string): number => {
  const end = text.indexOf('\n');
  return end === -1 ? text.length : end;
};

export function createChecker({ ts, lib, declarations }: CheckerSetup): Checker {
  const files = new Map<string, { text: string; version: number }>([
    [API_FILE, { text: declarations, version: 1 }],
    [PANE_GLOBALS, { text: PANE_GLOBALS_TEXT, version: 1 }],
  ]);
  /** The pane files the program has now: one per role, `.js` or `.ts` by the language. */
  const panes = new Map<PaneSource['role'], string>();
  let cancelled: () => boolean = () => false;

  const read = (fileName: string): string | undefined => {
    const own = files.get(fileName);
    if (own !== undefined) return own.text;
    return fileName.startsWith('/lib.') ? lib(fileName.slice(1)) : undefined;
  };

  const options: TS.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: [...LIBS],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowJs: true,
    checkJs: true,
    strict: true,
    // Types are optional in a pane (TypeScript panes are only type-stripped to run): an
    // unannotated parameter is not an error here, in JavaScript or TypeScript.
    noImplicitAny: false,
    // The worker compiles panes with `new AsyncFunction(...)`, which is sloppy-mode code.
    alwaysStrict: false,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };

  const host: TS.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [API_FILE, PANE_GLOBALS, ...panes.values()],
    getScriptVersion: (fileName) => String(files.get(fileName)?.version ?? 0),
    getScriptSnapshot: (fileName) => {
      const text = read(fileName);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => '/',
    getDefaultLibFileName: () => '/lib.d.ts',
    fileExists: (fileName) => read(fileName) !== undefined,
    readFile: (fileName) => read(fileName),
    getCancellationToken: () => ({ isCancellationRequested: () => cancelled() }),
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());

  function diagnose(pane: PaneSource, isCancelled?: () => boolean): TypeDiagnostic[] | null {
    if (pane.text.length > MAX_CHECKED_CHARS) {
      return [tooLong(pane.text.length, firstLineEnd(pane.text))];
    }
    // TypeScript honours `// @ts-nocheck` only at the top of a file, where the wrapper is.
    if (NO_CHECK.test(pane.text)) return [];
    const fileName = `/${pane.role}.${pane.language}`;
    panes.set(pane.role, fileName);
    const previous = files.get(fileName);
    const text = PANE_PREFIX + pane.text + PANE_SUFFIX;
    if (previous?.text !== text) {
      files.set(fileName, { text, version: (previous?.version ?? 0) + 1 });
    }
    cancelled = isCancelled ?? (() => false);
    try {
      if (service.getSyntacticDiagnostics(fileName).length > 0) return [];
      const found = service.getSemanticDiagnostics(fileName);
      return toPane(found, pane.text.length);
    } catch (error) {
      if (error instanceof ts.OperationCanceledException) return null;
      throw error;
    } finally {
      cancelled = () => false;
    }
  }

  function toPane(found: readonly TS.Diagnostic[], length: number): TypeDiagnostic[] {
    const out: TypeDiagnostic[] = [];
    const located = found
      .filter((d) => d.start !== undefined && d.category !== ts.DiagnosticCategory.Message)
      .sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
    for (const d of located.slice(0, MAX_DIAGNOSTICS)) {
      const start = (d.start ?? 0) - PANE_PREFIX.length;
      const from = Math.max(0, Math.min(length, start));
      const to = Math.max(from, Math.min(length, start + (d.length ?? 0)));
      out.push({
        from,
        to,
        severity: d.category === ts.DiagnosticCategory.Suggestion ? 'info' : 'warning',
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
        code: d.code,
      });
    }
    if (located.length > MAX_DIAGNOSTICS) {
      const last = out[out.length - 1];
      out.push({
        from: last?.from ?? 0,
        to: last?.to ?? 0,
        severity: 'info',
        message: `${located.length - MAX_DIAGNOSTICS} more type errors after this one are not shown.`,
        code: 0,
      });
    }
    return out;
  }

  return { diagnose };
}
