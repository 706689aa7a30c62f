import { chmodSync, closeSync, fstatSync, openSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { shimHome, shimPaths } from '../paths.ts'

/** A log past this size moves to `<log>.1` (replacing the one before) and starts over. */
export const LOG_MAX_BYTES = 10 * 1024 * 1024
const CHECK_EVERY_MS = 10 * 60_000

/**
 * Moves a log past `maxBytes` to `<path>.1` and empties it in place: its
 * writers hold it open for appending (the daemon's stdout, launchd's), so the
 * file is copied and truncated rather than renamed, and their next line starts
 * the new one. Lines written between the copy and the truncation are lost (a
 * few milliseconds once per `maxBytes`). The copy is private from its first
 * byte, as the log is: it is written to a file created 0600 and renamed into
 * place, and a copy cut short (a full disk) is removed, not left readable.
 */
export async function rotateIfLarge(path: string, maxBytes = LOG_MAX_BYTES): Promise<boolean> {
  if (Bun.file(path).size < maxBytes) return false
  const previous = `${path}.1`
  const partial = `${previous}.partial`
  rmSync(partial, { force: true })
  closeSync(openSync(partial, 'wx', 0o600))
  chmodSync(partial, 0o600) // the umask may have taken bits off; never added any
  try {
    await Bun.write(partial, Bun.file(path))
    renameSync(partial, previous)
  } catch (error) {
    rmSync(partial, { force: true })
    throw error
  }
  truncateSync(path, 0)
  return true
}

/** Of `candidates`, the file this process's stdout appends to (same device and inode); null for a terminal, a pipe or the journal. */
export function stdoutLogFile(candidates: readonly string[], fd = 1): string | null {
  let out: ReturnType<typeof fstatSync>
  try {
    out = fstatSync(fd)
  } catch {
    return null
  }
  if (!out.isFile()) return null
  for (const candidate of candidates) {
    try {
      const stat = statSync(candidate)
      if (stat.ino === out.ino && stat.dev === out.dev) return candidate
    } catch {
      // not there
    }
  }
  return null
}

/** The logs codex-shim's own services write: `start`'s daemon, and the LaunchAgent's (service/launchd.ts). */
export const knownLogFiles = (): string[] => [shimPaths.logFile(), join(shimHome(), 'service.log')]

/**
 * Keeps the log this proxy writes to under LOG_MAX_BYTES, checking every ten
 * minutes: a daemon or login service runs for months, and at one line per
 * request its log grew without end. Nothing to do when stdout is not one of
 * our log files (a terminal, systemd's journal).
 */
export function watchOwnLog(onRotate: (path: string) => void = () => {}): () => void {
  const check = () => {
    const path = stdoutLogFile(knownLogFiles())
    if (path) void rotateIfLarge(path).then((rotated) => rotated && onRotate(path), () => {})
  }
  check()
  const timer = setInterval(check, CHECK_EVERY_MS)
  timer.unref()
  return () => clearInterval(timer)
}
