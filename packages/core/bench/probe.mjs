// The threads of the machine probes (stalls.mjs, wake-latency.mjs, line-trip.mjs): each probe
// is a few lines of source text run in fresh worker threads at once, each posting one result.
import { Worker } from 'node:worker_threads';

/**
 * Runs one thread of the probe `source` (CommonJS source text) per entry of `data`, all at once,
 * each with its entry as `workerData`, and returns the message each posts, in order. A thread
 * that throws, or exits before it posts, fails the probe; every thread is ended either way, so
 * that one asleep waiting for a partner that is gone does not keep the process alive.
 */
export async function runProbe(source, data) {
  const threads = data.map((workerData) => new Worker(source, { eval: true, workerData }));
  try {
    return await Promise.all(
      threads.map(
        (thread) =>
          new Promise((resolve, reject) => {
            thread.once('message', resolve);
            thread.once('error', reject);
            thread.once('exit', (code) =>
              reject(new Error(`a probe thread exited (code ${code}) before it reported`)),
            );
          }),
      ),
    );
  } finally {
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
}
