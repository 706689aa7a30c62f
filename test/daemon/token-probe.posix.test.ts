import { afterAll, expect } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freshHomes } from '../support/cli.ts'
import { posixTest } from '../support/platform-tests.ts'

const cli = join(import.meta.dir, '../../src/cli.ts')
const cleanups: (() => void)[] = []
afterAll(() => {
  for (const cleanup of cleanups) cleanup()
})

/** Not waited for synchronously: the listener below lives in this process and must answer. */
async function run(args: string[], env: Record<string, string>) {
  const child = Bun.spawn([process.execPath, cli, ...args], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { code, output: stdout + stderr }
}

// POSIX: the pid's program is read from its command line (/proc, ps); Windows has no such check.
posixTest('a pid file left by a daemon whose pid now belongs to another program: status, start and doctor do not send the token to whatever holds its port', async () => {
  const homes = freshHomes('token-probe')
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'token'), 'sk-shim-secret-token-value\n', { mode: 0o600 })
  const sleeper = Bun.spawn(['sleep', '60'], { stdio: ['ignore', 'ignore', 'ignore'] })
  cleanups.push(() => sleeper.kill())
  const seen: string[] = []
  // Another local program on the port the dead daemon had.
  const listener = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (request) => (seen.push(request.headers.get('authorization') ?? ''), Response.json({ ok: true, name: 'codex-shim', pid: sleeper.pid })) })
  cleanups.push(() => listener.stop(true))
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'), JSON.stringify({ pid: sleeper.pid, host: '127.0.0.1', port: listener.port, version: '0.0.0', started_at: new Date().toISOString(), settings: null }))

  for (const args of [['status'], ['doctor'], ['start', '--port', String(listener.port)]]) await run(args, homes)
  expect(seen.filter((header) => header.includes('sk-shim-secret-token-value'))).toEqual([])
  // And it is not taken for our daemon.
  expect((await run(['status'], homes)).code).toBe(1)
}, 30_000)
