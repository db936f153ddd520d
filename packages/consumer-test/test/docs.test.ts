// `pnpm docs` (TypeDoc over the packages' doc comments) must build with no broken link: an
// unresolved {@link}, a relative link in a README that points nowhere, or a rewritten link that
// goes missing is a warning, and typedoc.base.json makes every warning an error.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from '../lib/project.mjs';
import { node } from '../lib/run.mjs';

describe('API reference', () => {
  it('builds from the doc comments with no broken links (typedoc, warnings are errors)', async () => {
    const outcome = await node(
      [join(workspace, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'],
      { cwd: workspace, ms: 240_000 },
    );
    expect(outcome.timedOut).toBe(false);
    expect(outcome.stdout + outcome.stderr).not.toMatch(/\[warning\]|\[error\]/);
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0);
  }, 300_000);
});
