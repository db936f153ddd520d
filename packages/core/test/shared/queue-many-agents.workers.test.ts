// A process that has started more workers than the default registry's 256 rows: the README says
// to create the registry with more `maxAgents`, and a queue created in such a registry must then
// track the agents past 256 too. Its claim table used to keep 256 rows whatever the registry's
// size, so a consumer numbered past 256 that died holding an item left its slot unfreed for good
// (and made the queue "untracked", turning its single-position repairs off for everyone).
//
// Starting 300 workers would take long on a small machine; the registry hands out ids from one
// counter in its header, so the test moves that counter on as 300 earlier agents would have.
import { afterEach, describe, expect, it } from 'vitest';
import { SharedQueue, SharedRegistry, sharedRegistry, useRegistry } from '../../src/index.js';
import { readLayout } from '../../src/shared/queue/layout.js';
import {
  eventually,
  guarded,
  nextMessage,
  skipAgentIds,
  startWorker,
  terminateAll,
} from './workers.js';

afterEach(terminateAll);

/** A registry of `maxAgents` rows, used from now on, whose next agent gets id `next`. */
function registryWhoseNextAgentIs(maxAgents: number, next: number): SharedRegistry {
  const registry = SharedRegistry.create({ maxAgents });
  useRegistry(registry);
  skipAgentIds(registry, next);
  return registry;
}

describe('SharedQueue in a registry of more than 256 agents', () => {
  it('keeps a claim row for every agent the registry can report exited', () => {
    registryWhoseNextAgentIs(1024, 2);
    for (const oneToOne of [false, true]) {
      const queue = new SharedQueue<number>({ capacity: 8, codec: 'int32', oneToOne });
      expect(readLayout(queue.handle.buffer).agents).toBe(1024);
    }
    // A smaller registry still gets 256 rows: agents past its own rows are seen at work.
    registryWhoseNextAgentIs(32, 2);
    const small = new SharedQueue<number>({ capacity: 8, codec: 'int32' });
    expect(readLayout(small.handle.buffer).agents).toBe(256);
  });

  it('frees the slot of consumer 301, killed holding an item, and reports the item lost', async () => {
    const registry = registryWhoseNextAgentIs(512, 301);
    const queue = new SharedQueue<number>({ capacity: 2, codec: 'int32', name: 'many-agents' });
    queue.putSync(1);
    queue.putSync(2);
    const victim = startWorker('queue-victim', {
      handle: queue.handle,
      role: 'consumer',
      name: 'consumer 301',
    });
    const claim = await nextMessage<{ claimed: number; agent: number }>(victim);
    expect(claim.agent).toBe(301);
    await victim.terminate();
    await eventually(() => (sharedRegistry().hasExited(claim.agent) ? true : undefined));
    // The survivor is agent 302: it needs the slot the dead consumer held to put 3.
    const survivor = startWorker('queue-survivor', {
      handle: queue.handle,
      steps: [
        ['tryPut', 3],
        ['getSync', { timeout: 5_000 }],
        ['getSync', { timeout: 5_000 }],
        ['tryGet'],
      ],
    });
    expect(await guarded(nextMessage<unknown[]>(survivor), 'survivor')).toEqual([
      true,
      2,
      3,
      'empty',
    ]);
    expect(queue.losses()).toEqual([
      { agent: expect.objectContaining({ id: 301, name: 'consumer 301' }), items: 1 },
    ]);
    expect(registry.snapshot().agents.find((a) => a.id === 301)).toMatchObject({
      state: 'exited',
      lost: 1,
    });
  });

  it('hands the producer role of agent 301, killed, to agent 302, and keeps the books of both', async () => {
    registryWhoseNextAgentIs(512, 301);
    const queue = new SharedQueue<number>({
      capacity: 64,
      codec: 'float64',
      name: 'relay past 256',
      oneToOne: true,
    });
    const first = startWorker('pair-agent', {
      handle: queue.handle,
      name: 'producer 301',
      action: 'put',
      count: 40,
      hold: true,
    });
    const firstReport = await nextMessage<{ agent: number; put: number }>(first);
    expect(firstReport).toMatchObject({ agent: 301, put: 40 });
    await first.terminate();
    await eventually(() => (sharedRegistry().hasExited(301) ? true : undefined));
    const second = startWorker('pair-agent', {
      handle: queue.handle,
      name: 'producer 302',
      action: 'put',
      count: 20,
      base: 1000,
    });
    const secondReport = await nextMessage<{ agent: number; put: number }>(second);
    expect(secondReport).toMatchObject({ agent: 302, put: 20 });
    expect(await queue.getMany(100)).toEqual([
      ...Array.from({ length: 40 }, (_, i) => i),
      ...Array.from({ length: 20 }, (_, i) => 1000 + i),
    ]);
    const figures = new Map(queue.figures().map((f) => [f.id, f]));
    expect(figures.get(301)?.claimedPuts).toBe(40);
    expect(figures.get(302)?.claimedPuts).toBe(20);
  });
});
