import { afterAll, describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'
import { isAlive } from '../../src/daemon/pid-file.ts'

// POSIX: the fake cloudflared is a script run by its shebang.
const fakeBin = join(import.meta.dir, '../fakes/bin')
const cleanups: (() => void)[] = []
afterAll(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
}, 30_000)

function tunnelHomes(name: string) {
  const homes = freshHomes(name)
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'ollama' }] }))
  const env = { ...homes, PATH: [fakeBin, process.env.PATH].join(delimiter), FAKE_TUNNEL_LOG: join(homes.CODEX_SHIM_HOME, 'fake-tunnel.log') }
  cleanups.push(() => runCli(['stop'], env))
  return env
}

describe('restart and a tunnel', () => {
  test('restart keeps the tunnel and prints its (new) public URL and the Cursor setup; status shows the URL', () => {
    const env = tunnelHomes('restart-tunnel-url')
    expect(runCli(['start', '--tunnel', '--port', String(freePort())], env).code).toBe(0)
    const restart = runCli(['restart'], env)
    expect(restart.code).toBe(0)
    // A quick tunnel gets a new host name each time it starts: the old URL in Cursor no longer works.
    expect(restart.stdout).toContain('Base URL  https://fake-quick.trycloudflare.com/v1')
    const status = runCli(['status'], env)
    expect(status.output).toContain('https://fake-quick.trycloudflare.com')
  }, 60_000)

  test('restart --no-tunnel drops the tunnel (it kept the public URL open)', () => {
    const env = tunnelHomes('restart-no-tunnel')
    expect(runCli(['start', '--tunnel', '--port', String(freePort())], env).code).toBe(0)
    expect(runCli(['restart', '--no-tunnel'], env).code).toBe(0)
    const status = JSON.parse(runCli(['status', '--json'], env).stdout)
    expect(status.running).toBe(true)
    expect(status.public_url).toBeUndefined()
  }, 60_000)
})

describe('a daemon that dies without its SIGTERM handler (a crash, the OOM killer, stop\'s SIGKILL)', () => {
  test('the tunnel tool it started does not run on: the next stop or start ends it', async () => {
    for (const next of [['stop'], ['start', '--port', String(freePort())]]) {
      const env = tunnelHomes(`tunnel-orphan-${next[0]}`)
      expect(runCli(['start', '--tunnel', '--port', String(freePort())], env).code).toBe(0)
      const record = JSON.parse(readFileSync(join(env.CODEX_SHIM_HOME, 'codex-shim.pid'), 'utf8')) as { pid: number }
      const tunnelPid = Number(/pid (\d+)/.exec(readFileSync(env.FAKE_TUNNEL_LOG, 'utf8'))![1])
      cleanups.push(() => isAlive(tunnelPid) && process.kill(tunnelPid, 'SIGKILL'))
      process.kill(record.pid, 'SIGKILL')
      for (let i = 0; i < 100 && isAlive(record.pid); i++) await Bun.sleep(20)
      expect(isAlive(tunnelPid)).toBe(true) // left behind, forwarding the public URL to a port anyone may take next
      expect(runCli(next, env).code).toBe(0)
      for (let i = 0; i < 100 && isAlive(tunnelPid); i++) await Bun.sleep(20)
      expect(isAlive(tunnelPid)).toBe(false)
    }
  }, 60_000)
})

