import { closeSync, constants, copyFileSync, existsSync, fchmodSync, fchownSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Whole-file replacement for files inside the app bundle: write a temp file
 * beside the target, fsync, rename over it. A kill at any point leaves the
 * old file or the new one; a leftover temp is swept by the next run.
 */

const TEMP_INFIX = '.codex-shim-'
const TEMP_SUFFIX = '.tmp'

export function tempPathFor(target: string): string {
  return join(dirname(target), `${basename(target)}${TEMP_INFIX}${process.pid}${TEMP_SUFFIX}`)
}

/** Removes temps an earlier, killed run left beside `target` (only names we make). */
export function sweepStaleTemps(target: string): void {
  const dir = dirname(target)
  if (!existsSync(dir)) return
  const prefix = `${basename(target)}${TEMP_INFIX}`
  for (const name of readdirSync(dir)) {
    if (name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX)) rmSync(join(dir, name), { force: true })
  }
}

/** Keeps the target's mode, and its owner when we run as root (sudo must not leave root-owned app files). */
function matchOriginal(fd: number, target: string): void {
  if (!existsSync(target)) return
  const stats = statSync(target)
  if (process.getuid?.() === 0) fchownSync(fd, stats.uid, stats.gid)
}

export function writeThroughTemp(target: string, write: (fd: number) => void, verify?: (temp: string) => void): void {
  const temp = tempPathFor(target)
  const mode = existsSync(target) ? statSync(target).mode & 0o777 : 0o644
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
  try {
    // open()'s mode passes through the umask: under umask 077 app.asar would come out 0600,
    // unreadable to every other account on the Mac. The target's own mode is set exactly.
    if (process.platform !== 'win32') fchmodSync(fd, mode)
    matchOriginal(fd, target)
    write(fd)
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    rmSync(temp, { force: true })
    throw error
  }
  closeSync(fd)
  try {
    verify?.(temp)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
  renameOver(temp, target)
}

/** Copies `source` over `target` the same way (restore, framework digest edits). */
export function copyThroughTemp(source: string, target: string, edit?: (temp: string) => void): void {
  const temp = tempPathFor(target)
  try {
    copyFileSync(source, temp, constants.COPYFILE_FICLONE)
    if (existsSync(target)) {
      const fd = openSync(temp, 'r+')
      try {
        matchOriginal(fd, target)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
    }
    edit?.(temp)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
  renameOver(temp, target)
}

function renameOver(temp: string, target: string): void {
  try {
    renameSync(temp, target)
  } catch (error) {
    unlinkSync(temp)
    throw error
  }
  // The rename itself must reach the disk before we report success.
  syncDirectory(dirname(target))
}

/** Flushes a file's bytes to disk: a copy that must survive a crash right after it is made. */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r')
  try { fsyncSync(fd) } finally { closeSync(fd) }
}

/** Flushes a directory's entries (a rename, a new file) to disk. */
export function syncDirectory(path: string): void {
  try {
    syncFile(path)
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}
