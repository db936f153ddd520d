// What keep-build.mjs and compare-builds.mjs both need to know of a build.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of the files below `dir`, in ms. */
function newest(dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) time = Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return time;
}

/** Whether a file of the package at `root` changed under src/ since dist/ was last written. */
export function distIsStale(root) {
  return newest(join(root, 'src')) > newest(join(root, 'dist'));
}
