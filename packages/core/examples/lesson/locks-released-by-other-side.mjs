// Lesson steps 3 and 4: each side releases the other's lock.
//
// The producer takes `producer_lock`, writes, and releases `consumer_lock`; the consumer takes
// `consumer_lock`, reads, and releases `producer_lock`. So each write lets one read happen and
// each read lets one write happen: a strict hand-off, every message consumed once, in order.
// This needs a lock that a task other than its holder may release, as Python's `Lock` and
// Baton's `Lock` allow.
//
// Step 3 starts with both locks free, and gets out of step: the consumer may read before anything
// was written, and a side can release a lock nobody holds (Baton says so with `LockError`, as
// Python raises "release unlocked lock"). Step 4 starts with `consumer_lock` held, so the consumer
// waits for the first write: it works. The teacher calls it the hard way; step 5 uses a queue.
//
// Run it: `pnpm --filter @baton/core build && node packages/core/examples/lesson/locks-released-by-other-side.mjs`
import { Lock, LockError, TimeoutError } from '../../dist/index.js';
import { FINISH, isMain, randomMessages } from './messages.mjs';

class Pipeline {
  message = 0;
  producerLock = new Lock({ name: 'producer_lock' });
  consumerLock = new Lock({ name: 'consumer_lock' });

  constructor(consumerLockHeld) {
    // Step 4: the consumer must wait until the producer's first write releases this.
    if (consumerLockHeld) this.consumerLock.tryAcquire();
  }

  async getMessage(timeout) {
    await this.consumerLock.acquire({ timeout });
    const message = this.message;
    this.producerLock.release();
    return message;
  }

  async setMessage(message, timeout) {
    await this.producerLock.acquire({ timeout });
    this.message = message;
    this.consumerLock.release();
  }
}

/**
 * Runs the pipeline where each side releases the other's lock.
 *
 * @param {{ messages?: number[], timeout?: number, consumerLockHeld?: boolean }} [options] -
 *   `consumerLockHeld` (default true) is step 4; `false` is step 3. `timeout` bounds every
 *   acquire, so a run that gets stuck reports it instead of hanging (default 1000 ms).
 * @returns {Promise<{ produced: number[], consumed: unknown[], errors: string[] }>} `errors`
 *   says what went wrong, e.g. a `LockError` or a side stuck on a lock.
 */
export async function runLocksReleasedByOtherSide({
  messages = randomMessages(),
  timeout = 1000,
  consumerLockHeld = true,
} = {}) {
  const pipeline = new Pipeline(consumerLockHeld);
  const produced = [];
  const consumed = [];
  const errors = [];
  const report = (side) => (error) => {
    if (!(error instanceof LockError || error instanceof TimeoutError)) throw error;
    errors.push(`${side}: ${error.name}: ${error.message}`);
  };

  const consumer = (async () => {
    for (;;) {
      const message = await pipeline.getMessage(timeout);
      if (message === FINISH) return;
      consumed.push(message);
    }
  })().catch(report('consumer'));

  const producer = (async () => {
    for (const message of [...messages, FINISH]) {
      await pipeline.setMessage(message, timeout);
      if (message !== FINISH) produced.push(message);
    }
  })().catch(report('producer'));

  await Promise.all([producer, consumer]);
  return { produced, consumed, errors };
}

if (isMain(import.meta.url)) {
  for (const consumerLockHeld of [false, true]) {
    const result = await runLocksReleasedByOtherSide({ consumerLockHeld, timeout: 200 });
    console.log(consumerLockHeld ? 'step 4 (consumer_lock held at start):' : 'step 3 (both free):');
    console.log(`  produced ${JSON.stringify(result.produced)}`);
    console.log(`  consumed ${JSON.stringify(result.consumed)}`);
    for (const error of result.errors) console.log(`  ${error}`);
  }
}
