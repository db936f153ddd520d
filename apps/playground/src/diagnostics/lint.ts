/**
 * The editors' type diagnostics: a CodeMirror lint source that asks the checker worker
 * (`checker.worker.ts`) about the pane, and gives TypeScript's findings as warnings (the editor
 * shows their messages on hover). Loaded by the editor once type checking is on
 * (`enabled.svelte.ts`); the worker starts with the first check and is shared by both editors.
 *
 * The editor wraps the source in `linter()` itself (it has `@codemirror/lint` already), so this
 * chunk shares no code with the first load. CodeMirror runs it 750 ms after the last change,
 * and a newer version of a pane cancels the check of an older one in the worker
 * (see `protocol.ts`).
 *
 * @module
 */
import type { Diagnostic, LintSource } from '@codemirror/lint';
import { MAX_CHECKED_CHARS, tooLong, type PaneSource, type TypeDiagnostic } from './check.js';
import { ROLE_SLOT, type CheckerRequest, type CheckerResponse } from './protocol.js';

type Answer = TypeDiagnostic[] | null;

class CheckerClient {
  private readonly worker: Worker;
  /** Newest request id per pane, shared with the worker (null without cross-origin isolation). */
  private readonly latest: Int32Array | null;
  private readonly pending = new Map<number, (answer: Answer) => void>();
  private nextId = 1;
  /** Why the checker cannot run, once it failed to start. */
  broken: string | null = null;

  constructor() {
    this.worker = new Worker(new URL('./checker.worker.ts', import.meta.url), {
      type: 'module',
      name: 'type checker',
    });
    this.latest = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(8)) : null;
    this.worker.onmessage = (event: MessageEvent<CheckerResponse>) => {
      const message = event.data;
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message.kind === 'diagnostics' ? message.diagnostics : null);
      if (message.kind === 'failed') console.warn(`type checker: ${message.message}`);
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.broken = event.message || 'its worker could not be loaded';
      for (const resolve of this.pending.values()) resolve(null);
      this.pending.clear();
    };
    this.post({ kind: 'init', latest: this.latest });
  }

  private post(request: CheckerRequest): void {
    this.worker.postMessage(request);
  }

  check(pane: PaneSource): Promise<Answer> {
    if (this.broken !== null) return Promise.resolve(null);
    const id = this.nextId++;
    if (this.latest !== null) Atomics.store(this.latest, ROLE_SLOT[pane.role], id);
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.post({ kind: 'check', id, pane });
    });
  }
}

let client: CheckerClient | undefined;

/** The type diagnostics of one pane, as a CodeMirror lint source. */
export function typeSource(role: PaneSource['role'], language: PaneSource['language']): LintSource {
  return async (view): Promise<Diagnostic[]> => {
    const { doc } = view.state;
    // A pasted megabyte is not even copied out of the editor: the note says why it is not checked.
    const answer =
      doc.length > MAX_CHECKED_CHARS
        ? [tooLong(doc.length, doc.line(1).to)]
        : await (client ??= new CheckerClient()).check({ role, language, text: doc.toString() });
    if (answer === null) {
      const broken = client?.broken ?? null;
      return broken === null
        ? []
        : [
            {
              from: 0,
              to: 0,
              severity: 'info',
              source: 'TypeScript',
              message: `Types cannot be checked: ${broken}. Runs are not affected.`,
            },
          ];
    }
    return answer.map((d): Diagnostic => ({
      from: d.from,
      to: d.to,
      severity: d.severity,
      source: d.code === 0 ? 'TypeScript' : `TypeScript ${d.code}`,
      message: d.message,
    }));
  };
}
