// Finds the code blocks of a README and what each one is meant to do.
//
// A block's info string is its language and then markers (see the package README):
//   ```ts                     complete module: type-checked and run with node
//   ```ts no-run              type-checked only
//   ```ts test                a vitest test file: type-checked and run by vitest in the project
//   ```ts dom                 type-checked with lib DOM and no Node types (a browser module)
//   ```ts fails: TS2322 ...   must not compile, with each of these error codes
//   ```ts throws: LockError   runs (or, with `test`, its tests fail) with an error of that name
//   ```ts file=square.ts      written as that file, so other blocks can import it; not run itself
//   ```js file=square.js      plain JavaScript written as that file (other js blocks are prose)
// Blocks in other languages (sh, text, json...) are prose.

import { readFileSync } from 'node:fs';

/**
 * @typedef {object} Block
 * @property {string} readme   path of the README
 * @property {number} line     1-based line of the opening fence
 * @property {string} lang     `ts` or `js`
 * @property {string} code     the block's text
 * @property {string} info     the whole info string
 * @property {string | undefined} file   name given with `file=`
 * @property {boolean} run     whether it is run (with node, or with vitest when `test`)
 * @property {boolean} test    a vitest test file
 * @property {boolean} dom     type-checked as browser code
 * @property {string[]} fails  error codes it must produce (empty: must compile)
 * @property {string | undefined} throws  name of the error it must end with
 */

const CHECKED = new Set(['ts', 'typescript', 'mts']);
const MARKERS = /^(no-run|test|dom|fails:|throws:|file=)/;

/**
 * Parses an info string's markers. Throws on a marker it does not know, so a typo cannot turn
 * a checked block into an unchecked one.
 * @param {string} info
 * @param {string} where
 */
export function parseInfo(info, where) {
  const [lang = '', ...words] = info.trim().split(/\s+/);
  /** @type {Omit<Block, 'readme' | 'line' | 'code' | 'info'> & { checked: boolean }} */
  const block = {
    lang: lang === 'typescript' || lang === 'mts' ? 'ts' : lang,
    checked: false,
    file: undefined,
    run: true,
    test: false,
    dom: false,
    fails: [],
    throws: undefined,
  };
  if (!CHECKED.has(lang) && lang !== 'js') return block; // prose: sh, text, json, ...
  let list = /** @type {'fails' | 'throws' | undefined} */ (undefined);
  for (const word of words) {
    if (word === 'no-run') block.run = false;
    else if (word === 'test') block.test = true;
    else if (word === 'dom') block.dom = true;
    else if (word.startsWith('file=')) block.file = word.slice('file='.length);
    else if (word === 'fails:' || word === 'throws:') list = word === 'fails:' ? 'fails' : 'throws';
    else if (word.startsWith('fails:') || word.startsWith('throws:')) {
      const [key, value] = word.split(':');
      list = key === 'fails' ? 'fails' : 'throws';
      if (value) addTo(block, list, value, where);
    } else if (list !== undefined && !MARKERS.test(word)) addTo(block, list, word, where);
    else throw new Error(`${where}: unknown marker '${word}' in \`\`\`${info}`);
  }
  if (block.fails.length > 0 && block.fails.some((code) => !/^TS\d+$/.test(code))) {
    throw new Error(`${where}: 'fails:' takes error codes such as TS2322, got ${block.fails}`);
  }
  block.checked = CHECKED.has(lang) || (lang === 'js' && block.file !== undefined);
  if (block.file !== undefined || block.fails.length > 0 || block.dom) block.run = false;
  if (block.lang === 'js' && block.file === undefined) block.checked = false;
  return block;
}

/**
 * @param {ReturnType<typeof parseInfo>} block
 * @param {'fails' | 'throws'} list
 * @param {string} value
 * @param {string} where
 */
function addTo(block, list, value, where) {
  if (list === 'fails') block.fails.push(value.replace(/,$/, ''));
  else if (block.throws === undefined) block.throws = value;
  else throw new Error(`${where}: 'throws:' takes one error name`);
}

