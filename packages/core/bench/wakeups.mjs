// How often the two sides of a queue scenario were woken in its timed run. A put that finds
// consumers announced as sleepers (counted in, about to sleep or asleep) moves the queue's
// `NOT_EMPTY` sequence word and notifies them, and a get that finds producers announced moves
// `NOT_FULL` (see `wake` in src/shared/queue/sleep.ts); in a bench run, which never closes,
// cancels or selects and loses no agent, nothing else moves them. So the moves of the two words
// between the start word and the end of the run count its wake-ups, read from the thread that
// runs the bench (Node's main thread, the browser page), with no change to the queue's code.
// With one producer and one consumer a move wakes one sleeper at most: the count is about the
// sides' sleeps, and above it when a side is caught between its announce and its sleep (every
// put or get in that window moves the word; the side then does not sleep). A sleep that ends by
// timing out moves nothing. A loop that spins, such as the `try` scenarios', never sleeps; a
// blocking call sleeps once its spin runs out, and each sleep costs the pair a wake-up (65-125
// µs median here; see "Performance" in the README).
import { NOT_EMPTY, NOT_FULL } from '../dist/shared/queue/layout.js';

/**
 * Starts counting the wake-ups of the queue behind `handle`; the returned function gives
 * `{ consumers, producers }`: how many times a put woke sleeping consumers, and a get sleeping
 * producers, since the call.
 */
export function countWakeUps(handle) {
  const words = new Int32Array(handle.buffer);
  const consumers = Atomics.load(words, NOT_EMPTY);
  const producers = Atomics.load(words, NOT_FULL);
  return () => ({
    // The words wrap at 32 bits like every sequence word.
    consumers: (Atomics.load(words, NOT_EMPTY) - consumers) | 0,
    producers: (Atomics.load(words, NOT_FULL) - producers) | 0,
  });
}

/**
 * `consumers/producers` per round, with the round's rate (items per second) beside it when
 * `rates` is given: e.g. `3/12 (212 M/s), 140/151 (131 M/s)`.
 */
export function wakeUpsText(wakeUps, rates) {
  return wakeUps
    .map((w, i) => {
      const rate =
        rates === undefined ? '' : ` (${(rates[i] / 1e6).toFixed(rates[i] < 1e7 ? 1 : 0)} M/s)`;
      return `${w.consumers}/${w.producers}${rate}`;
    })
    .join(', ');
}

/**
 * The total wake-ups (both sides) of each run, as `wake-ups per run min-max, median m`: for a
 * row of the summary table.
 */
export function wakeUpsSpread(wakeUps) {
  const totals = wakeUps.map((w) => w.consumers + w.producers).sort((a, b) => a - b);
  return `wake-ups per run ${totals[0]}-${totals[totals.length - 1]}, median ${totals[totals.length >> 1]}`;
}
