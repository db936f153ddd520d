// How much the machine itself stops busy threads, measured beside the figures it disturbs.
//
// A load average says how many threads wanted a core; it does not see a virtual machine's
// cores being taken away by its host, which on the development machine stops a busy thread for
// 0.05-10 ms at a time (its /proc/stat shows no steal time). Two threads that hand items to
// each other both stop when either does, so such stalls fall into every two-worker figure,
// Baton's and its peers' alike, and make ratios jump between rounds. The probe runs one busy
// thread per core for a short while, each reading the clock in a tight loop, and counts the
// time between two readings that are more than GAP_MS apart: time the thread did not run.
import { availableParallelism } from 'node:os';
import { runProbe } from './probe.mjs';

/** A pause longer than this between two clock readings of a busy loop counts as a stall. */
const GAP_MS = 0.05;

// The probe's thread: spins for `ms`, then reports what it lost (kept as source text so the
// probe needs no file of its own for its workers).
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const end = performance.now() + workerData.ms;
let last = performance.now();
let lost = 0;
let long = 0;
while (last < end) {
  const now = performance.now();
  const gap = now - last;
  if (gap > ${GAP_MS}) {
    lost += gap;
    if (gap > 1) long++;
  }
  last = now;
}
parentPort.postMessage({ lost, long });
`;

/**
 * Runs one busy thread per core for `ms` milliseconds (all at once) and returns the share of
 * its time the most stalled of them did not run (`lost`, 0..1), and how many stalls of those
 * threads lasted over 1 ms (`long`).
 */
export async function measureStalls(ms = 300) {
  const results = await runProbe(
    PROBE,
    Array.from({ length: availableParallelism() }, () => ({ ms })),
  );
  return {
    lost: Math.max(...results.map((r) => r.lost)) / ms,
    long: results.reduce((sum, r) => sum + r.long, 0),
  };
}

/** `measureStalls`' result as words, e.g. "busy threads stalled 3.1% (2 stalls over 1 ms)". */
export function describeStalls({ lost, long }) {
  return `busy threads stalled ${(lost * 100).toFixed(1)}% (${long} stall${long === 1 ? '' : 's'} over 1 ms)`;
}
