/**
 * The checker worker: TypeScript's language service over the panes, off the page's thread, so
 * that checking a long pane never stalls the editors. Started by `lint.ts` on the first Run (or
 * when the user asks for type checking); this module and `typescript` are never part of the
 * first load.
 *
 * @module
 */
import ts from 'typescript';
import { createChecker } from './check.js';
import { ROLE_SLOT, type CheckerRequest, type CheckerResponse } from './protocol.js';
import declarations from './worker-api.d.ts?raw';

// The standard library's declarations the checker needs (see LIBS in check.ts): ES2024 and the
// worker's globals, as text in this worker's bundle.
const libFiles = import.meta.glob(
  [
    '../../node_modules/typescript/lib/lib.es5.d.ts',
    '../../node_modules/typescript/lib/lib.es20*.d.ts',
    '../../node_modules/typescript/lib/lib.decorators*.d.ts',
    '../../node_modules/typescript/lib/lib.webworker*.d.ts',
    '!**/*.full.d.ts',
    '!**/lib.es2025*',
    '!**/lib.webworker.importscripts.d.ts',
  ],
  { query: '?raw', import: 'default', eager: true },
) as Record<string, string>;
const libs = new Map(
  Object.entries(libFiles).map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1), text]),
);

const checker = createChecker({ ts, lib: (fileName) => libs.get(fileName), declarations });
let latest: Int32Array | null = null;

const reply = (message: CheckerResponse): void => postMessage(message);

self.onmessage = (event: MessageEvent<CheckerRequest>) => {
  const request = event.data;
  if (request.kind === 'init') {
    latest = request.latest;
    return;
  }
  const { id, pane } = request;
  const slot = ROLE_SLOT[pane.role];
  const superseded = () => latest !== null && Atomics.load(latest, slot) !== id;
  if (superseded()) {
    reply({ kind: 'cancelled', id });
    return;
  }
  try {
    const diagnostics = checker.diagnose(pane, superseded);
    reply(
      diagnostics === null ? { kind: 'cancelled', id } : { kind: 'diagnostics', id, diagnostics },
    );
  } catch (error) {
    reply({ kind: 'failed', id, message: error instanceof Error ? error.message : String(error) });
  }
};
