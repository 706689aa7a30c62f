import { closeSync, constants, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Writes a file so that a crash leaves either the old or the new content,
 * never half of each: temp file in the same directory, fsync, rename.
 * Keeps the existing file's mode (auth.json is 0600), else uses `mode`.
 */
export function writeFileAtomic(path: string, content: string, options: { mode?: number } = {}): void {
  mkdirSync(dirname(path), { recursive: true })
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : (options.mode ?? 0o644)
  const temp = `${path}.codex-shim-${process.pid}-${Date.now()}.tmp`
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
  try {
    writeSync(fd, content)
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    unlinkSync(temp)
    throw error
  }
  closeSync(fd)
  try {
    renameSync(temp, path)
  } catch (error) {
    unlinkSync(temp)
    throw error
  }
}

/** Copies the current file to `<path>.codex-shim.bak` (mode kept) before we change it. */
export function backupFile(path: string): string | null {
  if (!existsSync(path)) return null
  const backup = `${path}.codex-shim.bak`
  copyFileSync(path, backup)
  return backup
}
