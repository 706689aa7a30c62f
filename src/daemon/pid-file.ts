import type * as NodeFs from 'node:fs'
import { fileText } from '../file-text.ts'
import { shimPaths } from '../paths.ts'
import { writePrivateFile } from '../private-file.ts'

export interface DaemonInfo {
  pid: number
  host: string
  port: number
  version: string
  started_at: string
  settings: string | null
  /** With --tunnel: the public URL and the tool serving it. */
  public_url?: string
  tunnel?: string
  /** The tunnel tool's pid: ended by `stop` or the next `start` if the daemon died without ending it. */
  tunnel_pid?: number
}

/** The pid file's text, or null for anything that is not a whole record (absent, empty, cut short, hand-edited). */
export function parsePidFile(text: string): DaemonInfo | null {
  try {
    const info = JSON.parse(text) as DaemonInfo
    return info && typeof info.pid === 'number' && typeof info.port === 'number' ? info : null
  } catch {
    return null
  }
}

/** How often a daemon makes sure its pid file is there and whole (foreground.ts). */
export const PID_FILE_CHECK_S = 15

export async function readPidFile(): Promise<DaemonInfo | null> {
  try {
    return parsePidFile(await fileText(Bun.file(shimPaths.pidFile())))
  } catch {
    return null
  }
}

/**
 * The pid file is there but says nothing usable: cut short, emptied, hand-edited, or not readable
 * by us. A running daemon writes it again (foreground.ts), so commands say to wait, not "not running".
 */
export async function pidFileDamaged(): Promise<boolean> {
  const file = Bun.file(shimPaths.pidFile())
  if (!(await file.exists().catch(() => false))) return false
  try {
    return parsePidFile(await fileText(file)) === null
  } catch (error) {
    return (error as { code?: string }).code !== 'ENOENT'
  }
}

/**
 * Not atomic (private-file.ts), and it need not be: any part of a record short
 * of the whole of it is not JSON, so a reader that catches the write half done
 * sees no daemon, as it did an instant before the write began.
 */
export function writePidFile(info: DaemonInfo): Promise<void> {
  return writePrivateFile(shimPaths.pidFile(), `${JSON.stringify(info, null, 2)}\n`)
}

/**
 * Removes the pid file only if it still names this process (a newer daemon may
 * own it). Synchronous, as it runs just before the process exits; node:fs loads
 * here, at stop, never at start.
 */
export function removePidFile(pid = process.pid): void {
  const fs: typeof NodeFs = require('node:fs')
  const path = shimPaths.pidFile()
  let text: string
  try {
    text = fs.readFileSync(path, 'utf8')
  } catch {
    return
  }
  if (parsePidFile(text)?.pid === pid) fs.rmSync(path, { force: true })
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
