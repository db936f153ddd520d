/**
 * The deadlock in words, from `@baton/core`'s one wait-for analysis and wording (the same the
 * testkit prints and `findDeadlock()` returns): the page's model of the run, turned into core's
 * `WaitGraph`. Locks have holders; semaphores have takers, never holders; the queue has
 * producers and consumers; events have setters.
 *
 * @module
 */
import {
  analyseWaits,
  explainWait,
  type WaitGraph as CoreWaitGraph,
  type WaitGraphWait,
} from '@baton/core';
import type { WaitTarget } from '../common/protocol.js';
import type { RunModel } from './model.js';
import type { CycleStep, Deadlock, WaitGraph as PageWaitGraph } from './verdict.js';

/** The party that holds a lock declared `{ locked: true }` until a worker releases it. */
export const SETUP = 'the start (held from the start)';

const keyOf = (target: WaitTarget): string =>
  target.kind === 'queue' ? 'queue:queue' : `${target.kind}:${target.name}`;

function waitFor(target: WaitTarget): WaitGraphWait['for'] {
  switch (target.kind) {
    case 'lock':
      return 'acquire';
    case 'semaphore':
      return 'permit';
    case 'event':
      return 'event';
    case 'queue':
      return target.for === 'not_empty' ? 'item' : 'space';
  }
}

/** The run as core's wait-for graph, at `time` ms into the run. */
export function coreWaitGraph(model: RunModel, time: number): CoreWaitGraph {
  const name = (id: number): string => model.lanes[id]?.worker.name ?? `worker ${id}`;
  const names = (ids: Iterable<number>): string[] => [...ids].map(name);
  const parties = model.lanes.map((lane) => ({
    name: lane.worker.name,
    state:
      lane.state === 'blocked'
        ? ('waiting' as const)
        : lane.state === 'done' || lane.state === 'failed'
          ? ('finished' as const)
          : lane.state === 'stopped'
            ? ('exited' as const)
            : ('running' as const),
  }));
  const heldFromStart = [...model.locks.values()].some((l) => l.holder === 'setup');
  if (heldFromStart) parties.push({ name: SETUP, state: 'finished' });
  const resources: CoreWaitGraph['resources'][number][] = [
    {
      key: 'queue:queue',
      type: 'queue',
      kind: 'queue',
      name: 'queue',
      size: Math.max(0, model.queue.size),
      capacity: model.queue.capacity,
      producers: names(model.queueProducers),
      consumers: names(model.queueConsumers),
    },
  ];
  const holds: CoreWaitGraph['holds'][number][] = [];
  for (const [lockName, lock] of model.locks) {
    resources.push({ key: `lock:${lockName}`, type: 'lock', kind: 'lock', name: lockName });
    if (lock.holder !== null) {
      holds.push({
        party: lock.holder === 'setup' ? SETUP : name(lock.holder),
        resource: `lock:${lockName}`,
        since: lock.since,
      });
    }
  }
  for (const [semName, s] of model.semaphores) {
    resources.push({
      key: `semaphore:${semName}`,
      type: 'semaphore',
      kind: 'semaphore',
      name: semName,
      size: s.value,
      takers: s.holders.map((id, i) => ({ party: name(id), since: s.since[i] ?? 0 })),
    });
  }
  for (const [eventName, set] of model.events) {
    resources.push({
      key: `event:${eventName}`,
      type: 'event',
      kind: 'event',
      name: eventName,
      ...(set ? { isSet: true } : {}),
      wakers: names(model.eventSetters.get(eventName) ?? []),
    });
  }
  const waits: WaitGraphWait[] = [];
  for (const lane of model.lanes) {
    const target = lane.waitingFor;
    if (lane.state !== 'blocked' || target === undefined) continue;
    const since = lane.segments.at(-1)?.from ?? 0;
    waits.push({
      party: lane.worker.name,
      resource: keyOf(target),
      for: waitFor(target),
      since,
    });
  }
  waits.sort((a, b) => a.since - b.since);
  return { time, parties, resources, holds, waits };
}

/**
 * The page's own snapshot graph (who holds and waits for what, without times) as core's graph.
 * Semaphore permits become takers, never holds.
 */
