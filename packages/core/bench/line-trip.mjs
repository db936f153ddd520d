// How long this machine takes to move a cache line from one core to another and back, measured
// beside the figures it sets.
//
// Every item or batch that passes between two workers moves cache lines between their cores:
// the values, and the words each side writes and the other reads. On the development machine
// (a virtual machine on an AMD EPYC host) it read 67-121 ns in a run in which ringbuf.js's
// batches ran 678 M items/s median between two workers, and 335-364 ns in a spell in which they
// ran 256-292 M, Baton's batch rows falling with them (see PERFORMANCE.md, "A slower mode of
// the machine"); the stall probe did not see that spell. Two threads hand a turn back and forth
// through one shared word, each spinning until it is its turn (no sleep, no system call): a
// round trip moves that word's line to the other core and back.
import { runProbe } from './probe.mjs';
import { median } from './report.mjs';

/** A spin this long means the partner is gone: the probe fails rather than hang. */
const PATIENCE_MS = 2000;
/**
 * Side 0 stops timing after this long: two spinning threads that share one CPU hand the turn
 * over once per time slice (a few milliseconds), and would otherwise take minutes.
 */
const BUDGET_MS = 1000;

// The probe's threads (kept as source text, as stalls.mjs's are). `words[0]` says whose turn it
// is, `words[1]` becomes 1 once side 0 is done. Side 0 times each chunk of CHUNK round trips:
// it hands the turn over and spins until it comes back. The clock is read only between chunks
// and after 65,536 spins of one wait, so that it stays off the hand-over itself.
const CHUNK = 1000;
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { words, side, chunks } = workerData;
function spinWhile(value) {
  let give = 0;
  for (let i = 1; Atomics.load(words, 0) === value; i++) {
    if ((i & 0xffff) !== 0) continue;
    if (Atomics.load(words, 1) === 1) return false;
    const now = performance.now();
    if (give === 0) give = now + ${PATIENCE_MS};
    else if (now > give) throw new Error('cache-line probe: the other thread did not hand the turn back');
  }
  return true;
}
if (side === 0) {
  const times = [];
  const end = performance.now() + ${BUDGET_MS};
  while (times.length < chunks && performance.now() < end) {
    const start = performance.now();
    for (let i = 0; i < ${CHUNK}; i++) {
      Atomics.store(words, 0, 1);
      spinWhile(1);
    }
    times.push(performance.now() - start);
  }
  Atomics.store(words, 1, 1);
  parentPort.postMessage(times);
} else {
  while (spinWhile(0)) Atomics.store(words, 0, 0);
  parentPort.postMessage(null);
}
`;

/**
 * Runs one pair of fresh threads that make `warm` untimed and then `chunks` timed chunks of
 * 1,000 round trips each (within {@link BUDGET_MS}), and returns the median chunk's time over
 * 1,000, in nanoseconds: the median, so that a chunk in which the host stopped one thread does
 * not count. `Infinity` when no timed chunk fitted in the budget (the two threads shared a CPU,
 * or the host stopped them).
 */
export async function measureLineTrip(chunks = 60, warm = 10) {
  // A whole line of its own (a smaller buffer could share its line with other data).
  const words = new Int32Array(new SharedArrayBuffer(64));
  const [times] = await runProbe(
    PROBE,
    [0, 1].map((side) => ({ words, side, chunks: warm + chunks })),
  );
  const timed = times.slice(warm);
  if (timed.length === 0) return Infinity;
  return (median(timed) * 1e6) / CHUNK;
}

/** `measureLineTrip`'s result as words, e.g. "a cache line's round trip between two threads takes 121 ns". */
export function describeLineTrip(ns) {
  return Number.isFinite(ns)
    ? `a cache line's round trip between two threads takes ${Math.round(ns)} ns`
    : `a cache line's round trip between two threads: no chunk timed in ${BUDGET_MS / 1000} s (did they share a core?)`;
}
