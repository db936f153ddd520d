// Wake-ups lost with a dying worker. A SharedQueue wakes one sleeper per item or freed slot
// (queue/sleep.ts), a SharedSemaphore as many as permits released; if a sleeper it wakes is
// killed before it acts, that wake-up dies with it, and a live sleeper would sleep on while the
// item (the slot, the permit) sits there: a call that never returns, with nothing wrong in the
// primitive's state. The victim here is an async sleeper whose
// thread is frozen, so the notify is certainly delivered to it and certainly never acted on;
// then it is terminated. Each survivor must still finish, whether it sleeps blocking or async,
// in a worker or in the thread that reports the exit.
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { findDeadlock, SharedQueue, sharedRegistry, SharedSemaphore } from '../../src/index.js';
import { eventually, guarded, messageWith, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

type Role =
  'put' | 'get' | 'putSync' | 'getSync' | 'select' | 'selectSync' | 'acquire' | 'acquireSync';

/** Starts a sleeper on `on` and resolves once the registry shows it asleep. */
async function asleep(
  on: SharedQueue<number> | SharedSemaphore,
  role: Role,
  name: string,
): Promise<{ worker: Worker; agent: number; done: Promise<Record<string, unknown> | 'exited'> }> {
  const primitive = on instanceof SharedQueue ? { queue: on.handle } : { semaphore: on.handle };
  const worker = startWorker('woken-sleeper', { ...primitive, role, name, value: 7 });
  const done = messageWith(worker, 'done');
  const started = await messageWith(worker, 'started');
  if (started === 'exited') throw new Error(`${name} exited before it started`);
  const agent = started.agent as number;
  const op = role.startsWith('put')
    ? 'put'
    : role.startsWith('get') || role.startsWith('select')
      ? 'get'
      : 'acquire';
  await waitingIn(agent, op);
  return { worker, agent, done };
}

/** Resolves once the registry shows agent `agent` waiting in `op`. */
function waitingIn(agent: number, op: 'put' | 'get' | 'acquire'): Promise<true> {
  return eventually(() =>
    sharedRegistry()
      .snapshot()
      .agents.some((a) => a.id === agent && a.waitingOn?.op === op)
      ? true
      : undefined,
  );
}

/** Freezes the victim's thread, has `wake` send it the one wake-up, then kills it. */
async function wakeAndKill(
  victim: { worker: Worker; agent: number },
  wake: () => void,
): Promise<void> {
  const frozen = messageWith(victim.worker, 'frozen');
  victim.worker.postMessage('freeze');
  await frozen;
  wake();
  await victim.worker.terminate();
  await eventually(() => (sharedRegistry().hasExited(victim.agent) ? true : undefined));
}

describe('SharedQueue: a sleeper woken and killed before it acts', () => {
  for (const survivor of ['putSync', 'put'] as const) {
    it(`does not strand a ${survivor} sleeping behind it for a freed slot`, async () => {
      const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name: 'lost-slot' });
      queue.putSync(1); // full
      // The victim sleeps first, so the one wake-up of the freed slot goes to it (FIFO).
      const victim = await asleep(queue, 'put', 'victim');
      const live = await asleep(queue, survivor, 'survivor');
      await wakeAndKill(victim, () => expect(queue.tryGet()).toEqual({ ok: true, value: 1 }));
      expect(await guarded(live.done, `survivor ${survivor}`)).toMatchObject({ done: true });
      expect(queue.tryGet()).toEqual({ ok: true, value: 7 });
      expect(queue.size).toBe(0);
    });
  }

  for (const survivor of ['getSync', 'get', 'selectSync', 'select'] as const) {
    it(`does not strand a ${survivor} sleeping behind it for a new item`, async () => {
      const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name: 'lost-item' });
      const victim = await asleep(queue, 'get', 'victim');
      const live = await asleep(queue, survivor, 'survivor');
      await wakeAndKill(victim, () => expect(queue.tryPut(5)).toBe(true));
      expect(await guarded(live.done, `survivor ${survivor}`)).toMatchObject({
        done: true,
        result: 5,
      });
      expect(queue.size).toBe(0);
    });
  }

  it('does not strand a get of the thread that reports the exit', async () => {
    const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name: 'lost-local' });
    const victim = await asleep(queue, 'get', 'victim');
    const mine = queue.get(); // sleeps after the victim
    await waitingIn(sharedRegistry().agentId, 'get');
    await wakeAndKill(victim, () => expect(queue.tryPut(9)).toBe(true));
    expect(await guarded(mine, 'get of the main thread')).toBe(9);
  });
});

describe('SharedSemaphore: a waiter woken and killed before it acts', () => {
  for (const survivor of ['acquireSync', 'acquire'] as const) {
    it(`does not strand an ${survivor} waiting behind it for a released permit`, async () => {
      const semaphore = new SharedSemaphore(0, { name: 'lost-permit' });
      const victim = await asleep(semaphore, 'acquire', 'victim');
      const live = await asleep(semaphore, survivor, 'survivor');
      await wakeAndKill(victim, () => semaphore.release());
      expect(await guarded(live.done, `survivor ${survivor}`)).toMatchObject({ done: true });
      expect(semaphore.value).toBe(0);
    });
  }
});

describe('a blocking wait that sleeps in slices', () => {
  for (const role of ['getSync', 'selectSync', 'acquireSync'] as const) {
    it(`is shown waiting since its ${role} began, not since its last slice`, async () => {
      const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name: 'slices' });
      const semaphore = new SharedSemaphore(0, { name: 'slices' });
      const sleeper = await asleep(role === 'acquireSync' ? semaphore : queue, role, 'sleeper');
      const since = (): number | undefined =>
        sharedRegistry()
          .snapshot()
          .agents.find((a) => a.id === sleeper.agent)?.waitingOn?.since;
      const first = since()!;
      // Several slices (100 ms each) later: still the same record. A wait for a condition, not a
      // speed check; the guard only stops a broken run.
      await eventually(() => (Date.now() > first + 450 ? true : undefined));
      expect(since()).toBe(first);
      // Agents of the tests before may still be on their way out: wait until only it is left.
      const deadlock = await eventually(() => {
        const found = findDeadlock();
        return found?.kind === 'all-blocked' ? found : undefined;
      });
      expect(deadlock.message).toMatch(/^every agent is blocked: sleeper waits for .* since \d/);
      if (role === 'acquireSync') semaphore.release();
      else expect(queue.tryPut(3)).toBe(true);
      expect(await guarded(sleeper.done, role)).toMatchObject({ done: true });
    });
  }
});
