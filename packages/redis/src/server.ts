/**
 * {@link startRedisServer}: runs a private `redis-server` (Debian's package) on a free local
 * port in a temporary directory, for tests, demos and benchmarks. Not needed in production,
 * where Redis runs on its own.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running `redis-server` started by {@link startRedisServer}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Its working directory (the append-only file lives here). */
  readonly dir: string;
  /**
   * Stops it (SIGTERM: Redis writes its append-only file and exits) and starts it again on the
   * same port and directory, so it reloads what it had. Resolves once it accepts connections.
   */
  restart(): Promise<void>;
  /** Stops it and deletes its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The executable. Default `redis-server` on the `PATH`. */
  command?: string;
  /** Fsync the append-only file after every write (default `true`: nothing acknowledged is lost). */
  fsyncAlways?: boolean;
  /** Milliseconds to wait for it to accept connections. Default 30 000. */
  startTimeout?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(
  command: string,
  port: number,
  dir: string,
  fsyncAlways: boolean,
  startTimeout: number,
): Promise<ChildProcess> {
  const child = spawn(
    command,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      fsyncAlways ? 'always' : 'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within ${startTimeout} ms:\n${output}`));
    }, startTimeout);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot run ${command}: ${error.message} (install Redis 7, e.g. Debian's ` +
            '`apt-get install redis-server`, or pass options.command)',
          { cause: error },
        ),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1, in a new temporary directory, with
 * `appendonly yes`. Resolves once it accepts connections.
 *
 * @example
 * ```ts
 * import { RedisQueue, startRedisServer } from '@baton/redis';
 *
 * const server = await startRedisServer();
 * const queue = await RedisQueue.open<string>({ name: 'jobs', redis: server.url, codec: 'utf8' });
 * await queue.put('hello');
 * await queue.disconnect();
 * await server.stop();
 * ```
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const command = options.command ?? 'redis-server';
  const fsyncAlways = options.fsyncAlways ?? true;
  const startTimeout = options.startTimeout ?? 30_000;
  const dir = await mkdtemp(join(tmpdir(), 'baton-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // Another program may take the free port between the check and the start: try a few.
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(command, port, dir, fsyncAlways, startTimeout);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('Address already in use')) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let current: ChildProcess = child;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async restart() {
      await stopChild(current);
      current = await launch(command, port, dir, fsyncAlways, startTimeout);
    },
    async stop() {
      await stopChild(current);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
