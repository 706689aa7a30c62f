/**
 * A small file only this user may read, written on the proxy's start path
 * (the pid file, the record of validated settings) through Bun's own file
 * API: node:fs, which the usual atomic write (a temporary file, then a rename)
 * needs, costs a start ~2 ms to import, and Bun has no rename of its own. So
 * the write is not atomic: each caller's format must make a half-written file
 * read as no file. The old file goes first, so the new one is created afresh
 * (a symlink left in its place is removed, not followed), and a 077 umask
 * makes it 0600 (Bun's write ignores a mode) in a 0700 folder when it creates
 * one. The umask is the process's: a file some request creates meanwhile is
 * only made more private, and writes that overlap restore it once, when the
 * last of them ends.
 */
let writing = 0
let savedUmask: number | null = null

export async function writePrivateFile(path: string, text: string): Promise<void> {
  await Bun.file(path).delete().catch(() => {})
  // Windows has no modes to set (a user's profile is private already): no umask there.
  if (process.platform !== 'win32' && writing++ === 0) savedUmask = process.umask(0o077)
  try {
    await Bun.write(path, text)
  } finally {
    if (process.platform !== 'win32' && --writing === 0 && savedUmask !== null) {
      process.umask(savedUmask)
      savedUmask = null
    }
  }
}
