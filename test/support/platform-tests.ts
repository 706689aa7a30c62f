import { test } from 'bun:test'

/**
 * A test of POSIX behaviour inside a file that otherwise runs everywhere: signals
 * a handler can catch (Windows ends the process instead), `ps` to tell a process
 * by its command line. Whole files of such tests are named *.posix.test.ts.
 */
export const posixTest = test.skipIf(process.platform === 'win32')

/**
 * A test of what the Desktop commands do away from a Mac (no codesign, no
 * /Applications, no plutil): on a Mac the same command runs the real tools, which
 * the macOS-only tests and a real Mac cover instead.
 */
export const awayFromMacTest = test.skipIf(process.platform === 'darwin')
