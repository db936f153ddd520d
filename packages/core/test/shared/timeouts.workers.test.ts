// Whether each agent's wait has a timeout, as recorded in the shared registry by every blocking
// and async wait of every shared primitive, and what findDeadlock() makes of it. Real workers.
import { afterEach, describe, expect, it } from 'vitest';
import {
  SharedBarrier,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedRLock,
  SharedSemaphore,
  findDeadlock,
  snapshot,
  type AgentSnapshot,
  type WaitOp,
} from '../../src/index.js';
import { eventually, nextMessage, startWorker, terminateAll } from './workers.js';

afterEach(terminateAll);

/** The agent called `name` once the registry shows it waiting on `primitive`. */
function waitingAgent(name: string, primitive: string): Promise<AgentSnapshot> {
  return eventually(() =>
    snapshot().agents.find(
      (a) => a.name === name && a.state === 'waiting' && a.waitingOn?.primitive.name === primitive,
    ),
  );
}

/** A primitive nobody will make ready, and the handle a worker rebuilds it from. */
interface Case {
  what: string;
  op: WaitOp;
  make(name: string): { handle: unknown };
}

const cases: Case[] = [
  { what: 'lock', op: 'acquire', make: (name) => held(new SharedLock({ name })) },
  { what: 'rlock', op: 'acquire', make: (name) => held(new SharedRLock({ name })) },
  { what: 'semaphore', op: 'acquire', make: (name) => new SharedSemaphore(0, { name }) },
  { what: 'event', op: 'wait', make: (name) => new SharedEvent({ name }) },
  { what: 'condition', op: 'wait', make: (name) => new SharedCondition(undefined, { name }) },
  { what: 'barrier', op: 'wait', make: (name) => new SharedBarrier(2, { name }) },
  {
    what: 'get',
    op: 'get',
    make: (name) => new SharedQueue<number>({ capacity: 1, codec: 'int32', name }),
  },
  {
    what: 'put',
    op: 'put',
    make: (name) => {
      const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name });
      queue.putSync(0);
      return queue;
    },
  },
];

function held<L extends { acquireSync(): unknown }>(lock: L): L {
  lock.acquireSync();
  return lock;
}

describe('the timeout of each wait in the registry', () => {
  for (const { what, op, make } of cases) {
    for (const style of ['sync', 'async'] as const) {
      it(`records ${what} (${style}) with its timeout and deadline, and without`, async () => {
        const timed = make(`${what} ${style} timed`);
        const untimed = make(`${what} ${style} untimed`);
        const timedWorker = startWorker('timed-wait', {
          name: 'timed',
          what,
          style,
          timeout: 600_000,
          handle: timed.handle,
        });
        startWorker('timed-wait', { name: 'untimed', what, style, handle: untimed.handle });
        expect(await nextMessage(timedWorker)).toBe('waiting');

        const a = await waitingAgent('timed', `${what} ${style} timed`);
        expect(a.waitingOn?.op).toBe(op);
        expect(a.waitingOn?.timeout).toBe(600_000);
        const deadline = a.waitingOn?.deadline;
        expect(deadline).toBeDefined();
        // Date.now() based: after the wait began, at most the timeout after it.
        expect(deadline!).toBeGreaterThan(a.waitingOn!.since);
        expect(deadline!).toBeLessThanOrEqual(a.waitingOn!.since + 600_000);
        expect(a.wakesAt).toBe(deadline);

        const b = await waitingAgent('untimed', `${what} ${style} untimed`);
        expect(b.waitingOn?.op).toBe(op);
        expect(b.waitingOn?.timeout).toBeUndefined();
        expect(b.waitingOn?.deadline).toBeUndefined();
        expect(b.wakesAt).toBeUndefined();
      });
    }
  }

  it('puts the timeout on the wait-for edge of a lock wait', async () => {
    const lock = held(new SharedLock({ name: 'edge lock' }));
    startWorker('timed-wait', {
      name: 'edge waiter',
      what: 'lock',
      style: 'sync',
      timeout: 600_000,
      handle: lock.handle,
    });
    const agent = await waitingAgent('edge waiter', 'edge lock');
    const edge = snapshot().edges.find((e) => e.from === agent.id);
    expect(edge?.lock).toBe(agent.waitingOn?.primitive.id);
    expect(edge?.timeout).toBe(600_000);
  });

  it("shows the earliest deadline of an agent's several async waits in wakesAt", async () => {
    const queue = new SharedQueue<number>({ capacity: 1, codec: 'int32', name: 'slow jobs' });
    const event = new SharedEvent({ name: 'never set' });
    startWorker('timed-wait', {
      name: 'two waits',
      what: 'get-then-event',
      style: 'async',
      timeout: 600_000,
      handle: { queue: queue.handle, event: event.handle },
    });
    // The most recent wait (the event, untimed) is shown, but the agent will wake by itself.
    const agent = await waitingAgent('two waits', 'never set');
    expect(agent.waitingOn?.timeout).toBeUndefined();
    expect(agent.wakesAt).toBeDefined();
    expect(agent.wakesAt!).toBeGreaterThan(agent.waitingOn!.since - 1);
    expect(findDeadlock()).toBeUndefined();
  });

  it("never pairs one wait's primitive with another wait's timeout", async () => {
    const a = new SharedSemaphore(0, { name: 'alternate a' });
    const b = new SharedSemaphore(0, { name: 'alternate b' });
    const worker = startWorker('timed-wait', {
      name: 'alternating',
      what: 'alternate',
      style: 'sync',
      handle: { a: a.handle, b: b.handle },
    });
    expect(await nextMessage(worker)).toBe('waiting');
    const seen = { 'alternate a': 0, 'alternate b': 0 };
    const expected = { 'alternate a': 1, 'alternate b': 2 };
    await eventually(() => {
      // Many reads per tick: the worker rewrites its record every millisecond or two.
      for (let i = 0; i < 2_000; i++) {
        const agent = snapshot().agents.find((x) => x.name === 'alternating');
        const wait = agent?.waitingOn;
        if (wait === undefined) continue;
        const name = wait.primitive.name as keyof typeof seen;
        expect(wait.timeout).toBe(expected[name]);
        // Equal when the deadline passed between the wait's last check and its record (the
        // record keeps what remains, at least 0): seen once on a loaded machine (ci53).
        expect(wait.deadline).toBeGreaterThanOrEqual(wait.since);
        expect(wait.deadline).toBeLessThanOrEqual(wait.since + expected[name]);
        seen[name]++;
      }
      return seen['alternate a'] >= 20 && seen['alternate b'] >= 20 ? true : undefined;
    });
  });
});

