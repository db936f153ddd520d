import type { TestProject } from 'vitest/node';
import { startRedisServer } from '../src/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** Starts one real redis-server (appendonly yes, free port, temp dir) for the test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.stop();
}
