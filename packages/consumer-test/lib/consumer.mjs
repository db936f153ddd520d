// The consumer project, end to end: pack, install, lay out the README blocks and the fixtures,
// compile. What is run and asserted lives in test/consumer.test.ts (and check-readme.mjs).

import { cpSync, existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { compile } from './compile.mjs';
import {
  createProject,
  here,
  install,
  packAll,
  publicPackages,
  write,
  workspace,
} from './project.mjs';
import { readmeBlocks } from './readme.mjs';

/**
 * @typedef {import('./readme.mjs').Block & { source: string, out: string | undefined,
 *   name: string }} PlacedBlock
 */

/**
 * Every checked block of every public package's README (or of the READMEs given).
 * @param {string[]} [readmes]
 */
export function allBlocks(readmes) {
  const list =
    readmes ??
    publicPackages()
      .map((p) => p.readme)
      .filter((f) => existsSync(f));
  return list.flatMap((readme) => readmeBlocks(readme));
}

/**
 * Where a block goes in the project: src/readme/<package dir>/ (src/dom/readme/... for browser
 * blocks), as its `file=` name or `L<line>.ts` (`L<line>.test.ts` for a vitest block).
 * @param {string} dir
 * @param {import('./readme.mjs').Block} block
 * @returns {PlacedBlock}
 */
export function place(dir, block) {
  const pkg = basename(dirname(block.readme));
  const root = block.dom ? join(dir, 'src/dom/readme', pkg) : join(dir, 'src/readme', pkg);
  const name = block.file ?? `L${block.line}${block.test ? '.test' : ''}.ts`;
  const source = join(root, name);
  const out = block.dom
    ? undefined
    : join(dir, 'out', relative(join(dir, 'src'), source)).replace(/\.(m|c)?ts$/, '.$1js');
  return { ...block, name: `${relative(workspace, block.readme)}:${block.line}`, source, out };
}

/** Every file under `root` (recursively). @param {string} root @returns {string[]} */
function filesUnder(root) {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Builds the project: packs and installs the packages, writes the blocks and the fixtures,
 * compiles. Returns the diagnostics of each program.
 * @param {{ readmes?: string[], blocks?: import('./readme.mjs').Block[],
 *   log?: (line: string) => void }} [options] `blocks`: the blocks to use, as read earlier (the
 *   tests are named after them, so a README edited meanwhile must not shift them); default:
 *   read from `readmes` now.
 */
export async function prepare({ readmes, blocks: given, log: print = () => {} } = {}) {
  const start = Date.now();
  /** @param {string} line */
  const log = (line) => print(`[${((Date.now() - start) / 1000).toFixed(1)} s] ${line}`);
  const dir = createProject();
  log(`packing the packages into ${dir}/tarballs`);
  const tarballs = await packAll(join(dir, 'tarballs'));
  log(`installing ${[...tarballs.values()].map((t) => basename(t)).join(', ')}`);
  install(dir, tarballs);
  cpSync(join(here, 'fixtures'), join(dir, 'src'), { recursive: true });
  const blocks = (given ?? allBlocks(readmes)).map((block) => place(dir, block));
  for (const block of blocks) write(block.source, block.code);
  log(`compiling ${blocks.length} README blocks and the fixtures in ${dir}`);
  const all = filesUnder(join(dir, 'src')).filter((f) => /\.(m|c)?[jt]s$/.test(f));
  const domRoot = join(dir, 'src/dom');
  const node = compile(
    dir,
    all.filter((f) => !f.startsWith(domRoot)),
    'node',
  );
  const dom = compile(
    dir,
    all.filter((f) => f.startsWith(domRoot)),
    'dom',
  );
  log('compiled');
  return { dir, tarballs, blocks, diagnostics: [...node, ...dom] };
}

/**
 * A diagnostic as a line, pointing into the README for a block's file.
 * @param {import('./compile.mjs').Diagnostic} d
 * @param {PlacedBlock[]} blocks
 * @param {string} dir
 */
export function describeDiagnostic(d, blocks, dir) {
  const block = blocks.find((b) => b.source === d.file);
  const where = block
    ? `${relative(workspace, block.readme)}:${block.line + d.line}`
    : d.file
      ? `${relative(dir, d.file)}:${d.line}`
      : '(global)';
  return `${where} ${d.code}: ${d.message}`;
}
