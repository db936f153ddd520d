/**
 * Facts about the current agent (the main thread or one worker) that the registry records:
 * whether it is a main thread, its Node `threadId`, and a default name.
 *
 * @module
 */

interface NodeWorkerThreads {
  readonly threadId: number;
  readonly isMainThread: boolean;
}

/** Node's `worker_threads`, reached without an import so that browsers never see one. */
function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  } catch {
    return undefined;
  }
}

/** This agent's Node thread id (0 on the main thread), or -1 outside Node. */
export function threadId(): number {
  return nodeWorkerThreads()?.threadId ?? -1;
}

/** Whether this agent is a main thread (Node's, or a browser window's). */
export function isMainThread(): boolean {
  const node = nodeWorkerThreads();
  if (node !== undefined) return node.isMainThread;
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

/** The name an agent gets when it did not call `registerAgent(name)`. */
export function defaultAgentName(id: number): string {
  if (isMainThread()) return 'main';
  const node = nodeWorkerThreads();
  if (node !== undefined) return `worker ${node.threadId}`;
  const named = (globalThis as { name?: unknown }).name;
  return typeof named === 'string' && named !== '' ? named : `worker ${id}`;
}
