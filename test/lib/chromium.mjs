import { chromium } from 'playwright-core';

/**
 * Debian's Chromium for the scripts that drive the dashboard (bench/dashboard.mjs,
 * scripts/screenshots.mjs): as root it needs --no-sandbox, and on a closed network the other
 * flags keep it from calling out. CHROMIUM_PATH overrides the binary. (The tests' launcher,
 * test/support/browser.ts, uses the same flags with a persistent profile.)
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}
