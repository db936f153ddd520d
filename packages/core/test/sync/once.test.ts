import { describe, expect, it } from 'vitest';
import { Once, TimeoutError, setTracer, type TraceEvent } from '../../src/index.js';
import { flush } from './helpers.js';

describe('Once', () => {
  it('runs the function once, however many tasks ask at once or later', async () => {
    const once = new Once<string>({ name: 'connect' });
    let calls = 0;
    const connect = () =>
      once.run(async () => {
        calls++;
        await flush();
        return 'connection';
      });
    expect(once.done).toBe(false);
    const results = await Promise.all([connect(), connect(), connect()]);
    expect(results).toEqual(['connection', 'connection', 'connection']);
    expect(await connect()).toBe('connection');
    expect(calls).toBe(1);
    expect(once.done).toBe(true);
    expect(once.pending).toBe(false);
  });

  it('gives every caller the same error (as Go, a throw counts as done) until reset()', async () => {
    const once = new Once<number>();
    let calls = 0;
    const attempt = () =>
      once.run(() => {
        calls++;
        if (calls === 1) throw new Error('no network');
        return calls;
      });
    await expect(Promise.all([attempt(), attempt()])).rejects.toThrow('no network');
    await expect(attempt()).rejects.toThrow('no network');
    expect(calls).toBe(1);
    once.reset();
    expect(await attempt()).toBe(2);
  });

  it('a caller that times out stops waiting, the function goes on for the others', async () => {
    const once = new Once<string>({ name: 'slow' });
    let finish!: (value: string) => void;
    const fn = () => new Promise<string>((resolve) => (finish = resolve));
    const patient = once.run(fn);
    await expect(once.run(fn, { timeout: 1 })).rejects.toThrow(
      new TimeoutError('slow: run timed out after 1 ms', 1),
    );
    once.reset(); // ignored while running
    finish('ready');
    expect(await patient).toBe('ready');
    expect(await once.run(fn, { timeout: 0 })).toBe('ready'); // done: no waiting needed
  });

  it('checks its arguments', async () => {
    const once = new Once({ name: 'o' });
    await expect(once.run(42 as unknown as () => void)).rejects.toThrow(
      new TypeError('o: run() needs a function, got number 42'),
    );
    await expect(once.run(() => {}, { timeout: -1 })).rejects.toThrow(RangeError);
    expect(once.pending).toBe(false);
  });

  it('traces who ran it and who waited', async () => {
    const events: TraceEvent[] = [];
    const previous = setTracer({ event: (e) => events.push(e) });
    try {
      const once = new Once();
      await Promise.all([once.run(() => {}), once.run(() => {})]);
    } finally {
      setTracer(previous);
    }
    expect(events.map((e) => e.kind)).toEqual([
      'created',
      'acquired',
      'wait',
      'release',
      'set',
      'wake',
      'wake',
    ]);
  });
});
