/**
 * Messages between the editors and the checker worker.
 *
 * Cancellation: the page and the worker share `latest`, one Int32 per role holding the id of the
 * newest request for that pane. While the worker checks request `id`, TypeScript asks "cancelled?"
 * every now and then; the answer is `latest[role] !== id`, so typing on during a long check
 * abandons it instead of queueing behind it.
 *
 * @module
 */
import type { PaneSource, TypeDiagnostic } from './check.js';

/** Index of each pane in the shared `latest` array. */
export const ROLE_SLOT = { producer: 0, consumer: 1 } as const;

export type CheckerRequest =
  | { readonly kind: 'init'; readonly latest: Int32Array | null }
  | { readonly kind: 'check'; readonly id: number; readonly pane: PaneSource };

export type CheckerResponse =
  | { readonly kind: 'diagnostics'; readonly id: number; readonly diagnostics: TypeDiagnostic[] }
  | { readonly kind: 'cancelled'; readonly id: number }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };
