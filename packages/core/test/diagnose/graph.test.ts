// The one wait-for graph: the same model, analysis and wording for trace events and the shared
// registry. Semaphores and queues are waited on, never held.
import { describe, expect, it } from 'vitest';
import {
  analyseWaits,
  explainWait,
  formatWaitGraph,
  helpersOf,
  Queue,
  Semaphore,
  setTracer,
  SharedLock,
  SharedRegistry,
  snapshot,
  waitGraphFromSnapshot,
  WaitGraphRecorder,
  type TraceEvent,
  type WaitGraph,
} from '../../src/index.js';

function ev(
  kind: TraceEvent['kind'],
  agent: string,
  primitive: string,
  name: string,
  time: number,
  detail?: Record<string, unknown>,
): TraceEvent {
  return { kind, agent, primitive, id: name.length, name, time, ...(detail ? { detail } : {}) };
}

describe('WaitGraphRecorder and analyseWaits', () => {
  it('finds a lock-order cycle and words it as a cycle', () => {
    const r = new WaitGraphRecorder();
    r.started('A');
    r.started('B');
    r.event(ev('acquired', 'A', 'Lock', 'a', 0));
    r.event(ev('acquired', 'B', 'Lock', 'bb', 5));
    r.event(ev('acquire', 'A', 'Lock', 'bb', 10));
    r.event(ev('acquire', 'B', 'Lock', 'a', 20));
    const graph = r.graph(1010);
    const analysis = analyseWaits(graph);
    expect(analysis.cycle?.map((e) => `${e.from}->${e.to}`)).toEqual(['A->B', 'B->A']);
    expect(analysis.stuck.map((w) => w.party).sort()).toEqual(['A', 'B']);
    expect(analysis.allBlocked).toBe(true);
    expect(analysis.deadline).toBeUndefined();
    expect(formatWaitGraph(graph, analysis)).toBe(
      [
        'cycle:',
        '  A waits for Lock bb since 1.0 s, held by B since 1.0 s',
        '  B waits for Lock a since 990 ms, held by A since 1.0 s',
        '  and so back to A',
      ].join('\n'),
    );
  });

  it('finds a three-way cycle and prints it in the order of the cycle', () => {
    const r = new WaitGraphRecorder();
    for (const [who, lock] of [
      ['A', 'a'],
      ['B', 'bb'],
      ['C', 'ccc'],
    ] as const) {
      r.started(who);
      r.event(ev('acquired', who, 'Lock', lock, 0));
    }
    r.event(ev('acquire', 'A', 'Lock', 'bb', 100));
    r.event(ev('acquire', 'B', 'Lock', 'ccc', 200));
    r.event(ev('acquire', 'C', 'Lock', 'a', 300));
    const graph = r.graph(1300);
    const analysis = analyseWaits(graph);
    expect(analysis.cycle?.map((e) => e.from)).toEqual(['A', 'B', 'C']);
    expect(formatWaitGraph(graph, analysis)).toBe(
      [
        'cycle:',
        '  A waits for Lock bb since 1.2 s, held by B since 1.3 s',
        '  B waits for Lock ccc since 1.1 s, held by C since 1.3 s',
        '  C waits for Lock a since 1.0 s, held by A since 1.3 s',
        '  and so back to A',
      ].join('\n'),
    );
  });

  it("follows a lock released by another task than its holder (the lesson's hand-off)", () => {
    const r = new WaitGraphRecorder();
    r.event(ev('acquired', 'producer', 'Lock', 'consumer_lock', 0));
    r.event(ev('release', 'consumer', 'Lock', 'consumer_lock', 10));
    r.event(ev('acquired', 'producer', 'Lock', 'consumer_lock', 20));
    r.event(ev('acquire', 'consumer', 'Lock', 'consumer_lock', 30));
    const graph = r.graph(30);
    expect(graph.holds.map((h) => h.party)).toEqual(['producer']);
    expect(formatWaitGraph(graph)).toBe(
      [
        'blocked:',
        '  consumer waits for Lock consumer_lock since 0 ms, held by producer since 10 ms',
      ].join('\n'),
    );
  });

  it('forgets waits that timed out, were aborted or ended by close', () => {
    const r = new WaitGraphRecorder();
    const waiting = () => r.graph().waits.map((w) => w.party);
    r.started('p');
    r.event(ev('wait', 'p', 'Queue', 'q', 0, { for: 'not_full', size: 1, capacity: 1 }));
    expect(waiting()).toEqual(['p']);
    r.event(ev('timeout', 'p', 'Queue', 'q', 1));
    expect(waiting()).toEqual([]);
    r.event(ev('wait', 'p', 'Queue', 'q', 2, { for: 'not_full', size: 1, capacity: 1 }));
    r.event(ev('close', 'main', 'Queue', 'q', 3, { immediate: false, size: 1 }));
    expect(waiting()).toEqual([]);
  });

  it('never says a semaphore is held: a forgotten release is a wait for a permit', () => {
    const r = new WaitGraphRecorder();
    r.started('producer');
    r.started('consumer');
    // The producer takes both permits of `slots`, then asks for a third; the consumer, who
    // should release them, waits for an item in an empty queue.
    r.event(ev('acquired', 'producer', 'Semaphore', 'slots', 0));
    r.event(ev('acquired', 'producer', 'Semaphore', 'slots', 1));
    r.event(ev('acquire', 'producer', 'Semaphore', 'slots', 2));
    r.event(
      ev('wait', 'consumer', 'Queue', 'items', 3, { for: 'not_empty', size: 0, capacity: 2 }),
    );
    const graph = r.graph(1003);
    expect(graph.holds).toEqual([]);
    const analysis = analyseWaits(graph);
    expect(analysis.cycle).toBeUndefined();
    const text = formatWaitGraph(graph, analysis);
    expect(text).not.toMatch(/holds|held/);
    expect(text).toContain(
      'producer waits for a permit of Semaphore slots since 1.0 s; no other task has taken one to give back (a release that never came?)',
    );
    expect(text).toContain(
      'consumer waits for an item in Queue items since 1.0 s, which is empty (0/2); no producer has ever put into it',
    );
  });

  it('links a permit wait to the task that took the permits, and a full queue to its consumer', () => {
    const r = new WaitGraphRecorder();
    r.started('p');
    r.started('c');
    r.event(ev('acquired', 'c', 'Semaphore', 'permits', 0));
    r.event(ev('get', 'c', 'Queue', 'q', 1, { size: 0, capacity: 1 }));
    r.event(ev('acquire', 'p', 'Semaphore', 'permits', 2));
    r.event(ev('put', 'p', 'Queue', 'q', 3, { size: 1, capacity: 1 }));
    r.event(ev('wait', 'c', 'Lock', 'never', 4));
    const graph = r.graph(10);
    const permitWait = graph.waits.find((w) => w.party === 'p');
    expect(permitWait?.for).toBe('permit');
    expect(helpersOf(graph, permitWait!)).toEqual(['c']);
    expect(explainWait(graph, permitWait!)).toBe(
      'p waits for a permit of Semaphore permits since 8 ms; c took one 10 ms ago, not given back yet',
    );
  });

  it('calls a wait for an unowned lock taken by the waiter itself a deadlock only when nobody else runs', () => {
    const r = new WaitGraphRecorder();
    r.started('producer');
    r.started('consumer');
    // The lesson's hand-off: the producer waits for its lock until the consumer releases it.
    r.event(ev('acquired', 'producer', 'Lock', 'producer_lock', 0));
    r.event(ev('acquire', 'producer', 'Lock', 'producer_lock', 1));
    expect(analyseWaits(r.graph(5)).cycle).toBeUndefined();
    // Once the consumer blocks too (on a lock someone holds), nobody can release it.
    r.event(ev('acquired', 'producer', 'Lock', 'the consumer lock', 2));
    r.event(ev('acquire', 'consumer', 'Lock', 'the consumer lock', 3));
    expect(analyseWaits(r.graph(5)).cycle?.map((e) => e.from)).toEqual(['producer']);
  });

  it('reports a lock whose holder finished as abandoned', () => {
    const r = new WaitGraphRecorder();
    r.started('order 1');
    r.started('order 2');
    r.event(ev('acquired', 'order 1', 'Lock', 'till', 0));
    r.finished('order 1');
    r.event(ev('acquire', 'order 2', 'Lock', 'till', 5));
    const graph = r.graph(20);
    const analysis = analyseWaits(graph);
    expect(analysis.abandoned.map((w) => w.party)).toEqual(['order 2']);
    expect(formatWaitGraph(graph, analysis)).toBe(
      [
        'blocked:',
        '  order 2 waits for Lock till since 15 ms, held by order 1 since 20 ms; order 1 has finished without releasing it (abandoned)',
        'finished: order 1',
      ].join('\n'),
    );
  });

  it('does not call a party with a timeout, or one that still runs, blocked for good', () => {
    const r = new WaitGraphRecorder();
    r.started('a');
    r.started('b');
    r.event(ev('acquire', 'a', 'Lock', 'l', 0, { timeout: 50 }));
    let analysis = analyseWaits(r.graph(10));
    expect(analysis.allBlocked).toBe(false);
    expect(analysis.stuck).toEqual([]);
    r.finished('b');
    analysis = analyseWaits(r.graph(10));
    expect(analysis.allBlocked).toBe(false); // a times out by itself at 50
    expect(r.graph(10).parties.find((p) => p.name === 'a')?.wakesAt).toBe(50);
    expect(explainWait(r.graph(10), r.graph(10).waits[0]!)).toBe(
      'a waits for Lock l since 10 ms (times out in 40 ms, after 50 ms), which nobody holds (a lost wake-up?)',
    );
  });
});

