// A user's project: the packed tarballs installed outside the workspace, every README block
// type-checked (and run, unless marked otherwise), type tests, the lesson three ways,
// require() from CommonJS, and publint / arethetypeswrong on each tarball.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allBlocks, describeDiagnostic, prepare } from '../lib/consumer.mjs';
import { publicPackages } from '../lib/project.mjs';
import { headingAnchors } from '../lib/readme.mjs';
import { node, runModule, runVitest } from '../lib/run.mjs';

// Collected at load time (cheap: reads the READMEs) so that each block is a test of its own.
const blocks = allBlocks();

type Prepared = Awaited<ReturnType<typeof prepare>>;
let project: Prepared;

beforeAll(async () => {
  project = await prepare({ blocks, log: (line) => console.log(`consumer: ${line}`) });
});

afterAll(() => {
  // Keep the project for a look with BATON_KEEP_CONSUMER=1.
  if (project && !process.env['BATON_KEEP_CONSUMER']) {
    rmSync(project.dir, { recursive: true, force: true });
  }
});

/** The diagnostics of the files for which `pick` is true, as lines pointing into READMEs. */
function errorsIn(pick: (file: string) => boolean): string[] {
  return project.diagnostics
    .filter((d) => d.file !== undefined && pick(d.file))
    .map((d) => describeDiagnostic(d, project.blocks, project.dir));
}

let vitestRun: ReturnType<typeof runVitest> | undefined;
/** One vitest run over every `test` block, shared by their tests. */
function vitestBlocks() {
  vitestRun ??= runVitest(
    project.dir,
    project.blocks.filter((b) => b.test && b.run && b.out).map((b) => b.out as string),
  );
  return vitestRun;
}