/** A fence line: its indent (up to 3 spaces), the fence (``` or ~~~, 3 or more) and the rest. */
const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/**
 * The checked blocks of one README (TypeScript blocks and `js file=` blocks).
 * @param {string} readme
 * @returns {Block[]}
 */
export function readmeBlocks(readme) {
  const lines = readFileSync(readme, 'utf8').split('\n');
  /** @type {Block[]} */
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '```', info = ''] = open;
    const start = i;
    const body = [];
    for (i++; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    const where = `${readme}:${start + 1}`;
    const parsed = parseInfo(info, where);
    if (!parsed.checked) continue;
    const { checked: _, ...rest } = parsed;
    blocks.push({
      readme,
      line: start + 1,
      info: info.trim(),
      code: body.join('\n') + '\n',
      ...rest,
    });
  }
  return blocks;
}

/**
 * The anchors GitHub gives the ATX headings of a Markdown file (`## Per item` -> `per-item`;
 * see {@link slugOf}); a repeated heading gets `-1`, `-2`... Headings inside code fences do
 * not count.
 * @param {string} markdown
 * @returns {Set<string>}
 */
export function headingAnchors(markdown) {
  /** @type {Set<string>} */
  const anchors = new Set();
  /** @type {Map<string, number>} how many times each slug has been repeated */
  const repeats = new Map();
  /** @type {string | null} the fence that opened the block we are in (``` or ~~~, its length) */
  let fence = null;
  for (const line of markdown.split('\n')) {
    const [, , marker, rest = ''] = FENCE.exec(line) ?? [];
    if (marker !== undefined) {
      // A block closes only with a bare fence (no info string) of its own character, at least
      // as long (CommonMark): a ~~~ or ```ts line inside a ``` block is code.
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && rest.trim() === '') {
        fence = null;
      }
      continue;
    }
    const heading = fence === null ? /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (!heading) continue;
    const base = slugOf(heading[1] ?? '');
    // As github-slugger: a repeated slug gets -1, -2, ..., skipping any a heading already has.
    let count = repeats.get(base) ?? 0;
    let slug = base;
    while (anchors.has(slug)) slug = `${base}-${++count}`;
    repeats.set(base, count);
    anchors.add(slug);
  }
  return anchors;
}

/** An HTML tag as CommonMark reads one (a name, attributes, `/`): GitHub drops it. */
const HTML_TAG =
  /<\/?[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>/g;

/** A character reference (`&amp;`, `&#38;`, `&#x26;`). */
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos|nbsp));/g;

/** @type {Record<string, string>} */
const NAMED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * The character a reference stands for.
 *
 * @param {string} _match
 * @param {string | undefined} decimal
 * @param {string | undefined} hex
 * @param {string | undefined} name
 */
function entity(_match, decimal, hex, name) {
  if (name !== undefined) return NAMED[name] ?? '';
  return String.fromCodePoint(decimal !== undefined ? Number(decimal) : parseInt(hex ?? '0', 16));
}

/**
 * GitHub's anchor for a heading's text: the text it renders (a link's text, code spans kept
 * verbatim, HTML tags and emphasis marks dropped outside code), lower-cased, with everything
 * but letters, marks, digits, `_`, `-` and spaces removed and spaces turned into hyphens.
 *
 * @param {string} text the heading's Markdown
 */
function slugOf(text) {
  // Outside code, Markdown text; inside code spans, verbatim.
  const rendered = text
    .split(/(`+[^`]*`+)/)
    .map(
      (part, i) =>
        i % 2 === 1
          ? part.replace(/^`+|`+$/g, '')
          : part
              .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
              .replace(HTML_TAG, '') // a tag; `Map<string, number>` is not one, and shows
              .replace(ENTITY, entity)
              .replace(/(^|[^\p{L}\p{N}])_+|_+(?=[^\p{L}\p{N}]|$)/gu, '$1'), // _emphasis_, not snake_case
    )
    .join('');
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}
