// Removes test reports left by an earlier run, so the summary counts only this run's tests
// (turbo restores a cached task's reports, so a cached task still counts).
import { readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';

for (const group of ['packages', 'apps']) {
  if (!existsSync(group)) continue;
  for (const name of readdirSync(group))
    rmSync(join(group, name, 'reports'), { recursive: true, force: true });
}
rmSync('e2e/reports', { recursive: true, force: true });
