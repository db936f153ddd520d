// A worker terminated between claiming a SharedQueue slot and committing it (issue 10, item 1).
// The victim fixture claims through the queue's internal ring and then blocks for ever, so each
// test stops it exactly there, then checks that the survivors carry on: items put after the dead
// producer's slot are got, close() ends a get blocked behind it, puts and gets stay bounded
// (no spinning past a timeout), and a dead consumer's slot is freed and its item reported.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, SharedQueue, sharedRegistry, TimeoutError } from '../../src/index.js';
import { eventually, guarded, nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

/** Starts a victim that claims (as `role`) and is then terminated; resolves once it is dead. */
async function killAfterClaim(
  queue: SharedQueue<number>,
  role: 'producer' | 'consumer' | 'batch-consumer',
  name: string,
  count = 1,
): Promise<{ claimed: number; agent: number }> {
  const victim = startWorker('queue-victim', { handle: queue.handle, role, name, count });
  const claim = await nextMessage<{ claimed: number; agent: number }>(victim);
  await victim.terminate();
  await eventually(() => (sharedRegistry().hasExited(claim.agent) ? true : undefined));
  return claim;
}

/** Runs `steps` in a survivor worker and resolves with what each step did. */
function survive(queue: SharedQueue<number>, steps: unknown[][]): Promise<unknown[]> {
  const survivor: Worker = startWorker('queue-survivor', { handle: queue.handle, steps });
  return guarded(nextMessage<unknown[]>(survivor), `survivor ${JSON.stringify(steps)}`);
}

describe('SharedQueue: a producer terminated between claim and commit', () => {
  it('does not stop the items put after its slot from being got', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'dead-producer' });
    const { claimed } = await killAfterClaim(queue, 'producer', 'doomed producer');
    expect(claimed).toBe(0);
    expect(queue.tryPut(1)).toBe(true);
    expect(queue.tryPut(2)).toBe(true);
    expect(await survive(queue, [['getSync', { timeout: 5_000 }], ['tryGet'], ['tryGet']])).toEqual(
      [1, 2, 'empty'],
    );
  });

  it('lets close() end a get blocked behind its slot', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'dead-producer' });
    await killAfterClaim(queue, 'producer', 'doomed producer');
    const controller = new AbortController();
    const blocked = queue.get({ signal: controller.signal });
    const outcome = blocked.then(
      () => 'got',
      (error: unknown) => (error instanceof ClosedError ? 'closed' : String(error)),
    );
    queue.close();
    try {
      expect(await guarded(outcome, 'get after close()', 10_000)).toBe('closed');
    } finally {
      controller.abort(new Error('test over'));
    }
  });

  it('keeps tryPut bounded once the ring wraps onto its slot, and the queue usable', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'dead-producer' });
    await killAfterClaim(queue, 'producer', 'doomed producer');
    const results = await survive(queue, [
      ['tryPut', 1],
      ['tryPut', 2],
      ['tryPut', 3],
      ['tryPut', 4], // the ring is full: the dead producer's slot counts until a getter skips it
      ['putSync', 4, { timeout: 20 }],
      ['getSync', { timeout: 5_000 }],
      ['tryPut', 4],
      ['getManySync', 10, { timeout: 5_000 }],
      ['getSync', { timeout: 20 }],
    ]);
    expect(results).toEqual([
      true,
      true,
      true,
      false,
      'TimeoutError',
      1,
      true,
      [2, 3, 4],
      'TimeoutError',
    ]);
  });
});

