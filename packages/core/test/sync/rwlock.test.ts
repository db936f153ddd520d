import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LockError, RWLock, TimeoutError, setTracer, type TraceEvent } from '../../src/index.js';
import { flush, track } from './helpers.js';

describe('RWLock', () => {
  it('lets many readers in at once and a writer only alone', async () => {
    const rw = new RWLock({ name: 'config' });
    await rw.acquireRead();
    await rw.acquireRead();
    expect(rw.readers).toBe(2);
    const writer = track(rw.acquireWrite());
    await flush();
    expect(writer.state).toBe('pending');
    rw.releaseRead();
    await flush();
    expect(writer.state).toBe('pending');
    rw.releaseRead();
    await flush();
    expect(writer.state).toBe('fulfilled');
    expect(rw.writeLocked).toBe(true);
    expect(rw.tryAcquireRead()).toBe(false);
    expect(rw.tryAcquireWrite()).toBe(false);
    rw.releaseWrite();
    expect(rw.tryAcquireWrite()).toBe(true);
  });

  it('prefers a waiting writer: a reader arriving after it waits behind it', async () => {
    const rw = new RWLock();
    await rw.acquireRead();
    const writer = track(rw.acquireWrite());
    const lateReader = track(rw.acquireRead());
    expect(rw.tryAcquireRead()).toBe(false);
    await flush();
    expect(writer.state).toBe('pending');
    expect(lateReader.state).toBe('pending');
    rw.releaseRead(); // the first reader leaves: the writer goes, not the late reader
    await flush();
    expect(writer.state).toBe('fulfilled');
    expect(lateReader.state).toBe('pending');
    rw.releaseWrite();
    await flush();
    expect(lateReader.state).toBe('fulfilled');
  });

  it('does not starve readers: after a write, every waiting reader goes before the next writer', async () => {
    const rw = new RWLock();
    await rw.acquireWrite();
    const readers = [track(rw.acquireRead()), track(rw.acquireRead())];
    const nextWriter = track(rw.acquireWrite());
    // Arrives after nextWriter began waiting, while the first writer still holds the lock: it
    // is waiting when that writer releases, so it goes in with the batch (as in Go's RWMutex).
    const thirdReader = track(rw.acquireRead());
    rw.releaseWrite();
    await flush();
    expect([...readers, thirdReader].map((r) => r.state)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(rw.readers).toBe(3);
    expect(nextWriter.state).toBe('pending');
    const fourthReader = track(rw.acquireRead()); // a writer waits: this one waits behind it
    rw.releaseRead();
    rw.releaseRead();
    rw.releaseRead();
    await flush();
    expect(nextWriter.state).toBe('fulfilled');
    expect(fourthReader.state).toBe('pending');
    rw.releaseWrite();
    await flush();
    expect(fourthReader.state).toBe('fulfilled');
  });

  it('lets readers in when the writer that kept them out times out', async () => {
    const rw = new RWLock({ name: 'rw' });
    await rw.acquireRead();
    const writer = rw.acquireWrite({ timeout: 5 });
    const reader = track(rw.acquireRead());
    await expect(writer).rejects.toThrow(
      new TimeoutError('rw: acquire (write) timed out after 5 ms', 5),
    );
    await flush();
    expect(reader.state).toBe('fulfilled');
    expect(rw.readers).toBe(2);
    expect(rw.waitingWriters).toBe(0);
  });

  it('an aborted writer leaves no trace; an aborted reader neither', async () => {
    const rw = new RWLock();
    await rw.acquireWrite();
    const controller = new AbortController();
    const writer = rw.acquireWrite({ signal: controller.signal });
    const reader = rw.acquireRead({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(writer).rejects.toThrow('stop');
    await expect(reader).rejects.toThrow('stop');
    expect(rw.waitingWriters + rw.waitingReaders).toBe(0);
    rw.releaseWrite();
    expect(rw.writeLocked).toBe(false);
    expect(rw.readers).toBe(0);
    expect(rw.tryAcquireWrite()).toBe(true);
  });

  it('throws LockError on a release of a mode nobody holds', () => {
    const rw = new RWLock({ name: 'rw' });
    expect(() => rw.releaseRead()).toThrow(
      new LockError('rw: releaseRead() of an RWLock no reader holds'),
    );
    expect(() => rw.releaseWrite()).toThrow(LockError);
    rw.tryAcquireRead();
    expect(() => rw.releaseWrite()).toThrow(LockError);
  });

  it('gives guards for using, and runRead/runWrite release on throw', async () => {
    const rw = new RWLock();
    {
      using _ = await rw.readLock();
      expect(rw.readers).toBe(1);
    }
    expect(rw.readers).toBe(0);
    {
      using _ = await rw.writeLock({ timeout: 100 });
      expect(rw.writeLocked).toBe(true);
    }
    expect(rw.writeLocked).toBe(false);
    await expect(rw.runWrite(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(rw.writeLocked).toBe(false);
    expect(await rw.runRead(() => 42)).toBe(42);
    expect(rw.reader.locked).toBe(false);
    expect(rw.writer.tryAcquire()).toBe(true);
    expect(rw.writer.locked).toBe(true);
    rw.writer.release();
  });

  it('validates options and reports trace events with the mode', async () => {
    expect(() => new RWLock({ name: 1 as unknown as string })).toThrow(TypeError);
    await expect(new RWLock().acquireRead({ timeout: -1 })).rejects.toThrow(RangeError);
    const events: TraceEvent[] = [];
    const previous = setTracer({ event: (e) => events.push(e) });
    try {
      const rw = new RWLock({ name: 'traced' });
      await rw.acquireWrite();
      const reading = rw.acquireRead();
      rw.releaseWrite();
      await reading;
      rw.releaseRead();
    } finally {
      setTracer(previous);
    }
    expect(events.map((e) => `${e.kind} ${String(e.detail?.['mode'] ?? '')}`)).toEqual([
      'created ',
      'acquired write',
      'acquire read',
      'release write',
      'acquired read',
      'release read',
    ]);
  });

  it('property: never a writer with anyone else; every waiter is served once the holders leave', async () => {
    type Op = { kind: 'read' | 'write'; hold: number; timeout: boolean };
    const op = fc.record({
      kind: fc.constantFrom<'read' | 'write'>('read', 'write'),
      hold: fc.integer({ min: 0, max: 3 }),
      timeout: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops: Op[]) => {
        const rw = new RWLock();
        let readers = 0;
        let writers = 0;
        let violations = 0;
        let served = 0;
        let gaveUp = 0;
        const check = () => {
          if (writers > 1 || (writers === 1 && readers > 0)) violations++;
          if (rw.writeLocked && rw.readers > 0) violations++;
          if (writers === 1 && !rw.writeLocked) violations++;
          if (readers > 0 && (rw.writeLocked || rw.readers < readers)) violations++;
        };
        const run = async ({ kind, hold, timeout }: Op) => {
          const acquire = kind === 'read' ? rw.acquireRead.bind(rw) : rw.acquireWrite.bind(rw);
          try {
            await acquire(timeout ? { timeout: 1 } : undefined);
          } catch (error) {
            if (!(error instanceof TimeoutError)) throw error;
            gaveUp++;
            return;
          }
          served++;
          if (kind === 'read') readers++;
          else writers++;
          check();
          for (let i = 0; i < hold; i++) await Promise.resolve();
          if (kind === 'read') readers--;
          else writers--;
          if (kind === 'read') rw.releaseRead();
          else rw.releaseWrite();
          check();
        };
        await Promise.all(ops.map(run));
        expect(violations).toBe(0);
        expect(served + gaveUp).toBe(ops.length);
        expect(rw.readers + rw.waitingReaders + rw.waitingWriters).toBe(0);
        expect(rw.writeLocked).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
