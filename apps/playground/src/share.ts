/**
 * Sharing a session: the code and settings compressed into the URL's fragment, and the last
 * session kept in local storage.
 *
 * Everything read back is untrusted: it is checked field by field, only ever placed in the
 * editors as text, and never run until the user presses Run.
 *
 * @module
 */
// lz-string is CommonJS: a default import works in Vite, vitest and Node alike.
import LZString from 'lz-string';
import type { Language, Settings } from './runtime/common/protocol.js';
import { checkSettings } from './settings.js';

/** What a shared link or a saved session holds. */
export interface Session {
  readonly producer: string;
  readonly consumer: string;
  readonly language: Language;
  readonly settings: Settings;
}

/** The longest pane a link or a saved session may carry, in characters. */
export const MAX_CODE_LENGTH = 100_000;
/** The fragment key: `#code=<compressed>`. */
const FRAGMENT_KEY = 'code';
const STORAGE_KEY = 'baton.playground.session';
const FORMAT = 1;

/** Checks an untrusted session object. @throws {TypeError | RangeError} naming the field. */
export function checkSession(value: unknown): Session {
  if (typeof value !== 'object' || value === null) throw new TypeError('session must be an object');
  const record = value as Record<string, unknown>;
  if (record.v !== FORMAT) throw new TypeError(`unknown session format ${String(record.v)}`);
  for (const pane of ['producer', 'consumer'] as const) {
    const code = record[pane];
    if (typeof code !== 'string') throw new TypeError(`${pane} code must be a string`);
    if (code.length > MAX_CODE_LENGTH) {
      throw new RangeError(`${pane} code is longer than ${MAX_CODE_LENGTH} characters`);
    }
  }
  if (record.language !== 'js' && record.language !== 'ts') {
    throw new TypeError(`language must be 'js' or 'ts'`);
  }
  return {
    producer: record.producer as string,
    consumer: record.consumer as string,
    language: record.language,
    settings: checkSettings(record.settings),
  };
}

const serialise = ({ producer, consumer, language, settings }: Session): string =>
  JSON.stringify({ v: FORMAT, producer, consumer, language, settings });

/**
 * The URL fragment that restores `session`.
 *
 * @example
 * ```ts
 * location.hash = encodeFragment(session); // '#code=N4Ig...'
 * ```
 */
export function encodeFragment(session: Session): string {
  return `#${FRAGMENT_KEY}=${LZString.compressToEncodedURIComponent(serialise(session))}`;
}

/**
 * The session in a URL fragment: `null` when the fragment carries none, an `Error` saying why
 * when it carries a broken one.
 */
export function decodeFragment(hash: string): Session | Error | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const packed = params.get(FRAGMENT_KEY);
  if (packed === null || packed === '') return null;
  try {
    // URLSearchParams turns '+' into ' '; the compressed alphabet uses '+', never ' '.
    const text = LZString.decompressFromEncodedURIComponent(packed.replace(/ /g, '+'));
    if (!text) return new Error('the link is damaged: its code does not decompress');
    return checkSession(JSON.parse(text));
  } catch (error) {
    return new Error(
      `the link is damaged: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Saves the session for the next visit; quietly does nothing where storage is refused. */
export function saveSession(
  session: Session,
  storage: Storage | undefined = globalThis.localStorage,
): void {
  try {
    storage?.setItem(STORAGE_KEY, serialise(session));
  } catch {
    // Private mode or a full quota: the session simply is not remembered.
  }
}

/** The session saved by the last visit, if there is a valid one. */
export function loadSession(
  storage: Storage | undefined = globalThis.localStorage,
): Session | null {
  try {
    const text = storage?.getItem(STORAGE_KEY);
    return text ? checkSession(JSON.parse(text)) : null;
  } catch {
    return null;
  }
}
