import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  createChecker,
  MAX_CHECKED_CHARS,
  MAX_DIAGNOSTICS,
  PANE_PARAMETERS,
  type PaneSource,
  type TypeDiagnostic,
} from '../src/diagnostics/check.js';
import type { PaneApi } from '../src/diagnostics/worker-api.js';
import { EXAMPLES } from '../src/examples.js';
import { LESSON } from '../src/lesson.js';
import { API_REFERENCE } from '../src/runtime/common/api-reference.js';
import { API_NAMES, type UserApi } from '../src/runtime/worker/api/index.js';

const libDir = dirname(createRequire(import.meta.url).resolve('typescript'));
const declarations = readFileSync(
  new URL('../src/diagnostics/worker-api.d.ts', import.meta.url),
  'utf8',
);
const libCache = new Map<string, string | undefined>();
const lib = (fileName: string): string | undefined => {
  if (!libCache.has(fileName)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(libDir, fileName), 'utf8');
    } catch {
      text = undefined;
    }
    libCache.set(fileName, text);
  }
  return libCache.get(fileName);
};
// One checker for the whole file, as the page keeps one in its worker (the standard library
// is parsed once).
const checker = createChecker({ ts, lib, declarations });

function diagnose(
  text: string,
  language: PaneSource['language'] = 'js',
  role: PaneSource['role'] = 'producer',
) {
  const found = checker.diagnose({ role, language, text });
  if (found === null) throw new Error('not cancelled, yet no result');
  return found;
}

/** Each diagnostic as `[marked text, message]`, the easiest form to read in a failure. */
const marked = (text: string, found: readonly TypeDiagnostic[]) =>
  found.map((d) => [text.slice(d.from, d.to), d.message] as const);

// Compile-time: the declarations the checker uses and the API the workers pass are the same
// (each assignable to the other; a member missing or mistyped on either side fails typecheck).
const _toChecked: PaneApi = {} as UserApi;
const _toWorker: UserApi = {} as PaneApi;
void _toChecked;
void _toWorker;

// The first check parses the standard library (a second or two, much more on a loaded machine).
describe('type diagnostics of a pane', { timeout: 120_000 }, () => {
  it('passes the API in the order the worker does', () => {
    expect([...PANE_PARAMETERS]).toEqual([...API_NAMES]);
  });

  it('marks a member the API does not have, with its range and message', () => {
    const text = "const a = lock('a');\nlock.acquire(5, 'x');\n";
    const found = diagnose(text);
    expect(marked(text, found)).toEqual([
      [
        'acquire',
        "Property 'acquire' does not exist on type '(name: string, options?: { locked?: boolean | undefined; } | undefined) => Lock'.",
      ],
    ]);
    expect(found[0]).toMatchObject({
      from: text.indexOf('acquire'),
      severity: 'warning',
      code: 2339,
    });
  });

  it('marks wrong arguments and misspelt names', () => {
    const text = [
      "const slots = semaphore('slots', 'three');",
      'slots.acquire(1, 2);',
      'queue.putt(1);',
      'sleep();',
      "lok('a');",
      '',
    ].join('\n');
    expect(marked(text, diagnose(text))).toEqual([
      ["'three'", "Argument of type 'string' is not assignable to parameter of type 'number'."],
      ['1, 2', 'Expected 0 arguments, but got 2.'],
      ['putt', "Property 'putt' does not exist on type 'Queue'. Did you mean 'put'?"],
      ['sleep', 'Expected 1 arguments, but got 0.'],
      ['lok', "Cannot find name 'lok'. Did you mean 'lock'?"],
    ]);
  });

  it('checks TypeScript panes with TypeScript types, on the lines the user sees', () => {
    const text = "const n: number = cell('c').get();\nconst s: string = index;\n";
    const found = diagnose(text, 'ts', 'consumer');
    expect(marked(text, found)).toEqual([
      [
        'n',
        "Type 'number | \"FINISH\"' is not assignable to type 'number'.\n  Type 'string' is not assignable to type 'number'.",
      ],
      ['s', "Type 'number' is not assignable to type 'string'."],
    ]);
    expect(found.map((d) => d.from)).toEqual([6, text.indexOf('s:')]);
  });

  it('allows what the worker allows: top-level await and return, worker globals', () => {
    const text = [
      'await sleepAsync(1);',
      'const t = performance.now();',
      'setTimeout(() => log(t), 0);',
      'if (role === "consumer") return;',
      'for await (const x of [Promise.resolve(1)]) log(x);',
      'const v = queue.get();',
      'log(v.anything, settings.items, name.toUpperCase(), index + 1);',
      'console.warn("careful");',
      '',
    ].join('\n');
    expect(marked(text, diagnose(text))).toEqual([]);
    expect(marked(text, diagnose(text, 'ts'))).toEqual([]);
  });

  it('honours @ts-nocheck at the top of a pane and @ts-ignore before a line', () => {
    expect(diagnose('// a comment\n// @ts-nocheck\nlock.x;\n')).toEqual([]);
    expect(diagnose('lock.x;\n// @ts-nocheck\n')).toHaveLength(1);
    expect(diagnose('// @ts-ignore\nlock.x;\nlock.y;\n').map((d) => d.from)).toEqual([
      '// @ts-ignore\nlock.x;\nlock.'.length,
    ]);
  });

  it('leaves syntax errors to the syntax check', () => {
    expect(diagnose('let c = (;\nlock.nope();\n')).toEqual([]);
  });

  it('leaves a pane alone when it is too long to check quickly, and says so', () => {
    const text = `log(1);\n${'queue.putt(1);\n'.repeat(MAX_CHECKED_CHARS / 10)}`;
    const found = diagnose(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ from: 0, to: 7, severity: 'info' });
    expect(found[0]?.message).toMatch(/types are checked only up to 200,000/);
  });

  it('shows at most MAX_DIAGNOSTICS markers and says how many more there are', () => {
    const text = 'queue.putt(1);\n'.repeat(MAX_DIAGNOSTICS + 5);
    const found = diagnose(text);
    expect(found).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(found.at(-1)?.message).toBe('5 more type errors after this one are not shown.');
  });

  it('stops when cancelled, and answers the next request', () => {
    expect(
      checker.diagnose({ role: 'producer', language: 'js', text: 'lock.x;' }, () => true),
    ).toBe(null);
    expect(diagnose('lock.x;')).toHaveLength(1);
  });

  it('knows every name and member of the API reference (help, completion, hover)', () => {
    const lines = API_REFERENCE.flatMap((entry) => {
      const owner = entry.kind === 'function' ? `${entry.name}('x')` : entry.name;
      return [
        `void ${entry.name};`,
        ...(entry.members ?? []).map((m) => `void ${owner}.${m.name};`),
      ];
    });
    const text = `${lines.join('\n')}\n`;
    expect(marked(text, diagnose(text))).toEqual([]);
  });

  it('declares no member that the API reference does not document', () => {
    // Members the declarations offer, as TypeScript's completion lists them.
    const documented = new Map(
      API_REFERENCE.filter((e) => e.members !== undefined && e.name !== 'console').map((e) => [
        e.name,
        e.members?.map((m) => m.name).sort(),
      ]),
    );
    for (const [name, members] of documented) {
      const owner =
        API_REFERENCE.find((e) => e.name === name)?.kind === 'function' ? `${name}('x')` : name;
      const probe = `${owner}.nope;`;
      const found = diagnose(probe);
      expect(found, name).toHaveLength(1);
      const suggested = declaredMembers(owner);
      expect(suggested, name).toEqual(members);
    }
    expect(API_REFERENCE.map((e) => e.name).sort()).toEqual([...PANE_PARAMETERS].sort());
  });
});

