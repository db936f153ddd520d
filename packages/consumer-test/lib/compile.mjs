// Type-checks the consumer project as a user's strict NodeNext project would, with the
// TypeScript compiler API: one program for Node code (emitted to out/, then run) and one for
// browser code (lib DOM, no Node types; checked only). Diagnostics are grouped by file, so a
// block that must fail can be told apart from one that must not.

import ts from 'typescript';
import { join, relative } from 'node:path';

/**
 * @typedef {object} Diagnostic
 * @property {string | undefined} file  absolute path, undefined for a global diagnostic
 * @property {number} line              1-based, 0 when unknown
 * @property {string} code              e.g. `TS2322`
 * @property {string} message
 */

/** What a user's tsconfig would say: strict, NodeNext, and a target Node 20 can run. */
export const USER_OPTIONS = {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  // ES2022 so that `using` is downlevelled (Node 20 cannot parse it). The Node program's lib is
  // ES2022 alone: no esnext.disposable (the shipped types must bring their own Disposable) and
  // no DOM (a README block must not pick up the DOM's Lock or Worker instead of importing ours).
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  forceConsistentCasingInFileNames: true,
  allowJs: true,
  checkJs: false,
};

/**
 * @param {string} dir       the project
 * @param {string[]} files   absolute paths of the root files
 * @param {'node' | 'dom'} kind
 * @returns {Diagnostic[]}
 */
export function compile(dir, files, kind) {
  /** @type {ts.CompilerOptions} */
  const options =
    kind === 'node'
      ? {
          ...USER_OPTIONS,
          lib: ['lib.es2022.d.ts'],
          types: ['node'],
          typeRoots: [join(dir, 'node_modules/@types')],
          rootDir: join(dir, 'src'),
          outDir: join(dir, 'out'),
          // As tsc --init sets it; the browser program below checks our declaration files.
          skipLibCheck: true,
        }
      : {
          ...USER_OPTIONS,
          lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
          types: [],
          typeRoots: [],
          noEmit: true,
          // Checks every declaration file it reads, ours included: they must compile without
          // Node's types and without esnext.disposable.
          skipLibCheck: false,
          skipDefaultLibCheck: true, // TypeScript's own lib.*.d.ts need no checking by us
        };
  const program = ts.createProgram({ rootNames: files, options });
  const all = [...ts.getPreEmitDiagnostics(program)];
  if (kind === 'node') all.push(...program.emit().diagnostics);
  return all.filter((d) => mine(dir, d.file?.fileName)).map((d) => simplify(d));
}

/**
 * Our concern: the project's own files, our packages' shipped types, and global errors.
 * Third-party declaration files (vite's, say) are theirs to keep clean.
 * @param {string} dir
 * @param {string | undefined} file
 */
function mine(dir, file) {
  if (file === undefined) return true;
  const path = relative(dir, file);
  return !path.startsWith('node_modules') || path.startsWith(join('node_modules', '@baton'));
}

/** @param {ts.Diagnostic} d @returns {Diagnostic} */
function simplify(d) {
  const line =
    d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
  return {
    file: d.file?.fileName,
    line,
    code: `TS${d.code}`,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  };
}
