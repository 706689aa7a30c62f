import { afterEach, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, type StartedServer } from '../../src/server/serve.ts'
import { makeJwt, nowS, writeAuth } from '../fakes/chatgpt-backend.ts'
import { settingsFrom } from '../support/shim.ts'

const authPath = join(process.env.CODEX_HOME!, 'auth.json')
const settings = settingsFrom([
  { slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'http://127.0.0.1:9/v1' },
  { model: 'qwen3', provider: 'ollama' },
])
let started: StartedServer | undefined
afterEach(() => {
  started?.stop()
  started = undefined
  rmSync(authPath, { force: true })
  delete process.env.CODEX_SHIM_TOKEN
})

const serve = () => (started = startServer(settings, { host: '127.0.0.1', port: 0 }))
const address = (server: StartedServer, path: string) => `http://127.0.0.1:${server.server.port}${path}`
/** The body without the fields that move with time. */
const stable = async (response: Response) => {
  const { uptime_s: _uptime, ...rest } = (await response.json()) as Record<string, unknown>
  return rest
}

describe('/health before the proxy has loaded', () => {
  test('says what the loaded proxy says, with and without a ChatGPT login', async () => {
    for (const login of [false, true]) {
      if (login) writeAuth(authPath, { access: makeJwt({ exp: nowS() + 3600 }), refresh: 'rt-early' })
      const server = serve()
      const early = await stable(await fetch(address(server, '/health')))
      await fetch(address(server, '/v1/models')) // loads the proxy
      const loaded = await stable(await fetch(address(server, '/health')))
      expect(early).toEqual(loaded)
      expect(early).toMatchObject({ ok: true, name: 'codex-shim', models: 2, chatgpt_passthrough: login, cursor_passthrough: false, chatgpt_quota: null, response_store: { entries: 0, bytes: 0 }, cooling_down: [] })
      server.stop()
      started = undefined
    }
  })

  test('is refused like any request from a web page or for a Host it does not serve', async () => {
    const server = serve()
    const crossOrigin = await fetch(address(server, '/health'), { headers: { origin: 'https://evil.example' } })
    expect(crossOrigin.status).toBe(403)
    expect(((await crossOrigin.json()) as { error: { message: string } }).error.message).toMatch(/Cross-origin/)
    const foreignHost = await fetch(address(server, '/health'), { headers: { host: 'evil.example' } })
    expect(foreignHost.status).toBe(403)
    expect(((await foreignHost.json()) as { error: { message: string } }).error.message).toMatch(/evil\.example/)
  })

  test('with a query, a trailing slash or two, it answers the same', async () => {
    const server = serve()
    for (const path of ['/health/', '/health?probe=1', '/health//']) {
      const response = await fetch(address(server, path))
      expect(response.status).toBe(200)
      expect(await stable(response)).toMatchObject({ ok: true, models: 2 })
    }
  })

  test('a token required after listening (start --tunnel) guards /v1/* whether the proxy loaded before or after', async () => {
    for (const loadFirst of [false, true]) {
      const server = serve()
      if (loadFirst) await server.proxy()
      server.requireToken('early-token-123')
      expect((await fetch(address(server, '/v1/models'))).status).toBe(401)
      expect((await fetch(address(server, '/v1/models'), { headers: { authorization: 'Bearer early-token-123' } })).status).toBe(200)
      expect((await fetch(address(server, '/health'))).status).toBe(200)
      server.stop()
      started = undefined
    }
  })

  test('a Host added after listening (the tunnel’s public name) is served before and after the proxy loads', async () => {
    const server = serve()
    server.allowedHosts.add('tunnel.example.com')
    const asTunnel = { headers: { host: 'tunnel.example.com' } }
    expect((await fetch(address(server, '/health'), asTunnel)).status).toBe(200)
    expect((await fetch(address(server, '/v1/models'), asTunnel)).status).toBe(200)
  })
})

describe('/health with a token required (a tunnel, a shared gateway)', () => {
  // Public on purpose (start and status poll it), it told anyone the plan's usage, the models
  // cooling down and the store's size (a review of the token change).
  test('without the token: up and its version only, before and after the proxy loads; with it: everything', async () => {
    process.env.CODEX_SHIM_TOKEN = 'health-token-0123456789'
    const server = serve()
    const minimal = { ok: true, name: 'codex-shim', version: expect.any(String), pid: process.pid }
    const early = (await (await fetch(address(server, '/health'))).json()) as Record<string, unknown>
    expect(early).toEqual(minimal)
    await fetch(address(server, '/v1/models'), { headers: { authorization: 'Bearer health-token-0123456789' } }) // loads the proxy
    const loaded = (await (await fetch(address(server, '/health'))).json()) as Record<string, unknown>
    expect(loaded).toEqual(minimal)
    const full = await stable(await fetch(address(server, '/health'), { headers: { authorization: 'Bearer health-token-0123456789' } }))
    expect(full).toMatchObject({ ok: true, models: 2, chatgpt_quota: null, cooling_down: [], response_store: { entries: 0, bytes: 0 } })
  })
})


test("the server runs outside Bun's development mode, whatever NODE_ENV says (it was on unless NODE_ENV=production)", () => {
  const previous = process.env.NODE_ENV
  process.env.NODE_ENV = 'development'
  try {
    expect(serve().server.development).toBe(false)
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = previous
  }
})
