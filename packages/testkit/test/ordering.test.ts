import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  assertCapacity,
  assertExactlyOnce,
  assertHappensBefore,
  assertInOrder,
  assertInterleaving,
  assertPerProducerOrder,
  checkExactlyOnce,
  checkInterleaving,
  checkPerProducerOrder,
  recorder,
  task,
} from '../src/index.js';
import '../src/vitest.js';

/** The message of the error `fn` throws. */
function failure(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AssertionError);
    return (error as Error).message;
  }
  throw new Error('expected the assertion to fail');
}

describe('exactly once', () => {
  it('accepts a permutation of the expected items', () => {
    expect(checkExactlyOnce([1, 2, 3], [3, 1, 2]).ok).toBe(true);
    expect(() => assertExactlyOnce(['a', 'b'], ['b', 'a'])).not.toThrow();
    expect([2, 1]).toConsumeExactlyOnce([1, 2]);
  });

  it('names lost, duplicated and unexpected items with their positions', () => {
    const report = checkExactlyOnce([1, 2, 3], [1, 3, 3, 9]);
    expect(report.lost).toEqual([2]);
    expect(report.lostAt).toEqual([1]);
    expect(report.duplicated).toEqual([{ item: 3, at: [1, 2] }]);
    expect(report.unexpected).toEqual([{ item: 9, at: 3 }]);
    expect(failure(() => assertExactlyOnce([1, 2, 3], [1, 3, 3, 9]))).toMatchInlineSnapshot(
      `"expected every item exactly once: lost 1 (first: 2, expected at 1, never consumed); duplicated 1 (first: 3, consumed at 1 and 2); unexpected 1 (first: 9, consumed at 3, never expected)"`,
    );
    expect(() => expect([1, 1]).toConsumeExactlyOnce([1, 2])).toThrowErrorMatchingInlineSnapshot(
      `[Error: expected every item exactly once: lost 1 (first: 2, expected at 1, never consumed); duplicated 1 (first: 1, consumed at 0 and 1)]`,
    );
  });

  it('treats expected items as a multiset: a value expected twice must come twice', () => {
    // The lesson's messages are random numbers, so the same value may be sent twice.
    expect(checkExactlyOnce([4, 17, 4], [17, 4, 4]).ok).toBe(true);
    expect([4, 4, 17]).toConsumeExactlyOnce([4, 17, 4]);
    const once = checkExactlyOnce([4, 17, 4], [4, 17]);
    expect(once.lost).toEqual([4]);
    expect(once.lostAt).toEqual([2]);
    expect(once.duplicated).toEqual([]);
    const thrice = checkExactlyOnce([4, 17, 4], [4, 4, 17, 4]);
    expect(thrice.lost).toEqual([]);
    expect(thrice.duplicated).toEqual([{ item: 4, at: [0, 1, 3] }]);
    expect(failure(() => assertExactlyOnce([4, 17, 4], [4, 17]))).toMatchInlineSnapshot(
      `"expected every item exactly once: lost 1 (first: 4, expected at 2, never consumed)"`,
    );
  });

  it('compares by key when given one', () => {
    const items = [{ id: 1 }, { id: 2 }];
    expect([{ id: 2 }, { id: 1 }]).toConsumeExactlyOnce(items, (x: { id: number }) => x.id);
    expect(
      failure(() => assertExactlyOnce(items, [{ id: 1 }, { id: 1 }], (x) => x.id)),
    ).toMatchInlineSnapshot(
      `"expected every item exactly once: lost 1 (first: {"id":2}, expected at 1, never consumed); duplicated 1 (first: {"id":1}, consumed at 0 and 1)"`,
    );
  });
});

describe('FIFO', () => {
  it('accepts the same items in the same order', () => {
    expect(() => assertInOrder([1, 2, 3], [1, 2, 3])).not.toThrow();
    expect([1, 2, 3]).toBeConsumedInOrder([1, 2, 3]);
  });

  it('names the first item out of place and where each one went', () => {
    expect(failure(() => assertInOrder([1, 2, 3, 4], [1, 3, 2, 4]))).toMatchInlineSnapshot(
      `"expected items consumed in the order they were put; first difference at 1: got 3, expected 2 (3 was put at 2; 2 came at 2)"`,
    );
    expect(failure(() => assertInOrder([1, 2, 3], [1, 2]))).toMatchInlineSnapshot(
      `"expected items consumed in the order they were put; consumed 2 of 3, first missing: 3 (put at 2)"`,
    );
    expect(failure(() => assertInOrder([1, 2], [1, 2, 2]))).toMatchInlineSnapshot(
      `"expected items consumed in the order they were put; consumed 3 but only 2 were put, first extra: 2 at 2"`,
    );
    expect(() => expect([1, 9]).toBeConsumedInOrder([1, 2])).toThrowErrorMatchingInlineSnapshot(
      `[Error: expected items consumed in the order they were put; first difference at 1: got 9, expected 2 (9 was never put; 2 was never consumed)]`,
    );
  });
});

