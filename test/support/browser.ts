import { chromium, type Browser } from 'playwright-core'
import { findChromium } from '../../scripts/ensure-chromium.ts'

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** The system Chromium (see scripts/ensure-chromium.ts); a missing one fails the test, never skips it. */
export function chromiumPath(): string {
  const path = findChromium()
  if (!path) throw new Error('No Chromium for the browser tests: run `bun scripts/ensure-chromium.ts` (or set CHROMIUM_PATH).')
  return path
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
}
