import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless: `npx playwright install` cannot download a browser here.
 * CHROMIUM_PATH points at another binary. The flags keep it from reaching out to the network
 * (updates, sync, QUIC) in the middle of a test.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