describe('per-producer order', () => {
  const produced = { p1: ['a1', 'a2', 'a3'], p2: ['b1', 'b2'] };

  it('lets producers mix but keeps each one in order', () => {
    expect(() => assertPerProducerOrder(produced, ['a1', 'b1', 'a2', 'b2', 'a3'])).not.toThrow();
    expect(['b1', 'a1', 'b2', 'a2', 'a3']).toPreservePerProducerOrder(produced);
  });

  it("names the item that overtook its own producer's earlier item", () => {
    expect(
      failure(() => assertPerProducerOrder(produced, ['a1', 'a3', 'b1', 'a2', 'b2'])),
    ).toMatchInlineSnapshot(
      `"expected each producer's items in the order it put them; p1's "a2" (put 2nd) was consumed at 3, after its "a3" (put 3rd, consumed at 1)"`,
    );
    expect(() =>
      expect(['b2', 'b1']).toPreservePerProducerOrder(produced),
    ).toThrowErrorMatchingInlineSnapshot(
      `[Error: expected each producer's items in the order it put them; p2's "b1" (put 1st) was consumed at 1, after its "b2" (put 2nd, consumed at 0)]`,
    );
  });
});

describe('per-producer order with repeated values', () => {
  it('accepts a producer that puts the same value twice, consumed in order', () => {
    // p1 sends 4 twice (random messages repeat); the second 4 is p1's third item, not its first.
    const repeated = { p1: [4, 17, 4], p2: [4, 9] };
    expect(() => assertPerProducerOrder(repeated, [4, 17, 4, 4, 9])).not.toThrow();
    expect([4, 4, 9, 17, 4]).toPreservePerProducerOrder(repeated);
    // 17 came before both 4s, so one 4 (whichever) overtook it.
    expect(failure(() => assertPerProducerOrder({ p1: [4, 17, 4] }, [17, 4, 4]))).toMatch(
      /^expected each producer's items in the order it put them; p1's 4 \(put 1st\) was consumed at 2/,
    );
    // Values shared by producers: p2's 4 is taken by the first 4, then p1's order still holds.
    expect(() => assertPerProducerOrder({ p1: [4, 5], p2: [4] }, [4, 5, 4])).not.toThrow();
    expect(() => assertPerProducerOrder({ p1: [4, 5], p2: [4] }, [5, 4, 4])).toThrow(/p1's/);
  });
});

describe('interleaving', () => {
  it('accepts any merge that keeps each sequence in order', () => {
    expect(() =>
      assertInterleaving<string | number>(
        [1, 'a', 2, 'b'],
        [
          [1, 2],
          ['a', 'b'],
        ],
      ),
    ).not.toThrow();
    expect(['a', 1, 'b', 2]).toBeInterleavingOf<string | number>({
      numbers: [1, 2],
      letters: ['a', 'b'],
    });
  });

  it('backtracks when an item could come from more than one sequence', () => {
    expect(() => assertInterleaving([1, 1, 2, 3], { x: [1, 2], y: [1, 3] })).not.toThrow();
    expect(() => assertInterleaving([1, 3, 1, 2], { x: [1, 2], y: [1, 3] })).not.toThrow();
  });

  it('names the first item that no sequence expects next', () => {
    expect(
      failure(() => assertInterleaving([1, 'b', 'a', 2], { numbers: [1, 2], letters: ['a', 'b'] })),
    ).toMatchInlineSnapshot(
      `"expected an interleaving of numbers and letters; item 1 is "b", but each sequence expects something else next: numbers: 2 (numbers[1]), letters: "a" (letters[0])"`,
    );
    expect(
      failure(() => assertInterleaving([1, 'a'], { numbers: [1, 2], letters: ['a'] })),
    ).toMatchInlineSnapshot(
      `"expected an interleaving of numbers and letters; got 2 items for 3 in all, next expected: numbers: 2 (numbers[1]), letters: done"`,
    );
    expect(() => expect([2, 1]).toBeInterleavingOf([[1, 2]])).toThrowErrorMatchingInlineSnapshot(
      `[Error: expected an interleaving of #0; item 0 is 2, but each sequence expects something else next: #0: 1 (#0[0])]`,
    );
  });
});

describe('recorder and happens-before', () => {
  it('records the task of each event', async () => {
    const log = recorder<number>();
    await Promise.all([
      task('producer', async () => {
        log.record('put', 1);
        await Promise.resolve();
        log.record('put', 2);
      }),
      task('consumer', async () => {
        await Promise.resolve();
        log.record('get', 1);
      }),
    ]);
    log.record('done');
    expect(log.events.map((e) => `${e.agent}:${e.label}`).sort()).toEqual([
      'consumer:get',
      'main:done',
      'producer:put',
      'producer:put',
    ]);
    expect(log.events.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect(log.values('put')).toEqual([1, 2]);
    expect(log.by('consumer').map((e) => e.label)).toEqual(['get']);
  });

  it('checks each after-event against its own before-event when keyed', () => {
    const log = recorder<number>();
    log.record('put', 1);
    log.record('get', 1);
    log.record('get', 2);
    log.record('put', 2);
    const key = (e: { value: number }) => e.value;
    expect(() => assertHappensBefore(log.events.slice(0, 2), 'put', 'get', { key })).not.toThrow();
    expect(failure(() => assertHappensBefore(log, 'put', 'get', { key }))).toMatchInlineSnapshot(
      `"expected each "get" to follow its "put"; "get" 2 by main (event 2) has no earlier "put" ("put" 2 by main (event 3) came later)"`,
    );
    expect(() =>
      expect(log).toSatisfyHappensBefore('put', 'get', { key }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[Error: expected each "get" to follow its "put"; "get" 2 by main (event 2) has no earlier "put" ("put" 2 by main (event 3) came later)]`,
    );
  });

  it('pairs keyed events one to one, so a repeated value needs as many before-events', () => {
    const log = recorder<number>();
    log.record('put', 4);
    log.record('put', 4);
    log.record('get', 4);
    log.record('get', 4);
    const key = (e: { value: number }) => e.value;
    expect(log).toSatisfyHappensBefore('put', 'get', { key });
    log.record('get', 4);
    expect(failure(() => assertHappensBefore(log, 'put', 'get', { key }))).toMatchInlineSnapshot(
      `"expected each "get" to follow its "put"; "get" 4 by main (event 4) has no earlier "put" (each earlier "put" for 4 already has its "get")"`,
    );
  });

  it('checks every before-event against every after-event when not keyed', () => {
    const log = recorder<string>();
    log.record('put', 'x');
    log.record('close');
    expect(log).toSatisfyHappensBefore('put', 'close');
    log.record('put', 'late');
    expect(failure(() => assertHappensBefore(log, 'put', 'close'))).toMatchInlineSnapshot(
      `"expected every "put" before every "close"; "close" by main (event 1) came before "put" "late" by main (event 2)"`,
    );
    const orphan = recorder<number>();
    orphan.record('get', 5);
    expect(
      failure(() => assertHappensBefore(orphan, 'put', 'get', { key: (e) => e.value })),
    ).toMatchInlineSnapshot(
      `"expected each "get" to follow its "put"; "get" 5 by main (event 0) has no earlier "put" (there is no "put" for 5)"`,
    );
  });
});

describe('capacity', () => {
  it('passes while no more than max are in flight', () => {
    const log = recorder();
    log.record('start', 1);
    log.record('start', 2);
    log.record('end', 1);
    log.record('start', 3);
    expect(() => assertCapacity(log, { enter: 'start', exit: 'end', max: 2 })).not.toThrow();
    expect(log).toRespectCapacity({ enter: 'start', exit: 'end', max: 2 });
  });

  it('names the event that went over and who was in flight', () => {
    const log = recorder();
    log.record('start', 1);
    log.record('start', 2);
    log.record('start', 3);
    expect(
      failure(() => assertCapacity(log, { enter: 'start', exit: 'end', max: 2 })),
    ).toMatchInlineSnapshot(
      `"expected never more than 2 in flight; 3 were after "start" 3 by main (event 2): main (1), main (2), main (3)"`,
    );
    expect(() => assertCapacity(log, { enter: 'start', exit: 'end', max: -1 })).toThrow(RangeError);
  });
});

describe('long logs', () => {
  it('checks an interleaving and per-producer order of 40 000 items without deep recursion', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 20_000 }, (_, i) => `b${i}`);
    const merged = a.flatMap((x, i) => [x, b[i] as string]);
    expect(checkInterleaving(merged, { a, b })).toBeUndefined();
    expect(checkPerProducerOrder({ a, b }, merged)).toBeUndefined();
    const swapped = [...merged];
    [swapped[30_000], swapped[30_002]] = [swapped[30_002] as string, swapped[30_000] as string];
    expect(checkInterleaving(swapped, { a, b })).toMatch(
      /^expected an interleaving of a and b; item 30000 is "a15001"/,
    );
  });
});
