import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/**
 * Headless Chromium (the Debian package, driven by playwright-core) with a fresh profile, for
 * tests that open the service's pages as an operator would. CHROMIUM_PATH overrides the binary.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export interface HeadlessChromium {
  /** The browser's one context, on a fresh user-data-dir: open pages with `newPage()`. */
  context: BrowserContext;
  close(): Promise<void>;
}

/** A host name that is not `localhost` (which Chromium treats as secure) and resolves to 127.0.0.1 in the browser. */
export const LOCAL_HOST_NAME = 'energy.test';

/** What the page sees of its browser: the time zone and locale it formats in, the window size. */
export interface BrowserOptions {
  timezoneId?: string;
  locale?: string;
  viewport?: { width: number; height: number };
}

export async function launchChromium(options: BrowserOptions = {}): Promise<HeadlessChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'energy-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    acceptDownloads: true,
    ...options,
    args: [...ARGS, `--host-resolver-rules=MAP ${LOCAL_HOST_NAME} 127.0.0.1`],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
