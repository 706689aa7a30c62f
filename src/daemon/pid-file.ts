import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
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

export function readPidFile(): DaemonInfo | null {
  const path = shimPaths.pidFile()
  if (!existsSync(path)) return null
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as DaemonInfo
    return typeof info.pid === 'number' && typeof info.port === 'number' ? info : null
  } catch {
    return null
  }
}

/**
 * Temp file and rename, so `status` never reads half of it. No fsync, unlike the user's files:
 * after a crash the process it names is gone anyway, and the sync cost every start several ms.
 */
export function writePidFile(info: DaemonInfo): void {
  const path = shimPaths.pidFile()
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 })
  renameSync(temp, path)
}

/** Removes the pid file only if it still names this process (a newer daemon may own it). */
export function removePidFile(pid = process.pid): void {
  if (readPidFile()?.pid === pid) rmSync(shimPaths.pidFile(), { force: true })
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
