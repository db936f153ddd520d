/**
 * What an editor adds once the user starts working in it: syntax errors as you type (from the
 * parser the workers use), completion and hover help from the worker API's reference
 * (`API_REFERENCE`) and the primitives the code declares (`scanDeclarations`). Loaded on the
 * first focus, so none of it weighs on the page's first load.
 *
 * @module
 */
import {
  autocompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
} from '@codemirror/autocomplete';
import { linter } from '@codemirror/lint';
import type { Extension } from '@codemirror/state';
import { hoverTooltip, type EditorView } from '@codemirror/view';
import { API_REFERENCE, apiEntry, type ApiEntry } from '../runtime/common/api-reference.js';
import { checkSyntax, CompileError } from '../runtime/common/compile.js';
import type { Language } from '../runtime/common/protocol.js';
import { stripComments } from '../runtime/page/declarations.js';

/** `const producerLock = lock('producer_lock')`: which API function made each variable. */
function variables(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(lock|semaphore|event|cell)\(/g;
  for (const m of stripComments(text).matchAll(pattern)) found.set(m[1] ?? '', m[2] ?? '');
  return found;
}

/** The names the code gives to primitives of `kind`: `lock('producer_lock')`. */
function declaredNames(text: string, kind: string): string[] {
  const pattern = new RegExp(String.raw`\b${kind}\(\s*['"]([^'"\\\n]{1,64})['"]`, 'g');
  return [...new Set([...stripComments(text).matchAll(pattern)].map((m) => m[1] ?? ''))];
}

const info =
  (signature: string, doc: string): Completion['info'] =>
  () => {
    const box = document.createElement('div');
    const code = document.createElement('code');
    code.textContent = signature;
    const text = document.createElement('p');
    text.textContent = doc;
    box.append(code, text);
    return box;
  };

function complete(context: CompletionContext): CompletionResult | null {
  const text = context.state.doc.toString();
  // Inside the name of a primitive: lock('pro|
  const named = context.matchBefore(/\b(lock|semaphore|event|cell)\(\s*['"][\w ]*/);
  if (named !== null) {
    const kind = /^(\w+)/.exec(named.text)?.[1] ?? '';
    const start = named.from + named.text.search(/['"]/) + 1;
    return {
      from: start,
      options: declaredNames(text, kind).map((label) => ({ label, type: 'text', detail: kind })),
    };
  }
  // A member: queue.pu|, lock('x').acq|, producerLock.rel|
  const member = context.matchBefore(/([A-Za-z_$][\w$]*)(\([^()]*\))?\.[\w$]*/);
  if (member !== null) {
    const object = /^([A-Za-z_$][\w$]*)/.exec(member.text)?.[1] ?? '';
    const entry = apiEntry(variables(text).get(object) ?? object);
    if (entry?.members !== undefined) {
      return {
        from: member.from + member.text.lastIndexOf('.') + 1,
        options: entry.members.map((m) => ({
          label: m.name,
          type: m.signature.includes('(') ? 'method' : 'property',
          detail: m.signature,
          info: info(m.signature, m.doc),
        })),
      };
    }
    return null;
  }
  const word = context.matchBefore(/[A-Za-z_$][\w$]*/);
  if (word === null || (word.from === word.to && !context.explicit)) return null;
  return {
    from: word.from,
    options: API_REFERENCE.map((e) => ({
      label: e.name,
      type: e.kind === 'function' ? 'function' : e.kind === 'object' ? 'variable' : 'constant',
      detail: e.signature,
      info: info(e.signature, e.doc),
    })),
  };
}

/** The API entry or member under `pos`, if any. */
export function describeAt(text: string, pos: number): { title: string; doc: string } | null {
  let from = pos;
  let to = pos;
  while (from > 0 && /[\w$]/.test(text[from - 1] ?? '')) from--;
  while (to < text.length && /[\w$]/.test(text[to] ?? '')) to++;
  if (from === to) return null;
  const word = text.slice(from, to);
  if (text[from - 1] === '.') {
    // A member: find what it belongs to.
    const before = text.slice(0, from - 1);
    const object = /([A-Za-z_$][\w$]*)(?:\([^()]*\))?$/.exec(before)?.[1] ?? '';
    const owner: ApiEntry | undefined =
      apiEntry(variables(text).get(object) ?? object) ??
      API_REFERENCE.find((e) => e.members?.some((m) => m.name === word));
    const m = owner?.members?.find((x) => x.name === word);
    return m === undefined || owner === undefined
      ? null
      : { title: `${owner.name} ${m.signature}`, doc: m.doc };
  }
  const entry = apiEntry(word);
  return entry === undefined ? null : { title: entry.signature, doc: entry.doc };
}

const hover = hoverTooltip((view: EditorView, pos: number) => {
  const found = describeAt(view.state.doc.toString(), pos);
  if (found === null) return null;
  return {
    pos,
    create: () => {
      const dom = document.createElement('div');
      dom.className = 'cm-api-hover';
      const code = document.createElement('code');
      code.textContent = found.title;
      const p = document.createElement('p');
      p.textContent = found.doc;
      dom.append(code, p);
      return { dom };
    },
  };
});

/** Syntax errors as you type, from the same parser the workers use. */
function syntax(lang: Language): Extension {
  return linter(async (view) => {
    try {
      await checkSyntax(view.state.doc.toString(), lang);
      return [];
    } catch (error) {
      const at = error instanceof CompileError ? error.userError.location : undefined;
      if (at === undefined || at.line > view.state.doc.lines) return [];
      const line = view.state.doc.line(at.line);
      const from = Math.min(line.to, line.from + Math.max(0, at.column - 1));
      return [
        {
          from,
          to: Math.max(from, line.to),
          severity: 'error',
          message: `SyntaxError: ${(error as Error).message}`,
        },
      ];
    }
  });
}

/** The editor's help: linting, completion and hover. */
export function assist(lang: Language): Extension {
  return [syntax(lang), autocompletion({ override: [complete] }), hover];
}
