// How long this machine takes to wake a sleeping thread, measured beside the figures it sets.
//
// Every sleep of a blocking call costs its pair at least a wake-up: the `Atomics.notify` that
// ends it, the kernel's wake of the sleeper, and, if the sleeper's core had gone idle, that
// core's way back. On the development machine (a micro-VM whose guest kernel halts an idle
// virtual CPU at once, `haltpoll.guest_halt_poll_ns=0`) that is about 20 µs; with the guest
// polling before it halts (200 µs of it), under 3 µs. It is the least a sleep costs there: in
// a streaming pair the woken side ran again later than that (see PERFORMANCE.md, "What a
// wake-up costs on this machine"). The bench's wake-up counts say how many sleeps a run had.
// Two threads hand a turn back and forth, each sleeping until it is its turn; a round trip is
// two wake-ups.
import { runProbe } from './probe.mjs';

/** A wait this long means the partner is gone: the probe fails rather than hang. */
const PATIENCE_MS = 2000;

// The probe's threads (kept as source text, as stalls.mjs's are). Side 0 times each round
// trip: it gives the turn away, notifies, and sleeps until the turn comes back.
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { turn, side, trips } = workerData;
const times = side === 0 ? new Float64Array(trips) : undefined;
function waitWhile(value) {
  while (Atomics.load(turn, 0) === value) {
    if (Atomics.wait(turn, 0, value, ${PATIENCE_MS}) === 'timed-out') {
      throw new Error('wake-up probe: the other thread did not hand the turn back');
    }
  }
}
for (let i = 0; i < trips; i++) {
  if (side === 0) {
    const start = performance.now();
    Atomics.store(turn, 0, 1);
    Atomics.notify(turn, 0);
    waitWhile(1);
    times[i] = performance.now() - start;
  } else {
    waitWhile(0);
    Atomics.store(turn, 0, 0);
    Atomics.notify(turn, 0);
  }
}
parentPort.postMessage(times ?? null);
`;

/** One pair of fresh threads: `warm` untimed round trips, then `trips` timed ones (ms each). */
async function roundTrips(trips, warm) {
  const turn = new Int32Array(new SharedArrayBuffer(4));
  const results = await runProbe(
    PROBE,
    [0, 1].map((side) => ({ turn, side, trips: warm + trips })),
  );
  return Array.from(results[0].subarray(warm));
}

/** The wake-up at `share` (0..1) of sorted round trips, in µs: half the round trip. */
function wakeAt(sorted, share) {
  return (sorted[Math.floor(share * (sorted.length - 1))] * 1000) / 2;
}

/**
 * Runs `pairs` pairs of fresh threads, one after the other, each making `warm` untimed and then
 * `trips` timed round trips, and returns the median and 90th percentile of one wake-up over all
 * of them, and each pair's median (`pairs`), in microseconds (half a round trip). Several
 * pairs, since where the scheduler puts a pair decides its figure: on the development machine
 * two threads on one virtual CPU hand the turn over in about 3.5 µs (a switch on that CPU), on
 * two in about 20 µs (the sleeper's CPU had halted), and a pair mostly stays where it started
 * for its few hundred trips.
 */
export async function measureWakeLatency(pairs = 3, trips = 700, warm = 100) {
  const all = [];
  const medians = [];
  for (let pair = 0; pair < pairs; pair++) {
    const times = (await roundTrips(trips, warm)).sort((a, b) => a - b);
    medians.push(wakeAt(times, 0.5));
    all.push(...times);
  }
  all.sort((a, b) => a - b);
  return { median: wakeAt(all, 0.5), p90: wakeAt(all, 0.9), pairs: medians };
}

/**
 * `measureWakeLatency`'s result as words, e.g.
 * "a wake-up takes 21.2 µs (pairs 20.5 / 21.2 / 3.6 µs; 90th percentile 27.0 µs)".
 */
export function describeWakeLatency({ median, p90, pairs }) {
  const each = pairs.map((value) => value.toFixed(1)).join(' / ');
  const spread = `pairs ${each} µs; 90th percentile ${p90.toFixed(1)} µs`;
  return `a wake-up takes ${median.toFixed(1)} µs (${spread})`;
}
