// How long this machine takes to move a cache line from one core to another and back, measured
// beside the figures it sets.
//
// Every item or batch that passes between two workers moves cache lines between their cores:
// the values, and the words each side writes and the other reads. On the development machine
// (a virtual machine on an AMD EPYC host) that round trip took 67-137 ns in spells in which
// ringbuf.js's batches ran 670-700 M items/s between two workers, and 293-364 ns in spells in
// which they ran 256-287 M, Baton's rows falling with them (see PERFORMANCE.md, "A slower mode
// of the machine"); the stall probe and the load average do not see it. Two threads hand a turn back and forth
// through one shared word, each spinning until it is its turn (no sleep, no system call): a
// round trip is two moves of that word's line.
import { runProbe } from './probe.mjs';

/** A spin this long means the partner is gone: the probe fails rather than hang. */
const PATIENCE_MS = 2000;

// The probe's threads (kept as source text, as stalls.mjs's are). Side 0 times each chunk of
// CHUNK round trips: it hands the turn over and spins until it comes back.
const CHUNK = 1000;
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { turn, side, chunks } = workerData;
const times = side === 0 ? new Float64Array(chunks) : undefined;
function spinWhile(value) {
  const give = performance.now() + ${PATIENCE_MS};
  for (let i = 0; Atomics.load(turn, 0) === value; i++) {
    if ((i & 0xffff) === 0 && performance.now() > give) {
      throw new Error('cache-line probe: the other thread did not hand the turn back');
    }
  }
}
for (let c = 0; c < chunks; c++) {
  const start = side === 0 ? performance.now() : 0;
  for (let i = 0; i < ${CHUNK}; i++) {
    if (side === 0) {
      Atomics.store(turn, 0, 1);
      spinWhile(1);
    } else {
      spinWhile(0);
      Atomics.store(turn, 0, 0);
    }
  }
  if (side === 0) times[c] = performance.now() - start;
}
parentPort.postMessage(times ?? null);
`;

/**
 * Runs one pair of fresh threads that make `chunks` chunks of 1,000 round trips each, and
 * returns the median round trip of a chunk, in nanoseconds (the first `warm` chunks untimed).
 * The median of chunks, so that a chunk in which the host stopped one thread does not count.
 */
export async function measureLineTrip(chunks = 60, warm = 10) {
  const turn = new Int32Array(new SharedArrayBuffer(4));
  const [times] = await runProbe(
    PROBE,
    [0, 1].map((side) => ({ turn, side, chunks: warm + chunks })),
  );
  const sorted = Array.from(times.subarray(warm)).sort((a, b) => a - b);
  return (sorted[sorted.length >> 1] * 1e6) / CHUNK;
}

/** `measureLineTrip`'s result as words, e.g. "a cache line's round trip takes 138 ns". */
export function describeLineTrip(ns) {
  return `a cache line's round trip between two threads takes ${Math.round(ns)} ns`;
}
