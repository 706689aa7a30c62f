import { existsSync, statfsSync } from 'node:fs'
import { dirname } from 'node:path'

export interface RunResult { code: number; stdout: string; stderr: string }

/**
 * What patch-app needs from the machine, injectable so tests can play macOS
 * (codesign, PlistBuddy) or a full disk on a Linux runner.
 */
export interface DesktopHost {
  platform: NodeJS.Platform
  /** Runs a program without a shell; never used with secrets on the command line. */
  run(command: string[]): RunResult
  /** Bytes free for an unprivileged writer on the filesystem holding `path` (or its nearest existing parent). */
  freeBytes(path: string): number
}

export const systemHost: DesktopHost = {
  platform: process.platform,
  run(command) {
    const result = Bun.spawnSync(command, { stdout: 'pipe', stderr: 'pipe' })
    return { code: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
  },
  freeBytes(path) {
    let existing = path
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
    const stats = statfsSync(existing)
    return Number(stats.bavail) * Number(stats.bsize)
  },
}
