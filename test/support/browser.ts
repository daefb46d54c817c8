import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium), or MIM_CHROMIUM; browser downloads do not work here. */
export const CHROMIUM = process.env.MIM_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run. CI installs Chromium and must run them, so there a missing
 * browser fails; on a workstation without it they are skipped with a note saying how to add it.
 */
export function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`no Chromium at ${CHROMIUM}: CI installs it with apt-get install chromium (see .ci/run)`);
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set MIM_CHROMIUM)`);
  return false;
}

/** Headless Chromium with JavaScript on, kept off the network beyond loopback. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
