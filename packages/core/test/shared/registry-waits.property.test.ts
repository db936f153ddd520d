/**
 * An agent's wait record in the registry while many async waits of that agent begin and end in
 * any order (thousands of async getters of one queue are ordinary): the row shows the most
 * recent wait still going on and the earliest deadline of all of them, and a stale token (a
 * wait ended twice) changes nothing. Checked against a model, with fast-check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WaitOp } from '../../src/shared/registry/layout.js';
import { SharedRegistry } from '../../src/shared/registry/table.js';

const OPS: readonly WaitOp[] = ['acquire', 'wait', 'put', 'get'];

/** One step: begin a wait (on primitive `p`, with a timeout or none), or end the n-th token. */
type Step =
  | { begin: true; p: number; op: WaitOp; timeout: number | undefined }
  | { begin: false; pick: number; again: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    begin: fc.constant(true as const),
    p: fc.integer({ min: 0, max: 3 }),
    op: fc.constantFrom(...OPS),
    timeout: fc.option(fc.integer({ min: 1_000, max: 1_000_000 }), { nil: undefined }),
  }),
  fc.record({
    begin: fc.constant(false as const),
    pick: fc.nat(),
    // End a token that has already ended (stale) instead of an ongoing one.
    again: fc.boolean(),
  }),
);

interface ModelWait {
  token: number;
  primitive: number;
  op: WaitOp;
  timeout: number | undefined;
  /** Bounds of its deadline (Date.now() based): the clock before and after it began. */
  lo: number;
  hi: number;
}

describe("an agent's waits in the registry", () => {
  it('shows the most recent ongoing wait and the earliest deadline, whatever order they end in', () => {
    const registry = SharedRegistry.create({ maxAgents: 2, maxPrimitives: 4 });
    const ids = ['a', 'b', 'c', 'd'].map((name) => registry.addPrimitive('SharedQueue', name).id);
    const me = (): ReturnType<SharedRegistry['snapshot']>['agents'][number] | undefined =>
      registry.snapshot().agents.find((a) => a.id === registry.agentId);
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const ongoing: ModelWait[] = [];
        const ended: number[] = [];
        try {
          run(steps, ongoing, ended);
        } finally {
          // Leave nothing behind for the next run, even when this one failed (else every
          // shrunk run would fail on the leftovers and hide the real counterexample).
          for (const w of ongoing.splice(0)) registry.endWait(w.token);
        }
        expect(me()?.waitingOn).toBeUndefined();
      }),
      { numRuns: 200 },
    );

    function run(steps: Step[], ongoing: ModelWait[], ended: number[]): void {
      for (const s of steps) {
        if (s.begin) {
          // The row's deadline is Date.now() based, the bound performance.now() based; the
          // thread may be preempted between any two clock reads (a loaded CI machine), so the
          // bounds allow for the time that passed between them rather than a fixed slack.
          const dateBefore = Date.now();
          const perfBefore = performance.now();
          const bound =
            s.timeout === undefined
              ? undefined
              : { timeout: s.timeout, deadline: perfBefore + s.timeout };
          const token = registry.beginWait(ids[s.p]!, s.op, bound);
          const perfAfter = performance.now();
          const dateAfter = Date.now();
          const lo = dateBefore + (s.timeout ?? Infinity) - (perfAfter - perfBefore);
          const hi = dateAfter + (s.timeout ?? Infinity);
          expect(token).toBeGreaterThan(0);
          expect(ongoing.some((w) => w.token === token)).toBe(false);
          ongoing.push({ token, primitive: ids[s.p]!, op: s.op, timeout: s.timeout, lo, hi });
        } else if (s.again && ended.length > 0) {
          registry.endWait(ended[s.pick % ended.length]!);
        } else if (ongoing.length > 0) {
          const [wait] = ongoing.splice(s.pick % ongoing.length, 1);
          registry.endWait(wait!.token);
          ended.push(wait!.token);
        }
        const agent = me();
        const last = ongoing[ongoing.length - 1];
        if (last === undefined) {
          expect(agent?.waitingOn).toBeUndefined();
          continue;
        }
        expect(agent?.waitingOn?.primitive.id).toBe(last.primitive);
        expect(agent?.waitingOn?.op).toBe(last.op);
        expect(agent?.waitingOn?.timeout).toBe(last.timeout);
        // wakesAt: the earliest deadline of all ongoing waits, absent when none has one.
        const lo = Math.min(...ongoing.map((w) => w.lo));
        const hi = Math.min(...ongoing.map((w) => w.hi));
        if (hi === Infinity) {
          expect(agent?.wakesAt).toBeUndefined();
        } else {
          // Date.now() is whole milliseconds: a millisecond of rounding either way.
          expect(agent?.wakesAt).toBeGreaterThanOrEqual(lo - 1);
          expect(agent?.wakesAt).toBeLessThanOrEqual(hi + 1);
        }
      }
    }
  });

  it('keeps wakesAt at the earliest deadline as the waits holding it end', () => {
    const registry = SharedRegistry.create({ maxAgents: 2, maxPrimitives: 2 });
    const q = registry.addPrimitive('SharedQueue', 'q').id;
    const now = performance.now();
    // Deadlines 10 s, 20 s, ..., 50 s from now, begun in a shuffled order, plus unbounded waits.
    const order = [3, 1, 5, 2, 4];
    const tokens = new Map<number, number>();
    const unbounded = [registry.beginWait(q, 'get')];
    for (const k of order) {
      tokens.set(
        k,
        registry.beginWait(q, 'get', { timeout: k * 10_000, deadline: now + k * 10_000 }),
      );
      unbounded.push(registry.beginWait(q, 'get'));
    }
    const wakesAt = (): number | undefined =>
      registry.snapshot().agents.find((a) => a.id === registry.agentId)?.wakesAt;
    const first = wakesAt()!;
    for (const k of [1, 2, 3, 4]) {
      const before = wakesAt()!;
      registry.endWait(tokens.get(k)!);
      // The next deadline is 10 s later (Date.now()-based; allow for the clock read in between).
      expect(wakesAt()! - before).toBeGreaterThan(9_000);
      expect(wakesAt()! - before).toBeLessThan(11_000);
    }
    expect(wakesAt()! - first).toBeGreaterThan(39_000);
    registry.endWait(tokens.get(5)!);
    for (const t of unbounded.slice(1)) registry.endWait(t);
    // Only an unbounded wait is left: no wakesAt; then none at all.
    expect(wakesAt()).toBeUndefined();
    registry.endWait(unbounded[0]!);
    expect(registry.snapshot().agents.find((a) => a.id === registry.agentId)?.waitingOn).toBe(
      undefined,
    );
  });
});
