// The Vite plugin `batonStages()` (@baton/core/vite): `import url from './stage.ts?stage'` gives
// a URL a worker stage can import, in `vite build` (a compiled chunk that keeps its exports)
// and in `vite dev` (the dev server's URL of the file, compiled when requested).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, createServer } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import type * as Core from '../../src/index.js';
import { batonStages } from '../../src/vite.js';

const core = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Core;
const root = fileURLToPath(new URL('./fixtures/', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'baton-vite-stages-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('batonStages(): .ts stage modules under Vite', () => {
  it('vite build emits the stage as a compiled ES module that a worker stage runs', async () => {
    await build({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [batonStages()],
      build: {
        outDir,
        emptyOutDir: true,
        rollupOptions: { input: join(root, 'vite-entry.js'), preserveEntrySignatures: 'strict' },
      },
    });
    const files = readdirSync(join(outDir, 'assets'));
    const stage = files.find((name) => name.startsWith('typed-stage'));
    const entry = files.find((name) => name.startsWith('vite-entry'));
    expect(stage, files.join(', ')).toBeDefined();
    // The entry's URL names the stage chunk; the chunk is JavaScript that keeps its export.
    expect(readFileSync(join(outDir, 'assets', entry!), 'utf8')).toContain(`/assets/${stage}`);
    const code = readFileSync(join(outDir, 'assets', stage!), 'utf8');
    expect(code).not.toMatch(/interface|: number/);
    const module = { module: pathToFileURL(join(outDir, 'assets', stage!)) };
    const { items } = await core
      .pipeline<{ id: number; qty: number }, unknown>({
        source: [{ id: 3, qty: 2 }],
        stages: [core.map(module, { placement: 'worker' })],
      })
      .run();
    expect(items).toEqual([{ id: 3, total: 5 }]);
  });

  it('vite dev serves the stage by a URL the dev server compiles', async () => {
    const server = await createServer({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [batonStages()],
      server: { middlewareMode: true, hmr: false, ws: false },
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    try {
      const entry = await server.transformRequest('/vite-entry.js');
      const request = /from\s*["']([^"']+\?stage)["']/.exec(entry?.code ?? '')?.[1];
      expect(request, entry?.code).toBeDefined();
      const asked = await server.transformRequest(request!);
      const url = /"(\/@fs\/[^"]+typed-stage\.ts)"/.exec(asked?.code ?? '')?.[1];
      expect(url, asked?.code).toBeDefined();
      const stage = await server.transformRequest(url!);
      expect(stage?.code).toMatch(/export default function price/);
      expect(stage?.code).not.toMatch(/interface Order/);
    } finally {
      await server.close();
    }
  });
});
