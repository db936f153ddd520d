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

/** A recorded run: the seed of `random()` and the order in which workers passed their calls. */
export interface Recording {
  readonly seed: number;
  /** Worker ids (0-based, producers first), one per pass. */
  readonly schedule: readonly number[];
}

/** What a shared link or a saved session holds. */
export interface Session {
  readonly producer: string;
  readonly consumer: string;
  readonly language: Language;
  readonly settings: Settings;
  /** A run to replay exactly, when the link carries one. */
  readonly recording?: Recording;
}

/** The longest schedule a link may carry (passes). */
export const MAX_SCHEDULE_LENGTH = 20_000;

/** Checks an untrusted recording for `workers` workers. @throws {TypeError | RangeError} */
export function checkRecording(value: unknown, workers: number): Recording {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError('recording must be an object');
  }
  const { seed, schedule } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(seed)) throw new TypeError('recording.seed must be an integer');
  if (!Array.isArray(schedule)) throw new TypeError('recording.schedule must be an array');
  if (schedule.length > MAX_SCHEDULE_LENGTH) {
    throw new RangeError(`recording.schedule is longer than ${MAX_SCHEDULE_LENGTH} steps`);
  }
  for (const w of schedule) {
    if (!Number.isInteger(w) || (w as number) < 0 || (w as number) >= workers) {
      throw new RangeError(`recording.schedule names worker ${String(w)}, not one of this run's`);
    }
  }
  return { seed: seed as number, schedule: schedule as number[] };
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
  const settings = checkSettings(record.settings);
  const session: Session = {
    producer: record.producer as string,
    consumer: record.consumer as string,
    language: record.language,
    settings,
  };
  return record.recording === undefined
    ? session
    : {
        ...session,
        recording: checkRecording(record.recording, settings.producers + settings.consumers),
      };
}

const serialise = ({ producer, consumer, language, settings, recording }: Session): string =>
  JSON.stringify({ v: FORMAT, producer, consumer, language, settings, recording });

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
