import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'

// POSIX: the fake cloudflared is a script run by its shebang, and says it stopped from a SIGTERM handler.

const fakeBin = join(import.meta.dir, '../fakes/bin')

describe('start --tunnel (fake cloudflared on PATH)', () => {
  test('starts the tunnel, generates a 0600 token, prints the setup card, guards requests, and stops with the daemon', async () => {
    const homes = freshHomes('tunnel')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'ollama' }], aliases: { 'team-fast': { slug: 'fake' } } }))
    const tunnelLog = join(homes.CODEX_SHIM_HOME, 'fake-tunnel.log')
    const env = { ...homes, PATH: [fakeBin, process.env.PATH].join(delimiter), FAKE_TUNNEL_LOG: tunnelLog }
    const port = freePort()
    try {
      const start = runCli(['start', '--tunnel', '--port', String(port)], env)
      expect(start.code).toBe(0)
      const tokenFile = join(homes.CODEX_SHIM_HOME, 'token')
      const token = readFileSync(tokenFile, 'utf8').trim()
      expect(token).toStartWith('sk-shim-')
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600)
      expect(start.stdout).toContain('Base URL  https://fake-quick.trycloudflare.com/v1')
      expect(start.stdout).toContain(`API key   ${token}`)
      expect(start.stdout).toContain('Models    fake, team-fast')
      expect(readFileSync(tunnelLog, 'utf8')).toContain(`started http://127.0.0.1:${port}`)

      // Requests arriving through the tunnel carry its Host: allowed, but only with the token.
      const viaTunnel = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { host: 'fake-quick.trycloudflare.com', ...headers } })
      expect((await viaTunnel({})).status).toBe(401)
      expect((await viaTunnel({ authorization: `Bearer ${token}` })).status).toBe(200)
      expect((await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { host: 'other.example' } })).status).toBe(403)
      // The token never reaches the daemon log.
      expect(readFileSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.log'), 'utf8')).not.toContain(token)

      expect(runCli(['stop'], env).code).toBe(0)
      for (let i = 0; i < 50 && !readFileSync(tunnelLog, 'utf8').includes('stopped'); i++) await Bun.sleep(50)
      expect(readFileSync(tunnelLog, 'utf8')).toContain('stopped')
    } finally {
      runCli(['stop'], env)
    }
  })

  test('a tunnel tool that dies later: status and start stop showing its URL (an audit found them reporting it for ever)', async () => {
    const homes = freshHomes('tunnel-lost')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'ollama' }] }))
    const tunnelLog = join(homes.CODEX_SHIM_HOME, 'fake-tunnel.log')
    const env = { ...homes, PATH: [fakeBin, process.env.PATH].join(delimiter), FAKE_TUNNEL_LOG: tunnelLog }
    try {
      expect(runCli(['start', '--tunnel', '--port', String(freePort())], env).code).toBe(0)
      expect(JSON.parse(runCli(['status', '--json'], env).stdout).public_url).toBe('https://fake-quick.trycloudflare.com')
      const pid = Number(/pid (\d+)/.exec(readFileSync(tunnelLog, 'utf8'))![1])
      process.kill(pid, 'SIGKILL')
      let status: Record<string, unknown> = {}
      for (let i = 0; i < 60; i++) {
        status = JSON.parse(runCli(['status', '--json'], env).stdout)
        if (!('public_url' in status)) break
        await Bun.sleep(50)
      }
      expect(status.running).toBe(true)
      expect(status.public_url).toBeUndefined()
      expect(readFileSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.log'), 'utf8')).toContain('no longer reaches this proxy')
    } finally {
      runCli(['stop'], env)
    }
  })

  test('neither cloudflared nor ngrok installed: a clear error, nothing started', () => {
    const homes = freshHomes('no-tunnel')
    const bunDir = join(import.meta.dir, '../../node_modules/.bin')
    const run = runCli(['start', '--tunnel', '--port', String(freePort())], { ...homes, PATH: [bunDir, '/usr/bin', '/bin'].join(delimiter) })
    expect(run.code).toBe(1)
    expect(run.output).toContain('--tunnel needs cloudflared or ngrok on PATH')
    expect(existsSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'))).toBe(false)
  })
})
