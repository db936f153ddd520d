// Shared by the lesson's steps: the messages a producer sends, and the end-of-stream marker.

/** The sentinel the lock versions send after the last message, as the lesson's `FINISH`. */
export const FINISH = 'FINISH';

/** `count` random integers from 1 to 100, as the lesson's producer makes. */
export function randomMessages(count = 10) {
  return Array.from({ length: count }, () => 1 + Math.floor(Math.random() * 100));
}

/** Whether this module was started with `node <file>` rather than imported. */
export function isMain(url) {
  return process.argv[1] !== undefined && new URL(url).pathname === process.argv[1];
}