describe('losses of dead agents', () => {
  it('shows the items a dead agent took with it in snapshots and explanations', () => {
    const registry = SharedRegistry.create({ maxAgents: 4, maxPrimitives: 4 });
    const me = registry.agentId;
    registry.recordLoss(me, 0, 2);
    registry.recordLoss(me, 0, 1);
    expect(registry.snapshot().agents[0]?.lost).toBe(3);
    registry.agentExited(me);
    const graph = waitGraphFromSnapshot(registry.snapshot());
    expect(graph.parties[0]).toMatchObject({ state: 'exited', lost: 3 });
    expect(formatWaitGraph(graph)).toBe(
      `nobody waits on a primitive\n${graph.parties[0]?.name} exited and took 3 items with it`,
    );
  });
});

describe('one graph from real primitives', () => {
  it('records in-thread semaphores and queues through the tracer', async () => {
    const r = new WaitGraphRecorder();
    const previous = setTracer({ event: (e) => r.event(e) });
    try {
      const slots = new Semaphore(1, { name: 'slots' });
      const jobs = new Queue<number>({ capacity: 1, name: 'jobs' });
      await slots.acquire();
      const second = slots.acquire();
      await jobs.put(1);
      const full = jobs.put(2);
      const graph: WaitGraph = r.graph();
      expect(graph.waits.map((w) => [w.party, w.for])).toEqual([
        ['main', 'permit'],
        ['main', 'space'],
      ]);
      expect(graph.resources.find((x) => x.name === 'slots')?.takers?.length).toBe(1);
      expect(formatWaitGraph(graph)).toMatch(
        /main waits for room in Queue jobs since \d+ ms, which is full \(1\/1\); no consumer has ever taken from it/,
      );
      slots.release();
      await second;
      await jobs.get();
      await full;
    } finally {
      setTracer(previous);
    }
  });

  it('reads the shared registry into the same graph', async () => {
    const lock = new SharedLock({ name: 'graph lock' });
    await lock.acquire();
    const second = lock.acquire();
    try {
      const graph = waitGraphFromSnapshot(snapshot());
      const wait = graph.waits.find((w) => w.resource.startsWith('SharedLock#'));
      expect(wait?.for).toBe('acquire');
      expect(graph.holds.some((h) => h.resource === wait?.resource)).toBe(true);
      const analysis = analyseWaits(graph);
      expect(analysis.cycle?.[0]?.wait).toBe(wait);
      expect(explainWait(graph, wait!)).toMatch(
        /^\S+ waits for SharedLock graph lock since \d+ ms, which it holds itself since \d+ ms$/,
      );
    } finally {
      lock.release();
      await second;
      lock.release();
    }
  });
});
