/**
 * Makes explanations stable for snapshots: durations and line:column numbers change from run
 * to run and edit to edit, the sentences around them must not.
 */
export function normalise(message: string): string {
  return message
    .replace(/\b\d+(\.\d+)? (ms|s)\b/g, '<t>')
    .replace(/(test\/[\w.-]+\.ts):\d+:\d+/g, '$1:<line>');
}

/** The error `promise` rejects with (failing if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
