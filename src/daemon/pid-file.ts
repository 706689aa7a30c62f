import type * as NodeFs from 'node:fs'
import { shimPaths } from '../paths.ts'

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

export async function readPidFile(): Promise<DaemonInfo | null> {
  try {
    return parsePidFile(await Bun.file(shimPaths.pidFile()).text())
  } catch {
    return null
  }
}

/**
 * Written on the proxy's start path through Bun's own file API: node:fs, which
 * the usual atomic write (a temporary file, then a rename) needs, costs a start
 * ~2 ms to import, and Bun has no rename of its own. Not atomic, and it need
 * not be: any part of a record short of the whole of it is not JSON, so a
 * reader that catches the write half done sees no daemon, as it did an instant
 * before the write began. The old file goes first, so the new one is created
 * afresh (a symlink left in its place is removed, not followed), and the umask
 * makes it 0600 (Bun's write ignores a mode) in a 0700 folder when it creates one
 * (the umask is the process's: a file some request creates meanwhile is only made more private).
 */
export async function writePidFile(info: DaemonInfo): Promise<void> {
  const path = shimPaths.pidFile()
  await Bun.file(path).delete().catch(() => {})
  // Windows has no modes to set (a user's profile is private already): no umask there.
  const umask = process.platform === 'win32' ? null : process.umask(0o077)
  try {
    await Bun.write(path, `${JSON.stringify(info, null, 2)}\n`)
  } finally {
    if (umask !== null) process.umask(umask)
  }
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
