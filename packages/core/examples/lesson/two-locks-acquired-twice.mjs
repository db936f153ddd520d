// Lesson step 2: two locks, each acquired twice, never released: a deadlock.
//
// The pipeline holds one message. The producer takes `producer_lock` before it writes, the
// consumer takes `consumer_lock` before it reads, and nobody ever releases either lock. The first
// write and the first read go through; the second `acquire` of each side waits for a release
// that never comes. In Python the program hangs until it is killed. Here every acquire carries a
// `timeout`, so the deadlock is *detected*: both sides give up with `TimeoutError` and the run
// reports who was stuck on which lock.
//
// Run it: `pnpm --filter @baton/core build && node packages/core/examples/lesson/two-locks-acquired-twice.mjs`
import { Lock, TimeoutError } from '../../dist/index.js';
import { FINISH, isMain, randomMessages } from './messages.mjs';

class Pipeline {
  message = 0;
  producerLock = new Lock({ name: 'producer_lock' });
  consumerLock = new Lock({ name: 'consumer_lock' });

  /** The consumer's read: takes `consumer_lock` and keeps it (the bug). */
  async getMessage(timeout) {
    await this.consumerLock.acquire({ timeout });
    return this.message;
  }

  /** The producer's write: takes `producer_lock` and keeps it (the bug). */
  async setMessage(message, timeout) {
    await this.producerLock.acquire({ timeout });
    this.message = message;
  }
}

/**
 * Runs the step-2 pipeline. Resolves (never hangs) once both sides finished or gave up.
 *
 * @param {{ messages?: number[], timeout?: number }} [options] - `timeout`: how long an
 *   acquire waits before the side reports itself stuck (default 100 ms).
 * @returns {Promise<{ deadlocked: boolean, produced: number[], consumed: unknown[],
 *   stuck: { side: string, lock: string }[] }>}
 */
export async function runTwoLocksAcquiredTwice({
  messages = randomMessages(),
  timeout = 100,
} = {}) {
  const pipeline = new Pipeline();
  const produced = [];
  const consumed = [];
  const stuck = [];
  const giveUp = (side, lock) => (error) => {
    if (!(error instanceof TimeoutError)) throw error;
    stuck.push({ side, lock: lock.name });
  };

  const producer = (async () => {
    for (const message of [...messages, FINISH]) {
      await pipeline.setMessage(message, timeout);
      if (message !== FINISH) produced.push(message);
    }
  })().catch(giveUp('producer', pipeline.producerLock));

  const consumer = (async () => {
    for (;;) {
      const message = await pipeline.getMessage(timeout);
      if (message === FINISH) return;
      consumed.push(message);
    }
  })().catch(giveUp('consumer', pipeline.consumerLock));

  await Promise.all([producer, consumer]);
  return { deadlocked: stuck.length > 0, produced, consumed, stuck };
}

if (isMain(import.meta.url)) {
  const result = await runTwoLocksAcquiredTwice();
  for (const { side, lock } of result.stuck) {
    console.log(`${side} waits for ${lock}, which it already holds itself: deadlock`);
  }
  console.log(`produced ${result.produced.length}, consumed ${result.consumed.length}`);
}
