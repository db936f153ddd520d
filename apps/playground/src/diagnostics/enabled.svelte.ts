/**
 * Whether the editors check types. Off on a fresh page, so that the TypeScript compiler (a
 * lazily loaded worker of about a megabyte) is never part of the first load; the first Run turns
 * it on, and so does the editors' "Check types now" button.
 *
 * @module
 */
export const typeChecking = $state({ on: false });

/** Turns type checking on in both editors (they load the checker then). */
export function enableTypeChecking(): void {
  typeChecking.on = true;
}
