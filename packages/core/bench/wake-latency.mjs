// How long this machine takes to wake a sleeping thread, measured beside the figures it sets.
//
// Every sleep of a blocking call costs its pair a wake-up: the `Atomics.notify` that ends it,
// the kernel's wake of the sleeper, and, if the sleeper's core had gone idle, that core's way
// back. On the development machine (a micro-VM whose guest kernel halts an idle virtual CPU at
// once, `haltpoll.guest_halt_poll_ns=0`) that is about 20 µs; with the guest polling before it
// halts (200 µs of it), under 3 µs. The bench's wake-up counts say how many sleeps a run
// had; this probe says what each cost there, so that the figures of another machine can be
// read against this one's. Two threads hand a turn back and forth, each sleeping until it is
// its turn; a round trip is two wake-ups.
import { runProbe } from './stalls.mjs';

// The probe's threads (kept as source text, as stalls.mjs's are). Side 0 times each round
// trip: it gives the turn away, notifies, and sleeps until the turn comes back.
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { turn, side, trips } = workerData;
const times = side === 0 ? new Float64Array(trips) : undefined;
for (let i = 0; i < trips; i++) {
  if (side === 0) {
    const start = performance.now();
    Atomics.store(turn, 0, 1);
    Atomics.notify(turn, 0);
    while (Atomics.load(turn, 0) !== 0) Atomics.wait(turn, 0, 1);
    times[i] = performance.now() - start;
  } else {
    while (Atomics.load(turn, 0) !== 1) Atomics.wait(turn, 0, 0);
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

/**
 * Runs `pairs` pairs of fresh threads, one after the other, each making `warm` untimed and then
 * `trips` timed round trips, and returns the median and 90th percentile of one wake-up over all
 * of them, in microseconds (half a round trip). Several pairs, since where the scheduler puts a
 * pair decides its figure: on the development machine two threads on one virtual CPU hand the
 * turn over in about 3.5 µs (a switch on that CPU), on two about 20 µs (the sleeper's CPU had
 * halted), and a pair mostly stays where it started for its few hundred trips.
 */
export async function measureWakeLatency(pairs = 3, trips = 700, warm = 100) {
  const times = [];
  for (let pair = 0; pair < pairs; pair++) times.push(...(await roundTrips(trips, warm)));
  times.sort((a, b) => a - b);
  const at = (share) => (times[Math.floor(share * (times.length - 1))] * 1000) / 2;
  return { median: at(0.5), p90: at(0.9) };
}

/** `measureWakeLatency`'s result as words, e.g. "a wake-up takes 21.2 µs (90th percentile 27.0 µs)". */
export function describeWakeLatency({ median, p90 }) {
  return `a wake-up takes ${median.toFixed(1)} µs (90th percentile ${p90.toFixed(1)} µs)`;
}