describe('every example of the playground', { timeout: 120_000 }, () => {
  const panes = EXAMPLES.flatMap((example) =>
    (['producer', 'consumer'] as const).map((role) => ({ example, role, text: example[role] })),
  );
  it.each(panes.map((p) => [p.example.title, p.role, p.text] as const))(
    '%s (%s) has no type error in JavaScript or TypeScript',
    (_title, role, text) => {
      expect(marked(text, diagnose(text, 'js', role))).toEqual([]);
      expect(marked(text, diagnose(text, 'ts', role))).toEqual([]);
    },
  );

  it('covers the lesson track too', () => {
    const ids = new Set(EXAMPLES.map((e) => e.id));
    expect(LESSON.every((step) => ids.has(step.example.id))).toBe(true);
  });
});

/** The members TypeScript offers after `owner.` in a pane (its completion list). */
function declaredMembers(owner: string): string[] {
  const service = probeService(`${owner}.`);
  const entries = service.names;
  return entries.sort();
}

function probeService(text: string): { names: string[] } {
  const prefix = `declare const api: import('./worker-api').PaneApi;\nconst { ${PANE_PARAMETERS.join(', ')} } = api;\n`;
  const file = '/probe.ts';
  const source = prefix + text;
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => ({
      strict: true,
      lib: ['lib.es2024.d.ts'],
      types: [],
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      module: ts.ModuleKind.ESNext,
    }),
    getScriptFileNames: () => ['/worker-api.d.ts', file],
    getScriptVersion: () => '1',
    getScriptSnapshot: (name) => {
      const text =
        name === file ? source : name === '/worker-api.d.ts' ? declarations : lib(name.slice(1));
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => '/',
    getDefaultLibFileName: () => '/lib.d.ts',
    fileExists: (name) =>
      name === file || name === '/worker-api.d.ts' || lib(name.slice(1)) !== undefined,
    readFile: (name) =>
      name === file ? source : name === '/worker-api.d.ts' ? declarations : lib(name.slice(1)),
  };
  const service = ts.createLanguageService(host);
  const completions = service.getCompletionsAtPosition(file, source.length, {});
  return { names: (completions?.entries ?? []).map((e) => e.name) };
}
