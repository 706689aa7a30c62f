import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

const cli = join(import.meta.dir, '../../src/cli.ts')

export interface CliResult { code: number; stdout: string; stderr: string; output: string }

/** Runs `codex-shim …` as a real process with its own homes. */
export function runCli(args: string[], env: Record<string, string>): CliResult {
  const result = Bun.spawnSync(['bun', cli, ...args], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe', timeout: 60_000 })
  const stdout = result.stdout.toString()
  const stderr = result.stderr.toString()
  return { code: result.exitCode ?? -1, stdout, stderr, output: stdout + stderr }
}

let n = 0
/** Fresh CODEX_SHIM_HOME and CODEX_HOME for one test. */
export function freshHomes(name: string): { CODEX_SHIM_HOME: string; CODEX_HOME: string } {
  const base = join(process.env.CODEX_SHIM_TEST_ROOT!, `cli-${name}-${++n}`)
  const homes = { CODEX_SHIM_HOME: join(base, 'shim'), CODEX_HOME: join(base, 'codex') }
  mkdirSync(homes.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(homes.CODEX_HOME, { recursive: true })
  return homes
}

export const freePort = () => 22000 + Math.floor(Math.random() * 20000)
