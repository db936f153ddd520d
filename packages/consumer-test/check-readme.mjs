// `node packages/consumer-test/check-readme.mjs [README.md ...]`: the README part of the consumer
// suite, for one README while you write it. Packs and installs the packages like the suite
// (build them first), type-checks the blocks, runs the runnable ones with node and prints one
// line per block. Blocks marked `test` are type-checked only here (the suite runs them in vitest).
import { resolve } from 'node:path';
import { describeDiagnostic, prepare } from './lib/consumer.mjs';
import { runModule } from './lib/run.mjs';

const readmes = process.argv.slice(2).map((file) => resolve(file));
const project = await prepare({
  readmes: readmes.length > 0 ? readmes : undefined,
  log: (line) => console.log(`- ${line}`),
});
let failed = 0;
for (const block of project.blocks) {
  const diagnostics = project.diagnostics.filter((d) => d.file === block.source);
  const errors = diagnostics.map(
    (d) => `    ${describeDiagnostic(d, project.blocks, project.dir)}`,
  );
  let verdict = 'ok';
  if (block.fails.length > 0) {
    const missing = block.fails.filter((code) => !diagnostics.some((d) => d.code === code));
    verdict = missing.length === 0 ? 'ok (fails as marked)' : `FAILED: no ${missing.join(', ')}`;
  } else if (errors.length > 0) {
    verdict = `FAILED to compile:\n${errors.join('\n')}`;
  } else if (block.run && !block.test && block.out) {
    const outcome = await runModule(project.dir, block.out, block.throws);
    if (outcome.timedOut) verdict = 'FAILED: did not exit within 30 s';
    else if (outcome.code !== 0) verdict = `FAILED when run:\n${outcome.stderr.trim()}`;
  }
  if (verdict.startsWith('FAILED')) failed++;
  console.log(`${block.name} \`\`\`${block.info}: ${verdict}`);
}
console.log(`${project.blocks.length} blocks, ${failed} failed (project: ${project.dir})`);
process.exitCode = failed > 0 ? 1 : 0;
