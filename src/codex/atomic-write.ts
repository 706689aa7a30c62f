import { closeSync, constants, copyFileSync, existsSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

export interface WriteOptions {
  /** Mode for a new file (default 0644); an existing file keeps its own. */
  mode?: number
  /** The file holds a secret (token, login): always 0600, whatever it was before. */
  secret?: boolean
  /**
   * Flush to disk before the rename (default). Off only for runtime files whose content a crash
   * makes moot anyway (the pid file): the rename alone still means no reader sees half a file.
   */
  sync?: boolean
}

const TEMP_INFIX = '.codex-shim-'
/** A temp file this old was left by a write that died between open and rename. */
const STRAY_TEMP_AGE_MS = 60_000

/** The file a write lands in: a symlink's final target, so the link survives. */
function writeTarget(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path
  } catch {
    return path // a dangling link or no file: write the path itself
  }
}

/** Removes `<name>.codex-shim-*.tmp` siblings older than a minute (a killed write's leftovers). */
export function removeStrayTemps(path: string, now = Date.now()): void {
  const prefix = `${basename(path)}${TEMP_INFIX}`
  let names: string[]
  try {
    names = readdirSync(dirname(path))
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    const temp = join(dirname(path), name)
    try {
      if (now - statSync(temp).mtimeMs > STRAY_TEMP_AGE_MS) rmSync(temp, { force: true })
    } catch {
      // another writer renamed or removed it meanwhile
    }
  }
}

/**
 * Writes a file so that a crash leaves either the old or the new content,
 * never half of each: temp file in the same directory, fsync, rename.
 * Keeps the existing file's mode, else uses `mode`; `secret` forces 0600
 * (set on the temp file before it holds a byte). A symlink is written
 * through to its target and stays a link.
 */
export function writeFileAtomic(path: string, content: string, options: WriteOptions = {}): void {
  const target = writeTarget(path)
  mkdirSync(dirname(target), { recursive: true })
  removeStrayTemps(target)
  const mode = options.secret ? 0o600 : existsSync(target) ? statSync(target).mode & 0o777 : (options.mode ?? 0o644)
  const temp = `${target}${TEMP_INFIX}${process.pid}-${Date.now()}.tmp`
  // Open with the most restrictive mode, then set the exact one: umask only removes bits.
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  try {
    if (process.platform !== 'win32') fchmodSync(fd, mode)
    writeSync(fd, content)
    if (options.sync !== false) fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    unlinkSync(temp)
    throw error
  }
  closeSync(fd)
  try {
    renameSync(temp, target)
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
