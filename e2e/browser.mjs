// Which Chromium the e2e suite drives, in order of preference:
//   1. PLAYWRIGHT_CHROMIUM_EXECUTABLE, when set;
//   2. the system's Chromium (Debian's `chromium` package), when present;
//   3. Playwright's own browser, when `playwright install chromium` has fetched it.
import { existsSync } from 'node:fs';

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];

/** @returns {Promise<{ executablePath: string | undefined, source: string } | undefined>} */
export async function findChromium() {
  const fromEnv = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(`PLAYWRIGHT_CHROMIUM_EXECUTABLE points at ${fromEnv}, which does not exist`);
    }
    return { executablePath: fromEnv, source: 'PLAYWRIGHT_CHROMIUM_EXECUTABLE' };
  }
  const system = SYSTEM_CHROMIUM.find((path) => existsSync(path));
  if (system) return { executablePath: system, source: 'system' };
  try {
    const { chromium } = await import('@playwright/test');
    const own = chromium.executablePath();
    if (own && existsSync(own)) return { executablePath: undefined, source: 'playwright' };
  } catch {
    // Playwright has no browser of its own here.
  }
  return undefined;
}

/** Flags for a headless Chromium on a closed network, run as root in CI. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
