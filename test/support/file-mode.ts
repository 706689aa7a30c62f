import { expect } from 'bun:test'
import { statSync } from 'node:fs'

/**
 * Expects a file's POSIX permission bits. Windows has none to check: it reports
 * 0o666 or 0o444 whatever was asked, the code skips chmod there, and a user's
 * profile folder is private already.
 */
export function expectMode(path: string, mode: number): void {
  if (process.platform === 'win32') return
  expect(statSync(path).mode & 0o777).toBe(mode)
}
