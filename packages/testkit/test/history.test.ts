import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  assertHistory,
  checkHistory,
  historyRecorder,
  parseHistory,
  readHistories,
  type HistoryEvent,
} from '../src/index.js';

let seq = 0;
const ev = (process: string, op: HistoryEvent['op'], value: unknown, deliveries?: number) =>
  ({
    process,
    seq: seq++,
    op,
    value,
    time: 0,
    ...(deliveries ? { deliveries } : {}),
  }) as HistoryEvent;

describe('checkHistory (Jepsen terms)', () => {
  it('finds lost, unexpected and duplicated items', () => {
    const report = checkHistory([
      ev('p', 'enqueue', 1),
      ev('p', 'enqueue', 2),
      ev('p', 'enqueue', 3),
      ev('c', 'dequeue', 1),
      ev('c', 'ack', 1),
      ev('c', 'dequeue', 3),
      ev('c', 'ack', 3),
      ev('d', 'dequeue', 3),
      ev('d', 'ack', 3),
      ev('d', 'dequeue', 9),
    ]);
    expect(report.lost).toEqual([2]);
    expect(report.unexpected).toEqual([9]);
    expect(report.duplicated.map((d) => d.value)).toEqual([3]);
    // Acknowledged twice: not a redelivery.
    expect(report.redelivered).toEqual([]);
    expect(report.ok).toBe(false);
    expect(() =>
      assertHistory([
        ev('p', 'enqueue', 1),
        ev('c', 'dequeue', 1),
        ev('c', 'ack', 1),
        ev('d', 'dequeue', 1),
        ev('d', 'ack', 1),
      ]),
    ).toThrow(/duplicated 1 beyond redelivery \(first: 1, acknowledged by c and d\)/);
  });

  it('accepts a redelivery of an item whose first consumer never acknowledged it', () => {
    const report = assertHistory([
      ev('p', 'enqueue', 'a'),
      ev('killed', 'dequeue', 'a', 1),
      ev('other', 'dequeue', 'a', 2),
      ev('other', 'ack', 'a'),
    ]);
    expect(report.ok).toBe(true);
    expect(report.exactlyOnce).toBe(false);
    expect(report.redelivered[0]?.deliveries).toEqual([
      { process: 'killed', seq: expect.any(Number), deliveries: 1, acked: false },
      { process: 'other', seq: expect.any(Number), deliveries: 2, acked: true },
    ]);
  });

  it('reports a lost item as an AssertionError', () => {
    expect(() => assertHistory([ev('p', 'enqueue', { id: 4 })])).toThrow(AssertionError);
    expect(() => assertHistory([ev('p', 'enqueue', { id: 4 })])).toThrow(
      /lost 1 \(first: \{"id":4\}/,
    );
  });
});

describe('history files', () => {
  it('survive SIGKILL and merge; a last line cut short is skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const child = join(dir, 'child.jsonl');
    // A process records, then is killed before it can flush anything else.
    const code = `
      const { openSync, writeSync } = require('node:fs');
      const fd = openSync(${JSON.stringify(child)}, 'a');
      for (let i = 0; i < 3; i++)
        writeSync(fd, JSON.stringify({ process: 'child', seq: i, op: 'dequeue', value: i, time: 0 }) + '\\n');
      writeSync(fd, '{"process":"child","seq":3,"op":"deq');
      process.kill(process.pid, 'SIGKILL');`;
    await new Promise((resolve) => spawn(process.execPath, ['-e', code]).on('exit', resolve));
    const mine = join(dir, 'parent.jsonl');
    const history = historyRecorder(mine, 'parent');
    for (let i = 0; i < 3; i++) history.enqueue(i);
    const events = readHistories([mine, child]);
    expect(events).toHaveLength(6);
    expect(checkHistory(events).exactlyOnce).toBe(true);
    expect(readFileSync(mine, 'utf8').split('\n')).toHaveLength(4);
  });

  it('refuses a malformed line that is not the last, naming the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, 'garbage\n{"process":"p","seq":0,"op":"ack","value":1,"time":0}\n');
    expect(() => readHistories([file])).toThrow(/bad\.jsonl:1: not a history event/);
    expect(
      parseHistory('{"process":"p","seq":0,"op":"ack","value":1,"time":0}\n{"pro'),
    ).toHaveLength(1);
    expect(() => historyRecorder('', 'p')).toThrow(TypeError);
  });
});
