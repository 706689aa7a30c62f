import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const cli = join(import.meta.dir, '../../src/cli.ts')

export interface CliResult { code: number; stdout: string; stderr: string; output: string }

let runs = 0

/**
 * Runs `codex-shim …` as a real process with its own homes. Its output goes to
 * files, not pipes: `start` leaves a daemon behind, and on Windows a child
 * inherits its parent's inheritable handles, a pipe's end among them, which
 * would keep the read waiting until the daemon stops.
 */
export function runCli(args: string[], env: Record<string, string>): CliResult {
  const base = join(process.env.CODEX_SHIM_TEST_ROOT!, `cli-output-${++runs}`)
  const result = Bun.spawnSync([process.execPath, cli, ...args], { env: { ...process.env, ...env }, stdout: Bun.file(`${base}.out`), stderr: Bun.file(`${base}.err`), timeout: 60_000 })
  const stdout = readFileSync(`${base}.out`, 'utf8')
  const stderr = readFileSync(`${base}.err`, 'utf8')
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

/**
 * A port for a daemon a test starts: below Linux's ephemeral range (32768 and up), so no
 * outgoing connection of this or an earlier test can be holding it, and checked free by
 * binding it once. Random, so files that run one after another do not meet.
 */
export function freePort(): number {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000)
    try {
      Bun.listen({ hostname: '127.0.0.1', port, socket: { data() {} } }).stop(true)
      return port
    } catch {
      // Taken: try another.
    }
  }
}
