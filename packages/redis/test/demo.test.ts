// `pnpm demo:redis` end to end: producer and consumer processes whose pipelines meet in a
// RedisQueue (sink in one process, source in another), then a SIGKILLed consumer; the demo's
// own verdicts come from the merged histories.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redisUrl } from './helpers.js';

describe('pnpm demo:redis', () => {
  it('passes every message between processes and ends with a good verdict', async () => {
    const demo = fileURLToPath(new URL('../examples/demo.mjs', import.meta.url));
    const child = spawn(process.execPath, [demo], {
      env: { ...process.env, REDIS_URL: redisUrl() },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a kill reaches the producers and consumers it runs
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // A demo that hangs is killed before the test's own timeout, so that the failure shows what
    // the demo printed up to then instead of a bare timeout.
    const deadline = setTimeout(() => {
      output += '\n[test] the demo was still running after 100 s: killed';
      process.kill(-child.pid!, 'SIGKILL');
    }, 100_000);
    const code = await new Promise((resolve) =>
      child.on('exit', (exit, signal) => resolve(exit ?? signal)),
    );
    clearTimeout(deadline);
    expect(code, output).toBe(0);
    expect(output).toContain('verdict: all 10 messages consumed exactly once');
    expect(output).toMatch(/verdict: all 30 messages consumed at least once; 1 redelivered/);
    expect(output).toContain('(delivery 2: its first consumer died)');
    expect(output).toContain('verdict: nothing lost, duplicates only redeliveries');
  });
});
