/**
 * The parameter names of the compiled user function, in the order the worker passes them. Its
 * own module, so that the type checker's worker (`src/diagnostics/check.ts`) can import it
 * without the worker API's implementation.
 *
 * @module
 */
import type { UserApi } from '../worker/api/index.js';

/** The parameter names of the compiled user function, matching {@link UserApi}'s keys. */
export const API_NAMES = [
  'queue',
  'lock',
  'semaphore',
  'event',
  'cell',
  'sleep',
  'sleepAsync',
  'log',
  'console',
  'random',
  'FINISH',
  'settings',
  'role',
  'index',
  'name',
] as const satisfies readonly (keyof UserApi)[];