describe('findDeadlock() and timeouts', () => {
  it('does not report every agent blocked while one of them has a timeout', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'half starved' });
    startWorker('timed-wait', {
      name: 'patient',
      what: 'get',
      style: 'sync',
      handle: queue.handle,
    });
    startWorker('timed-wait', {
      name: 'impatient',
      what: 'get',
      style: 'async',
      timeout: 600_000,
      handle: queue.handle,
    });
    await waitingAgent('patient', 'half starved');
    await waitingAgent('impatient', 'half starved');
    expect(findDeadlock()).toBeUndefined();
  });

  it('reports every agent blocked once the timed wait has timed out', async () => {
    const queue = new SharedQueue<number>({ capacity: 4, codec: 'int32', name: 'starving' });
    startWorker('timed-wait', {
      name: 'patient',
      what: 'get',
      style: 'sync',
      handle: queue.handle,
    });
    const impatient = startWorker('timed-wait', {
      name: 'impatient',
      what: 'get',
      style: 'sync',
      timeout: 50,
      handle: queue.handle,
    });
    expect(await nextMessage(impatient)).toBe('waiting');
    expect(await nextMessage(impatient)).toBe('timed out');
    await impatient.terminate();
    const deadlock = await eventually(() => {
      const found = findDeadlock();
      return found?.kind === 'all-blocked' ? found : undefined;
    });
    expect(deadlock.agents.map((a) => a.name)).toEqual(['patient']);
    expect(deadlock.deadline).toBeUndefined();
    expect(deadlock.message).toMatch(
      /^every agent is blocked: patient waits for an item in SharedQueue starving since [\d.]+ m?s$/,
    );
  });

  it('reports a cycle of waits with timeouts as a cycle, flagged with its deadline', async () => {
    const left = new SharedLock({ name: 'left' });
    const right = new SharedLock({ name: 'right' });
    const barrier = new SharedBarrier(2, { name: 'both hold one (timed)' });
    const workers = [
      startWorker('two-locks', {
        name: 'west',
        first: left.handle,
        second: right.handle,
        barrier: barrier.handle,
        style: 'crossed',
        timeout: 600_000,
      }),
      startWorker('two-locks', {
        name: 'east',
        first: right.handle,
        second: left.handle,
        barrier: barrier.handle,
        style: 'crossed',
      }),
    ];
    await Promise.all(workers.map((w) => nextMessage(w)));
    const deadlock = await eventually(() => {
      const found = findDeadlock();
      return found?.kind === 'cycle' ? found : undefined;
    });
    expect(deadlock.agents.map((a) => a.name).sort()).toEqual(['east', 'west']);
    const west = deadlock.agents.find((a) => a.name === 'west');
    expect(deadlock.deadline).toBeDefined();
    expect(deadlock.deadline).toBe(west?.waitingOn?.deadline);
    expect(deadlock.message).toMatch(
      /west waits for SharedLock right since [\d.]+ m?s \(times out in [\d.]+ m?s, after 600000 ms\), held by east since [\d.]+ m?s/,
    );
    expect(deadlock.message).not.toMatch(/east waits [^;]*times out/);
  });

  it('reports a cycle whose waits all have timeouts, flagged with a deadline', async () => {
    // Both waits of the cycle have timeouts: still a cycle (it ends only by a timeout). A lock
    // whose holder died is no longer part of such reports: its waiter takes it over (see
    // dead-agents.workers.test.ts).
    const left = new SharedLock({ name: 'left 2' });
    const right = new SharedLock({ name: 'right 2' });
    const barrier = new SharedBarrier(2, { name: 'both hold one (timed 2)' });
    const workers = [
      startWorker('two-locks', {
        name: 'west',
        first: left.handle,
        second: right.handle,
        barrier: barrier.handle,
        style: 'crossed',
        timeout: 600_000,
      }),
      startWorker('two-locks', {
        name: 'east',
        first: right.handle,
        second: left.handle,
        barrier: barrier.handle,
        style: 'crossed',
        timeout: 600_000,
      }),
    ];
    await Promise.all(workers.map((w) => nextMessage(w)));
    const timed = await eventually(() => findDeadlock());
    expect(timed.kind).toBe('cycle');
    expect(timed.deadline).toBeDefined();
  });
});
