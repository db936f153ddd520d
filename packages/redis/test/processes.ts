import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A child node process running one of test/fixtures/*.mjs. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal name) once it exits. */
  readonly exited: Promise<number | string>;
  /** What it wrote to stderr (its connection events, one JSON line each, and any error). */
  stderr(): string;
}

/** A temporary directory for the run's history files. */
export const historyDir = (): string => mkdtempSync(join(tmpdir(), 'baton-redis-history-'));

/** Starts `fixtures/<script>.mjs` with `args` (JSON) in a new node process. */
export function start(script: string, name: string, args: Record<string, unknown>): Child {
  const child = spawn(process.execPath, [join(fixtures, `${script}.mjs`), JSON.stringify(args)], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { name, process: child, exited, stderr: () => err };
}
