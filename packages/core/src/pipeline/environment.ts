/**
 * Which JavaScript environment we run in. The core has no runtime dependencies and no Node
 * types, so Node is recognised by `process.versions.node` read through `globalThis`.
 *
 * @module
 */

interface NodeGlobal {
  process?: { versions?: { node?: string } };
}

/** Whether this is Node (main thread or a `worker_threads` worker). */
export function isNode(): boolean {
  return typeof (globalThis as NodeGlobal).process?.versions?.node === 'string';
}
