/**
 * An agent's registry state (its registries, its default one, its name) lives on one versioned
 * global, so that every copy of core in a thread keeps one identity in a registry: a Node
 * worker stage runs a bundled copy of core (dist/pipeline/node-worker-bundle.js), and its stage module
 * imports the installed one. Second module instances of the registry modules (the same files
 * under another URL) stand in for a second copy here; test/pipeline/workers.test.ts checks the
 * bundled bootstrap itself.
 */
import { describe, expect, it } from 'vitest';
import { REGISTRY_VERSION } from '../../src/shared/registry/layout.js';
import {
  REGISTRY_STATE_KEY,
  registryState,
  type RegistryState,
} from '../../src/shared/registry/state.js';
import { SharedRegistry } from '../../src/shared/registry/table.js';
import * as registry from '../../src/shared/registry/default.js';

type State = typeof import('../../src/shared/registry/state.js');
type Table = typeof import('../../src/shared/registry/table.js');
type Default = typeof import('../../src/shared/registry/default.js');

/** Another module instance of `file` (a query makes one, with module state of its own). */
async function secondCopy<T>(file: string): Promise<T> {
  return (await import(
    new URL(`../../src/shared/registry/${file}.ts?copy=2`, import.meta.url).href
  )) as T;
}

describe("an agent's registry state", () => {
  it('lives on globalThis under Symbol.for("baton.registry.v<layout>"), not enumerable', () => {
    expect(REGISTRY_STATE_KEY).toBe(Symbol.for(`baton.registry.v${REGISTRY_VERSION}`));
    const found = (globalThis as unknown as Record<symbol, RegistryState | undefined>)[
      REGISTRY_STATE_KEY
    ];
    expect(found).toBe(registryState);
    expect(found?.version).toBe(REGISTRY_VERSION);
    expect(Object.keys(globalThis)).not.toContain(String(REGISTRY_STATE_KEY));
  });

  it('is found by a second copy: one state object', async () => {
    const copy = await secondCopy<State>('state');
    expect(copy).not.toBe(await import('../../src/shared/registry/state.js'));
    expect(copy.registryState).toBe(registryState);
  });

  it("gives a second copy this agent's registry instance, its default registry and its name", async () => {
    const table = await secondCopy<Table>('table');
    const other = await secondCopy<Default>('default');
    expect(table.SharedRegistry).not.toBe(SharedRegistry);
    const mine = SharedRegistry.create({ maxAgents: 4, maxPrimitives: 4 });
    // The same registry from the other copy is the same instance: one agent row, one identity.
    expect(table.SharedRegistry.from(mine.buffer)).toBe(mine);
    const id = mine.agentId;
    expect(table.SharedRegistry.from(mine.handle).agentId).toBe(id);
    // The default registry and the agent's name are shared too.
    expect(other.sharedRegistry()).toBe(registry.sharedRegistry());
    other.registerAgent('renamed by the second copy');
    expect(mine.snapshot().agents.map((a) => a.name)).toEqual(['renamed by the second copy']);
    registry.registerAgent('main');
    expect(mine.snapshot().agents.map((a) => a.name)).toEqual(['main']);
  });
});
