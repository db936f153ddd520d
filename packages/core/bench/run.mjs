// `pnpm bench` for @baton/core: runs every `bench/*.bench.mjs` in turn, in a fresh Node process
// each, against the built package (dist/). Each file prints its own table and ratios.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './report.mjs';
import { describeLineTrip, measureLineTrip } from './line-trip.mjs';
import { describeStalls, measureStalls } from './stalls.mjs';
import { describeWakeLatency, measureWakeLatency } from './wake-latency.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.mjs'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();

// Each bench appends its summary rows (bench/report.mjs) to this file; printed at the end.
const rowsFile = join(tmpdir(), `baton-bench-rows-${process.pid}.jsonl`);
rmSync(rowsFile, { force: true });
// The load average misses a virtual machine's host taking its cores away: the stall probe
// (stalls.mjs) says how much that stopped busy threads, at the start and at the end; and the
// wake-up probe (wake-latency.mjs) the least each sleep of a blocking call costs here; the
// cache-line probe (line-trip.mjs) how long a cache line takes to go from one core to another
// and back, which on this machine was 3-5 times longer in some spells that the stall probe did
// not see.
const probes = async () =>
  `${describeStalls(await measureStalls())}; ${describeWakeLatency(await measureWakeLatency())}; ${describeLineTrip(await measureLineTrip())}`;
const startedOn = `${machine()}; ${await probes()}`;
const startedAt = performance.now();
console.log(`machine: ${startedOn}`);

let failed = 0;
for (const name of files) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, name)], {
    stdio: 'inherit',
    env: { ...process.env, BATON_BENCH_ROWS: rowsFile },
  });
  if (result.status !== 0) failed++;
}
if (files.length === 0) console.log('no benchmarks found');

// The summary: one row per line of the performance table (issue 15), with its target and the
// ratio measured in this run (bigger is better for Baton; "met" compares it with the target).
const rows = existsSync(rowsFile)
  ? readFileSync(rowsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
rmSync(rowsFile, { force: true });
if (rows.length > 0) {
  console.log('\n=== summary: Baton beside its peers, this run ===');
  console.log(`machine at start: ${startedOn}`);
  console.log(`machine at end: ${machine()}; ${await probes()}`);
  console.log(
    '(a load average near or above the core count, or busy threads stalled more than a few per cent, means the figures are noisy;',
  );
  console.log(
    'a wake-up is the least each sleep of a blocking call costs; a pair far below the others shared a core;',
  );
  console.log(
    "a cache line's round trip far above the run's others was, on this machine, a spell in which two-worker figures fell, the peers' too; a spell can start and end between two probes)",
  );
  console.table(
    rows.map((row) => ({
      what: row.what,
      Baton: row.baton,
      peer: row.peer,
      ratio: `${Number(row.ratio).toFixed(2)}x`,
      target: row.target,
      met: row.ok === undefined ? '' : row.ok ? 'yes' : 'NO',
    })),
  );
}
// The same rows as a Markdown table, for the README's performance section: written to a file
// beside the rows (its path printed), not to the console, which has the table above.
if (rows.length > 0) {
  const cell = (text) => String(text).replaceAll('|', '\\|');
  const lines = [
    '| what | Baton | peer | ratio | target | met |',
    '| --- | --- | --- | ---: | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${cell(row.what)} | ${cell(row.baton)} | ${cell(row.peer)} | ${Number(row.ratio).toFixed(2)}x | ${cell(row.target)} | ${row.ok === undefined ? '' : row.ok ? 'yes' : 'NO'} |`,
    ),
  ];
  const markdown = join(tmpdir(), `baton-bench-summary-${process.pid}.md`);
  writeFileSync(markdown, `${lines.join('\n')}\n`);
  console.log(`summary as Markdown: ${markdown}`);
}
const minutes = (performance.now() - startedAt) / 60_000;
console.log(
  `\n${files.length} bench file(s) in ${minutes.toFixed(1)} min` +
    (failed > 0 ? `; ${failed} failed (see above)` : ''),
);
process.exit(failed > 0 ? 1 : 0);
