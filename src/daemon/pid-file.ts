import { existsSync, readFileSync, rmSync } from 'node:fs'
import { writeFileAtomic } from '../codex/atomic-write.ts'
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
 * Atomic like every file we write, so `status` never reads half of it, but without the fsync:
 * after a crash the process it names is gone anyway, and the sync cost every start several ms.
 */
export function writePidFile(info: DaemonInfo): void {
  writeFileAtomic(shimPaths.pidFile(), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600, sync: false })
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
