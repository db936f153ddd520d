// Builds a fresh consumer project outside the workspace: packs every public package of
// packages/*, installs the tarballs with npm (not the workspace links), and links the tools the
// checks need (typescript, @types/node, vitest) from this package's own node_modules.

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const execFileAsync = promisify(execFile);

export const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const workspace = resolve(here, '../..');

/** Tools the project borrows from this package (a user would install them the same way). */
const TOOLS = ['typescript', '@types/node', 'vitest'];

/**
 * The public packages of the workspace: `packages/*` with a name and not private.
 * @returns {{ dir: string, name: string, version: string, readme: string }[]}
 */
export function publicPackages() {
  const root = join(workspace, 'packages');
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => pkg.name && !pkg.private)
    .map(({ dir, pkg }) => ({
      dir,
      name: pkg.name,
      version: pkg.version,
      readme: join(dir, 'README.md'),
    }));
}

/**
 * Packs each package with `pnpm pack` (which rewrites `workspace:` ranges as publishing does),
 * all at once.
 * @param {string} into
 * @returns {Promise<Map<string, string>>} package name -> tarball path
 */
export async function packAll(into) {
  mkdirSync(into, { recursive: true });
  const packs = publicPackages().map(async ({ dir, name }) => {
    if (!existsSync(join(dir, 'dist'))) {
      throw new Error(`${name} has no dist/: build it first (pnpm --filter ${name} build)`);
    }
    const { stdout } = await execFileAsync('pnpm', ['pack', '--pack-destination', into], {
      cwd: dir,
      encoding: 'utf8',
    });
    const file = stdout
      .trim()
      .split('\n')
      .map((line) => line.trim())
      .reverse()
      .find((line) => line.endsWith('.tgz'));
    if (!file) throw new Error(`pnpm pack printed no tarball for ${name}:\n${stdout}`);
    return /** @type {[string, string]} */ ([name, resolve(into, file)]);
  });
  return new Map(await Promise.all(packs));
}

/** A new, empty project in the system's temp directory (outside the workspace). */
export function createProject() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-consumer-')));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'baton-consumer', private: true, type: 'module' }, null, 2),
  );
  return dir;
}

/**
 * Installs the tarballs into the project with npm, and links the tools.
 * @param {string} dir
 * @param {Map<string, string>} tarballs
 */
export function install(dir, tarballs) {
  const install = (offline) =>
    execFileSync(
      'npm',
      [
        'install',
        offline ? '--offline' : '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        ...tarballs.values(),
      ],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  try {
    // Core and the testkit have no runtime dependencies outside the tarballs: no network needed.
    install(true);
  } catch {
    install(false); // a package with registry dependencies (e.g. a Redis client)
  }
  for (const tool of TOOLS) {
    const target = join(dir, 'node_modules', tool);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(realpathSync(join(here, 'node_modules', tool)), target, 'dir');
  }
}

/**
 * Writes `text` to `file`, making its directory.
 * @param {string} file
 * @param {string} text
 */
export function write(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
