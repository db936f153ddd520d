// A pipeline stage module for lab/pipeline.ts. It is plain JavaScript with no imports because
// Vite emits a module imported with `?url` (or named by `new URL('./x.js', import.meta.url)`) as
// an asset, copied as is: not compiled, its imports not resolved. The workers of a stage, or the
// page itself for the in-thread form, import it from that URL.

/**
 * Spins for a few hundred microseconds that depend on `x`, so the workers finish out of order.
 *
 * @param {number} x
 */
function spin(x) {
  const until = performance.now() + ((x * 7) % 5) * 0.3;
  while (performance.now() < until) {
    // busy: a worker stage is for CPU work
  }
}

/**
 * The middle stage: squares its input after a little work.
 *
 * @param {number} x
 * @returns {number}
 */
export default function square(x) {
  spin(x);
  return x * x;
}

/**
 * Fails on one item, to check that a worker's error names its stage.
 *
 * @param {number} x
 * @returns {number}
 */
export function failOn13(x) {
  if (x === 13) throw new RangeError(`item ${x} is unlucky`);
  return x;
}
