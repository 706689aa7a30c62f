import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

const runner = join(import.meta.dir, 'run-command.ts')

export interface Run {
  code: number
  stdout: string
  stderr: string
  output: string
}

/**
 * Spawns the command without blocking this process: the fake upstreams live
 * here, so a synchronous spawn would deadlock them.
 */
export function spawnCommand(args: string[], env: Record<string, string | undefined>, options: { onSpawn?: (child: Bun.Subprocess) => void } = {}): Promise<Run> {
  const child = Bun.spawn([process.execPath, runner, ...args], { env: { ...process.env, ...env } as Record<string, string>, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  options.onSpawn?.(child)
  return Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]).then(([stdout, stderr, code]) => ({ code, stdout, stderr, output: stdout + stderr }))
}

let n = 0
/** A fresh settings home per test. */
export function freshHome(name: string): { home: string; settings: string } {
  const home = join(process.env.CODEX_SHIM_TEST_ROOT!, `discover-${name}-${++n}`)
  mkdirSync(home, { recursive: true })
  return { home, settings: join(home, 'models.json') }
}