export function fromPageGraph(graph: PageWaitGraph): CoreWaitGraph {
  const name = (id: number): string =>
    graph.workers.find((w) => w.id === id)?.name ?? `worker ${id}`;
  const parties: CoreWaitGraph['parties'][number][] = graph.workers.map((w) => ({
    name: w.name,
    state:
      w.state === 'blocked'
        ? 'waiting'
        : w.state === 'done' || w.state === 'failed'
          ? 'finished'
          : w.state === 'stopped'
            ? 'exited'
            : 'running',
  }));
  if (graph.locks.some((l) => l.holder === 'setup'))
    parties.push({ name: SETUP, state: 'finished' });
  const resources: CoreWaitGraph['resources'][number][] = [
    {
      key: 'queue:queue',
      type: 'queue',
      kind: 'queue',
      name: 'queue',
      size: graph.queue.size,
      capacity: graph.queue.capacity,
    },
    ...graph.locks.map((l) => ({
      key: `lock:${l.name}`,
      type: 'lock',
      kind: 'lock' as const,
      name: l.name,
    })),
    ...graph.semaphores.map((s) => ({
      key: `semaphore:${s.name}`,
      type: 'semaphore',
      kind: 'semaphore' as const,
      name: s.name,
      size: s.value,
      takers: s.holders.map((id) => ({ party: name(id), since: 0 })),
    })),
    ...graph.events.map((e) => ({
      key: `event:${e.name}`,
      type: 'event',
      kind: 'event' as const,
      name: e.name,
      ...(e.set ? { isSet: true } : {}),
    })),
  ];
  const holds = graph.locks.flatMap((l) =>
    l.holder === null
      ? []
      : [
          {
            party: l.holder === 'setup' ? SETUP : name(l.holder),
            resource: `lock:${l.name}`,
            since: 0,
          },
        ],
  );
  const waits = graph.workers.flatMap((w) =>
    w.state === 'blocked' && w.waitingFor !== undefined
      ? [{ party: w.name, resource: keyOf(w.waitingFor), for: waitFor(w.waitingFor), since: 0 }]
      : [],
  );
  return { time: 0, parties, resources, holds, waits };
}

/** A stuck page graph explained by core (see {@link explainStuck}). */
export function explainDeadlock(graph: PageWaitGraph): Deadlock {
  const explained = explainCore(fromPageGraph(graph));
  // This graph has no times: drop core's "since 0 ms" rather than claim one.
  const timeless = (text: string) => text.replace(/ since 0 ms/g, '');
  return { ...explained, sentences: explained.sentences.map(timeless) };
}

/**
 * The deadlock of a stuck run, explained by core: the first wait-for cycle (for the diagram)
 * and one sentence per blocked worker, the cycle's first.
 */
export function explainStuck(model: RunModel, time: number): Deadlock {
  return explainCore(coreWaitGraph(model, time));
}

function explainCore(graph: CoreWaitGraph): Deadlock {
  const analysis = analyseWaits(graph);
  const resourceName = (key: string): string =>
    graph.resources.find((r) => r.key === key)?.name ?? key;
  const cycle: CycleStep[] | null =
    analysis.cycle === undefined || analysis.cycle.length === 0
      ? null
      : analysis.cycle.map((edge) => ({
          worker: edge.from,
          resource: resourceName(edge.wait.resource),
          heldBy: edge.to,
        }));
  const inCycle = analysis.cycle?.map((e) => e.wait) ?? [];
  const sentences: string[] = [];
  if (inCycle.length > 1) {
    // The cycle in one sentence, as core's formatWaitGraph lays it out.
    const start = analysis.cycle?.[0]?.from ?? '';
    sentences.push(
      `${inCycle.map((w) => explainWait(graph, w)).join('; ')}; and so back to ${start}.`,
    );
  } else if (inCycle.length === 1) {
    sentences.push(`${explainWait(graph, inCycle[0] as WaitGraphWait)}.`);
  }
  for (const wait of graph.waits) {
    if (!inCycle.includes(wait)) sentences.push(`${explainWait(graph, wait)}.`);
  }
  return { cycle, sentences };
}
