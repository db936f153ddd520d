// The floor of the async-getters row: the same ping-pong on bare `Atomics.waitAsync`, no Baton.
// Its getters sleep on one word of shared memory and take an item off a count when woken; each
// put adds an item, moves the word and notifies one sleeper, then waits until the item is taken,
// as the bench's SharedQueue loop does. What grows from 1 to 1,000 sleepers here (V8's waiter
// list, a thousand small suspended async calls in the heap) grows for any queue built on the
// same primitive, so the row's ratio is held against this one, measured in the same bench run,
// after the queue's rounds (run between them, its rounds disturbed the queue's next run). It
// stayed flat on the development machine (0.97-1.13x): the queue's growth is the queue's own.
//
// A referenced interval timer runs while the getters sleep, as Baton's keep-alive timer does
// (see `keepAlive` in src/shared/wait.ts): with a referenced handle Node's event loop waits in
// epoll and is woken through libuv for each settled wait, which doubled the cost per put of this
// loop (2.1-2.5 µs without a timer, 3.9-5.2 µs with one, on the 2-core development machine).
// Any program with a socket or a timer open runs that way.
import { EXIT_SLICE_MS } from '../dist/shared/exits.js';
import { median } from './report.mjs';

/**
 * `count` getters of the bare loop, asleep on word 0 of their own buffer; woken, each takes an
 * item off the count in word 1 and calls `onTaken()`. `put()` adds an item and wakes one of
 * them; `stop()` ends them all.
 */
function bareGetters(count, onTaken) {
  // Word 0: the sequence word the getters sleep on; word 1: items put and not yet taken.
  const cells = new Int32Array(new SharedArrayBuffer(8));
  let stopped = false;
  const take = () => {
    for (;;) {
      const items = Atomics.load(cells, 1);
      if (items === 0) return false;
      if (Atomics.compareExchange(cells, 1, items, items - 1) === items) return true;
    }
  };
  const loops = [];
  for (let i = 0; i < count; i++) {
    loops.push(
      (async () => {
        for (;;) {
          // The word first: a put after this read moves it, so the wait cannot miss the item.
          const seq = Atomics.load(cells, 0);
          if (stopped) return;
          if (take()) {
            onTaken();
            continue;
          }
          const wait = Atomics.waitAsync(cells, 0, seq);
          if (wait.async) await wait.value;
        }
      })(),
    );
  }
  return {
    put() {
      Atomics.add(cells, 1, 1);
      Atomics.add(cells, 0, 1);
      Atomics.notify(cells, 0, 1);
    },
    async stop() {
      stopped = true;
      Atomics.add(cells, 0, 1);
      Atomics.notify(cells, 0);
      await Promise.all(loops);
    },
  };
}

/**
 * Lets every async getter started just before fall asleep (three turns of the event loop, each
 * one a pending `Atomics.waitAsync` by then), then collects garbage where `gc()` is exposed.
 */
export async function fallAsleep() {
  for (let turn = 0; turn < 3; turn++) await new Promise((r) => setTimeout(r, 10));
  globalThis.gc?.();
}

/**
 * CPU microseconds per put with `getters` bare async waiters asleep, over `puts` puts, after
 * the getters have fallen asleep and a `gc()` (as the bench's SharedQueue runs).
 */
export async function bareWaitAsyncPerPut(getters, puts) {
  let takenOne = () => {};
  const timer = setInterval(() => {}, EXIT_SLICE_MS);
  const bare = bareGetters(getters, () => takenOne());
  try {
    await fallAsleep();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < puts; i++) {
      const taken = new Promise((resolve) => (takenOne = resolve));
      bare.put();
      await taken;
    }
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / puts;
  } finally {
    await bare.stop();
    clearInterval(timer);
  }
}

/**
 * {@link bareWaitAsyncPerPut} with 1 and 1,000 getters in turns, `rounds` times after an untimed
 * round of a quarter of the puts (as the bench's queue rounds): the median CPU microseconds per
 * put of each, `{ one, thousand }`.
 */
export async function bareWaitAsyncFloor(rounds, puts) {
  const runs = { 1: [], 1000: [] };
  for (let round = 0; round <= rounds; round++) {
    for (const getters of round % 2 === 0 ? [1, 1000] : [1000, 1]) {
      const cost = await bareWaitAsyncPerPut(getters, round === 0 ? puts / 4 : puts);
      if (round > 0) runs[getters].push(cost);
    }
  }
  return { one: median(runs[1]), thousand: median(runs[1000]) };
}

/**
 * Heap bytes each of `count` sleepers keeps alive: `start(count)` puts them to sleep and returns
 * a function that ends them. Measured with `gc()` before and after (the bench runs with
 * `--expose-gc`); `undefined` without it. What a sleeping call keeps (its frames, promises,
 * closures and records) is what a thousand sleepers carry through young-generation collections
 * and touch again, cold, when their turn comes (see PERFORMANCE.md, "Async getters").
 */
export async function retainedPerSleeper(count, start) {
  if (globalThis.gc === undefined) return undefined;
  await fallAsleep();
  const before = process.memoryUsage().heapUsed;
  const stop = await start(count);
  await fallAsleep();
  const after = process.memoryUsage().heapUsed;
  await stop();
  return (after - before) / count;
}

/** {@link retainedPerSleeper}'s `start` for getters of the bare loop above. */
export function bareSleepers(count) {
  const bare = bareGetters(count, () => {});
  return () => bare.stop();
}
