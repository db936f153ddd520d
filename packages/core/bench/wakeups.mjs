// How often the two sides of a queue scenario slept in its timed run. A SharedQueue moves one
// sequence word each time a put wakes sleeping consumers (`NOT_EMPTY`) and each time a get
// wakes sleeping producers (`NOT_FULL`), and only then (see src/shared/queue/sleep.ts): the
// moves of the two words between the start word and the consumer's last item count the
// wake-ups of the timed run, read from the thread that runs the bench (Node's main thread, the
// browser page), with no change to the queue's code. A loop that spins, such as ringbuf.js's or
// the `try` scenarios', never sleeps; a blocking call sleeps once its spin runs out, and each
// sleep costs both sides a wake-up (tens of microseconds here; see "Performance" in the README).
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
