import { describe, expect, it } from 'vitest';
import { runNodeScript } from './node-script.js';

interface Row {
  placement: string;
  ordered: boolean;
  outcome: 'ok' | 'error' | 'abort';
  where: string;
  at: number;
  result: string;
  handles: string[];
  live: number;
}

describe('pipeline: nothing left behind', () => {
  it(
    'after a clean end, an error or an abort, in-thread and in workers',
    { timeout: 180_000 },
    async () => {
      // A fresh Node process runs the scenarios against the built package; it can only exit on
      // its own if no timer, worker or port is left referenced (a hang guard kills it otherwise).
      const stdout = await runNodeScript(
        new URL('./fixtures/leak-check.mjs', import.meta.url),
        [],
        170_000,
      );
      const rows = JSON.parse(stdout) as Row[];
      expect(rows.length).toBe(2 * 2 * 8);
      for (const row of rows) {
        const label = `${row.placement} ordered=${row.ordered} ${row.outcome} at ${row.where} ${row.at}`;
        expect(row.handles, label).toEqual([]);
        expect(row.live, label).toBe(0);
        const expected =
          row.outcome === 'ok'
            ? 'resolved'
            : row.outcome === 'abort'
              ? 'rejected: abort'
              : `rejected: pipeline stage '${row.where === 'stage' ? 'checked' : row.where}' failed`;
        expect(row.result, label).toContain(expected);
      }
    },
  );
});
