// Makes sure the e2e suite has a Chromium to drive. On Debian as root it installs Debian's
// `chromium` package itself; elsewhere it says in one line how to get one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './browser.mjs';

const found = await findChromium();
if (found) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get')) {
  console.log("e2e: no Chromium found; installing Debian's chromium package with apt-get");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  if (await findChromium()) process.exit(0);
}

console.error(
  'e2e: no Chromium found. Set PLAYWRIGHT_CHROMIUM_EXECUTABLE, install one (Debian: apt-get install -y chromium), or run `pnpm --filter @baton/e2e exec playwright install chromium`.',
);
process.exit(1);