describe('SharedQueue: a consumer terminated between claim and free', () => {
  it('has its slot freed for producers, and its item reported as taken with it', async () => {
    const queue = new SharedQueue<number>({ capacity: 2, codec: 'int32', name: 'dead-consumer' });
    queue.putSync(1);
    queue.putSync(2);
    await killAfterClaim(queue, 'consumer', 'doomed consumer');
    const results = await survive(queue, [
      ['tryPut', 3],
      ['getSync', { timeout: 5_000 }],
      ['getSync', { timeout: 5_000 }],
      ['tryGet'],
    ]);
    expect(results).toEqual([true, 2, 3, 'empty']);
    // The registry's snapshot says so too.
    const doomed = sharedRegistry()
      .snapshot()
      .agents.find((a) => a.name === 'doomed consumer');
    expect(doomed).toMatchObject({ state: 'exited', lost: 1 });
    expect(queue.losses()).toEqual([
      { agent: expect.objectContaining({ name: 'doomed consumer' }), items: 1 },
    ]);
  });

  it('keeps get({ timeout }), tryGet and getManySync bounded once getters reach its slot', async () => {
    const queue = new SharedQueue<number>({ capacity: 2, codec: 'int32', name: 'dead-consumer' });
    queue.putSync(1);
    queue.putSync(2);
    await killAfterClaim(queue, 'consumer', 'doomed consumer');
    const results = await survive(queue, [
      ['tryGet'],
      ['getSync', { timeout: 20 }],
      ['tryGet'],
      ['getManySync', 4, { timeout: 20 }],
    ]);
    expect(results).toEqual([2, 'TimeoutError', 'empty', 'TimeoutError']);
  });

  it('frees every slot of a batch it claimed, reporting the count', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'dead-batch' });
    queue.putManySync([1, 2, 3, 4]);
    const { claimed } = await killAfterClaim(queue, 'batch-consumer', 'doomed batch', 3);
    expect(claimed).toBe(3);
    const results = await survive(queue, [
      ['putSync', 5, { timeout: 5_000 }],
      ['putSync', 6, { timeout: 5_000 }],
      ['putSync', 7, { timeout: 5_000 }],
      ['getManySync', 10, { timeout: 5_000 }],
    ]);
    expect(results).toEqual(['put', 'put', 'put', [4, 5, 6, 7]]);
    expect(queue.losses()).toEqual([
      { agent: expect.objectContaining({ name: 'doomed batch' }), items: 3 },
    ]);
  });

  it('lets a put blocked on the full queue in once the slot is freed', async () => {
    const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name: 'dead-consumer' });
    queue.putSync(1);
    await killAfterClaim(queue, 'consumer', 'doomed consumer');
    // Not watched would leave the slot claimed; watched, it is freed: either way a put ends.
    const put = queue.put(2, { timeout: 5_000 }).then(
      () => 'put',
      (error: unknown) => (error instanceof TimeoutError ? 'timed out' : String(error)),
    );
    expect(await guarded(put, 'put')).toBe('put');
  });
});

describe('SharedQueue: a claimant that is not watched (never taken for dead)', () => {
  /** A victim whose exit the registry never hears of (no watchWorker). */
  async function unwatched(
    queue: SharedQueue<number>,
    role: 'producer' | 'consumer',
    name: string,
  ): Promise<Worker> {
    const victim = new Worker(new URL('./fixtures/queue-victim.mjs', import.meta.url), {
      workerData: { handle: queue.handle, role, name },
    });
    await nextMessage(victim);
    await victim.terminate();
    return victim;
  }

  it('close() still ends a get blocked behind its unpublished slot', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'unwatched' });
    await unwatched(queue, 'producer', 'silent producer');
    queue.tryPut(1);
    // Nobody can tell the producer is gone: a get waits behind its slot (and times out).
    expect(await survive(queue, [['getSync', { timeout: 20 }]])).toEqual(['TimeoutError']);
    const blocked = queue.get();
    queue.close();
    // close() revokes the unpublished slot: the blocked get drains past it, then the queue ends.
    expect(await guarded(blocked, 'get after close()')).toBe(1);
    await expect(queue.get()).rejects.toBeInstanceOf(ClosedError);
  });

  it('a put that times out on its slot says which agent holds it', async () => {
    const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name: 'unwatched' });
    queue.putSync(1);
    await unwatched(queue, 'consumer', 'silent consumer');
    const error = await queue.put(2, { timeout: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/still claimed by 'silent consumer'/);
    queue.close();
    await expect(queue.put(3)).rejects.toBeInstanceOf(ClosedError);
  });
});
