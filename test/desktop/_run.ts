import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

const runner = join(import.meta.dir, '_runner.ts')

export interface Run { code: number; stdout: string; stderr: string; output: string }

/** A fresh ~/.codex-shim for one test. */
export function freshShimHome(root: string): string {
  const home = join(root, 'shim-home')
  mkdirSync(home, { recursive: true })
  return home
}

export function runDesktop(args: string[], shimHome: string): Run {
  const result = Bun.spawnSync([process.execPath, runner, ...args], {
    env: { ...process.env, CODEX_SHIM_HOME: shimHome, NO_COLOR: '1' },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 60_000,
  })
  const stdout = result.stdout.toString()
  const stderr = result.stderr.toString()
  return { code: result.exitCode ?? -1, stdout, stderr, output: stdout + stderr }
}

export function spawnDesktop(args: string[], shimHome: string) {
  return Bun.spawn([process.execPath, runner, ...args], { env: { ...process.env, CODEX_SHIM_HOME: shimHome, NO_COLOR: '1' }, stdout: 'pipe', stderr: 'pipe' })
}
