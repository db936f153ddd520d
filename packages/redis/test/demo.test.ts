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
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, output).toBe(0);
    expect(output).toContain('verdict: all 10 messages consumed exactly once');
    expect(output).toMatch(/verdict: all 30 messages consumed at least once; 1 redelivered/);
    expect(output).toContain('(delivery 2: its first consumer died)');
    expect(output).toContain('verdict: nothing lost, duplicates only redeliveries');
  });
});
