import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the Node script at `url` (a file URL, e.g. `new URL('./fixtures/x.mjs', import.meta.url)`)
 * in a fresh Node process with `args`, and resolves with what it printed on stdout. Rejects when
 * it exits with an error or outlives `timeout` ms, with its stdout and stderr in the message.
 */
export function runNodeScript(url: URL, args: string[], timeout: number): Promise<string> {
  const script = fileURLToPath(url);
  return new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script, ...args], { timeout }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve(out),
    );
  });
}