describe('README blocks', () => {
  it('finds the blocks of every public package README', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  it('has no errors outside the blocks and fixtures (global diagnostics)', () => {
    const global = project.diagnostics.filter((d) => d.file === undefined);
    expect(global.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  });

  for (const original of blocks) {
    const label = `${original.readme.split('/packages/')[1]}:${original.line} \`\`\`${original.info}`;
    // Concurrent: each block runs in its own node process (vitest caps it at maxConcurrency).
    it.concurrent(label, async () => {
      const block = project.blocks.find(
        (b) => b.readme === original.readme && b.line === original.line,
      );
      expect(block, 'block placed in the project').toBeDefined();
      if (!block) return;
      const errors = errorsIn((file) => file === block.source);
      if (block.fails.length > 0) {
        const codes = project.diagnostics.filter((d) => d.file === block.source).map((d) => d.code);
        expect(errors.length, 'a block marked `fails:` must not compile').toBeGreaterThan(0);
        for (const code of block.fails) expect(codes, `expected ${code}`).toContain(code);
        return;
      }
      expect(errors).toEqual([]);
      if (!block.run || block.out === undefined) return;
      if (block.test) {
        const { report } = await vitestBlocks();
        const result = report.testResults.find((r: { name: string }) => r.name === block.out);
        expect(result, `vitest ran ${block.out}`).toBeDefined();
        const tests: { status: string; failureMessages: string[] }[] = result.assertionResults;
        expect(tests.length).toBeGreaterThan(0);
        if (block.throws) {
          for (const t of tests) {
            expect(t.status).toBe('failed');
            expect(t.failureMessages.join('\n')).toContain(block.throws);
          }
        } else {
          expect(result.message ?? '').toBe('');
          expect(
            tests.filter((t) => t.status !== 'passed').map((t) => t.failureMessages.join('\n')),
          ).toEqual([]);
        }
        return;
      }
      const outcome = await runModule(project.dir, block.out, block.throws);
      expect(outcome.timedOut, `${block.name} did not exit within 30 s`).toBe(false);
      expect(outcome.code, outcome.stderr).toBe(0);
    });
  }
});

describe('types', () => {
  it('pipeline and handle type tests compile (each @ts-expect-error is used)', () => {
    expect(existsSync(join(project.dir, 'src/types'))).toBe(true);
    expect(errorsIn((file) => file.includes('/src/types/'))).toEqual([]);
  });

  it('the shipped .d.ts compile for a browser project (lib ES2022 + DOM, no Node types, no esnext.disposable)', () => {
    expect(errorsIn((file) => file.includes('/src/dom/browser-types'))).toEqual([]);
    expect(errorsIn((file) => file.includes('/node_modules/@baton/'))).toEqual([]);
  });

  it('the lesson and require fixtures compile', () => {
    expect(errorsIn((file) => /\/src\/(lesson\/|require)/.test(file))).toEqual([]);
  });
});

describe('the lesson, three ways, from the installed tarballs', () => {
  for (const way of ['queue', 'shared', 'pipeline']) {
    it(way, async () => {
      const outcome = await node([join(project.dir, 'out/lesson', `${way}.js`)], {
        cwd: project.dir,
      });
      expect(outcome.stderr).not.toMatch(/Error/);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toContain('consumed 10 messages, in order');
    });
  }
});

describe('packaging', () => {
  it('core and the testkit can be required from CommonJS', async () => {
    const outcome = await node([join(project.dir, 'out/require.cjs')], { cwd: project.dir });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain('required @baton/core from CommonJS: from CommonJS');
    expect(outcome.stdout).toContain('required @baton/testkit from CommonJS');
  });

  it("core's shipped examples run from the installed package", async () => {
    const outcome = await node(
      [join(project.dir, 'node_modules/@baton/core/examples/lesson/queue-and-event.mjs')],
      { cwd: project.dir },
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/^produced \[\[/);
  });

  it('core ships the bundled Node worker bootstrap its worker stages start from', async () => {
    // Without it, worker stages still run (from dist/pipeline/worker.js and its ~40 modules),
    // so the lesson above would pass: only the file list shows that the build's bundle step ran.
    const tarball = project.tarballs.get('@baton/core');
    expect(tarball).toBeDefined();
    const list = await node(['-e', LIST_TARBALL, tarball!], { cwd: project.dir });
    const files: string[] = JSON.parse(list.stdout);
    expect(files).toContain('package/dist/pipeline/node-worker.js');
    expect(files).toContain('package/dist/pipeline/node-worker-bundle.js');
    expect(files).toContain('package/dist/pipeline/worker.js');
  });

  it('README links are absolute or point at a file in the tarball, and at a heading there', async () => {
    for (const [name, tarball] of project.tarballs) {
      const list = await node(['-e', LIST_TARBALL, tarball], { cwd: project.dir });
      const files = new Set<string>(JSON.parse(list.stdout));
      const installed = join(project.dir, 'node_modules', name);
      const readme = join(installed, 'README.md');
      if (!existsSync(readme)) continue; // reported by the next test
      const links = [...readFileSync(readme, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)].map(
        (m) => m[1]!,
      );
      const relative = links.filter((link) => !/^(https?:|mailto:)/.test(link));
      const fileOf = (link: string) => link.replace(/^\.\//, '').replace(/#.*$/, '');
      const broken = relative.filter(
        (link) => !link.startsWith('#') && !files.has(`package/${fileOf(link)}`),
      );
      expect(broken, `${name}: relative links to files the package does not ship`).toEqual([]);
      // `#anchor` and `./FILE.md#anchor`: the heading must exist, or the link lands at the top.
      const missing = relative.filter((link) => {
        const hash = link.indexOf('#');
        if (hash < 0 || !/\.md$/.test(fileOf(link) || 'README.md')) return false;
        const target = join(installed, fileOf(link) || 'README.md');
        return !headingAnchors(readFileSync(target, 'utf8')).has(link.slice(hash + 1));
      });
      expect(missing, `${name}: links to headings that are not there`).toEqual([]);
    }
  });

  it('every tarball has its README, LICENSE and an engines field', async () => {
    for (const [name, tarball] of project.tarballs) {
      const list = await node(['-e', LIST_TARBALL, tarball], { cwd: project.dir });
      const files: string[] = JSON.parse(list.stdout);
      expect(files, name).toContain('package/README.md');
      expect(files, name).toContain('package/LICENSE');
      const installed = join(project.dir, 'node_modules', name, 'package.json');
      const pkg = JSON.parse(await (await import('node:fs/promises')).readFile(installed, 'utf8'));
      expect(pkg.engines?.node, name).toMatch(/^>=20\.(1[6-9]|[2-9]\d)/);
    }
  });

  // In this process, one package after another: on a loaded 2-core machine, three attw CLIs at
  // once (each loading its own TypeScript) took over a minute each.
  describe.each(publicPackages().map((p) => p.name))('%s', (name) => {
    it('passes publint --strict', async () => {
      const { publint } = await import('publint');
      const { formatMessage } = await import('publint/utils');
      const tarball = readFileSync(project.tarballs.get(name)!);
      const { messages, pkg } = await publint({
        pack: {
          tarball: tarball.buffer.slice(
            tarball.byteOffset,
            tarball.byteOffset + tarball.byteLength,
          ),
        },
        strict: true,
      });
      expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
    });

    it('passes arethetypeswrong (ESM-only: require() works through require(esm), tested above)', async () => {
      const { checkPackage, createPackageFromTarballData } = await import('@arethetypeswrong/core');
      const result = await checkPackage(
        createPackageFromTarballData(new Uint8Array(readFileSync(project.tarballs.get(name)!))),
      );
      expect(result.types, 'the package has types').not.toBe(false);
      const problems = 'problems' in result ? result.problems : [];
      // attw models Node 16, where require() of an ES module fails; Node 20.19+ and 22.12+ load
      // it (the CommonJS test above does), so this one kind does not apply.
      const real = problems.filter((problem) => problem.kind !== 'CJSResolvesToESM');
      expect(real.map((problem) => JSON.stringify(problem))).toEqual([]);
    });
  });
});

/** Lists a tarball's entries (node has no tar reader; gunzip and read the 512-byte headers). */
const LIST_TARBALL = `
const { gunzipSync } = require('node:zlib');
const data = gunzipSync(require('node:fs').readFileSync(process.argv[1]));
const names = [];
for (let at = 0; at + 512 <= data.length; ) {
  const name = data.subarray(at, at + 100).toString('utf8').replace(/\\0.*$/s, '');
  if (!name) break;
  const size = parseInt(data.subarray(at + 124, at + 136).toString('utf8').trim() || '0', 8);
  names.push(name);
  at += 512 + Math.ceil(size / 512) * 512;
}
console.log(JSON.stringify(names));
`;
