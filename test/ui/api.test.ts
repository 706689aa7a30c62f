import { beforeEach, describe, expect, test } from 'bun:test'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { currentManagedModel } from '../../src/codex/manage-config.ts'
import { PAGE_TOKEN_HEADER } from '../../src/ui/security.ts'
import { ModelList } from '../../src/routing/model-list.ts'
import { RequestRing } from '../../src/ui/request-ring.ts'
import { uiDepsFromHost } from '../../src/ui/server-deps.ts'
import { enabledHomes, FAKE_PORT, PLANTED_ENV_KEY, PLANTED_KEY, PLANTED_QUERY_KEY, RATE_HEADERS, realUiDeps, uiHandler } from './_fixture.ts'

const ORIGIN = 'http://127.0.0.1:8765'

/** A JSON answer, loosely typed for assertions. */
async function jsonOf(response: Response): Promise<any> {
  return response.json()
}

function request(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Request {
  return new Request(`${ORIGIN}${path}`, {
    method,
    headers: { host: '127.0.0.1:8765', ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
}

let configPath = ''
beforeEach(async () => {
  ;({ configPath } = await enabledHomes('api'))
})

describe('POST /api/switch', () => {
  test('with the page token it switches the managed block, backed up, and reports the display name', async () => {
    const { deps } = realUiDeps()
    const handle = uiHandler(deps)
    const before = readFileSync(configPath, 'utf8')
    const response = await handle(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken, origin: ORIGIN, 'sec-fetch-site': 'same-origin' }, { slug: 'deepseek-chat' }))
    expect(response.status).toBe(200)
    expect(await jsonOf(response)).toEqual({ ok: true, active: 'deepseek-chat', changed: true, display_name: 'DeepSeek V3.2', restart: null })
    expect(currentManagedModel()).toBe('deepseek-chat')
    // `model use`'s backup: the file as it was before the switch sits beside it.
    const backups = readdirSync(dirname(configPath)).filter((name) => name.startsWith('config.toml.') && name !== 'config.toml')
    expect(backups.map((name) => readFileSync(`${dirname(configPath)}/${name}`, 'utf8'))).toContain(before)
  })

  test('three switches at once (a double click, two tabs) all answer, one after another, and the last one asked for is the one in config.toml', async () => {
    const { deps } = realUiDeps()
    const handle = uiHandler(deps)
    const switchTo = (slug: string) => handle(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, { slug }))
    const responses = await Promise.all(['deepseek-chat', 'glm-4.6', 'claude-sonnet'].map(switchTo))
    expect(await Promise.all(responses.map(async (response) => [response.status, (await jsonOf(response)).active]))).toEqual([[200, 'deepseek-chat'], [200, 'glm-4.6'], [200, 'claude-sonnet']])
    expect(currentManagedModel()).toBe('claude-sonnet')
    // No temporary file of theirs is left beside config.toml.
    expect(readdirSync(dirname(configPath)).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  test('a switch that never ends holds the next one back only so long', async () => {
    const { settings } = realUiDeps()
    let calls = 0
    const models = async () => (++calls === 1 ? new Promise<never>(() => {}) : new ModelList(settings, { chatgpt: null }).configured())
    const deps = uiDepsFromHost({ settings, version: '9.9.9-test', startedAt: Date.now(), port: FAKE_PORT, models, chatgpt: null }, new RequestRing(), 50)
    void deps.switchModel('glm-4.6') // its model list never answers
    expect(await deps.switchModel('deepseek-chat')).toEqual({ changed: true, display_name: 'DeepSeek V3.2' })
    expect(currentManagedModel()).toBe('deepseek-chat')
  })

  test('restart: true calls the injected launcher and returns its sentence', async () => {
    const calls: string[] = []
    const { deps } = realUiDeps({ restart: async () => (calls.push('restart'), 'Restarted Codex Desktop with the new model.') })
    const response = await uiHandler(deps)(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, { slug: 'claude-sonnet', restart: true }))
    expect(response.status).toBe(200)
    expect((await jsonOf(response)).restart).toBe('Restarted Codex Desktop with the new model.')
    expect(calls).toEqual(['restart'])
  })

  test('a restart that fails after the switch was written: a 200 that says both (it was a 500, as if nothing had changed)', async () => {
    const { deps } = realUiDeps({ restart: async () => { throw new Error('Could not open Codex Desktop.') } })
    const response = await uiHandler(deps)(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, { slug: 'claude-sonnet', restart: true }))
    expect(response.status).toBe(200)
    expect(await jsonOf(response)).toMatchObject({ ok: true, active: 'claude-sonnet', restart: null, restart_error: 'Could not open Codex Desktop.' })
    expect(currentManagedModel()).toBe('claude-sonnet')
  })

  const refused: [string, Record<string, string>, number, string | RegExp][] = [
    ['no page token', {}, 403, /Missing page token/],
    ['a wrong page token', { [PAGE_TOKEN_HEADER]: 'f'.repeat(64) }, 403, /wrong page token/],
    ['a foreign Origin (guard)', { origin: 'https://evil.example' }, 403, /Cross-origin/],
    ['another local origin (page check)', { origin: 'http://127.0.0.1:9999' }, 403, /its own origin only/],
    ['a foreign Host (guard: DNS rebinding)', { host: 'attacker.example:8765' }, 403, /Host "attacker.example" is not allowed/],
    ['Sec-Fetch-Site: cross-site (guard)', { 'sec-fetch-site': 'cross-site' }, 403, /Cross-site/],
    ['Sec-Fetch-Site: same-site (page check)', { 'sec-fetch-site': 'same-site' }, 403, /its own origin only/],
  ]
  test.each(refused)('refused with %s', async (_name, headers, status, message) => {
    const { deps } = realUiDeps()
    const tokenHeaders = _name.includes('page token') ? headers : { [PAGE_TOKEN_HEADER]: deps.pageToken, ...headers }
    const response = await uiHandler(deps)(request('POST', '/api/switch', tokenHeaders, { slug: 'deepseek-chat' }))
    expect(response.status).toBe(status)
    expect((await jsonOf(response)).error.message).toMatch(message)
    expect(currentManagedModel()).toBe('kimi-k2')
  })

  test('a form-encoded or text/plain post (no preflight in a browser) is refused by the guard', async () => {
    const { deps } = realUiDeps()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await uiHandler(deps)(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken, 'content-type': type }, '{"slug":"deepseek-chat"}'))
      expect(response.status).toBe(415)
    }
    expect(currentManagedModel()).toBe('kimi-k2')
  })

  test('an unknown slug or a bad body changes nothing', async () => {
    const { deps } = realUiDeps()
    const handle = uiHandler(deps)
    const unknown = await handle(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, { slug: 'gpt-9' }))
    expect(unknown.status).toBe(404)
    const bad = await handle(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, { slug: 42 }))
    expect(bad.status).toBe(400)
    expect((await jsonOf(bad)).error.message).toBe('slug: expected "slug" as a string')
    const notJson = await handle(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, '{"slug":'))
    expect(notJson.status).toBe(400)
    expect(currentManagedModel()).toBe('kimi-k2')
  })

  test('without a managed block the answer says to run enable (409), and writes nothing', async () => {
    await Bun.write(configPath, 'model = "o3"\n')
    const { deps } = realUiDeps()
    const response = await uiHandler(deps)(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, { slug: 'deepseek-chat' }))
    expect(response.status).toBe(409)
    expect((await jsonOf(response)).error.message).toContain('codex-shim enable')
    expect(readFileSync(configPath, 'utf8')).toBe('model = "o3"\n')
  })
})

describe('the API token (CODEX_SHIM_TOKEN)', () => {
  const token = 'planted-shim-token-3c9e1f'
  const routes = ['/api/models', '/api/requests', '/api/health']

  test.each(routes)('%s needs it as a bearer token', async (path) => {
    const { deps } = realUiDeps({ token })
    const handle = uiHandler(deps)
    expect((await handle(request('GET', path))).status).toBe(401)
    expect((await handle(request('GET', path, { authorization: 'Bearer wrong' }))).status).toBe(401)
    expect((await handle(request('GET', path, { authorization: `Bearer ${token}` }))).status).toBe(200)
  })

  test('the switch needs both tokens', async () => {
    const { deps } = realUiDeps({ token })
    const handle = uiHandler(deps)
    const body = { slug: 'glm-4.6' }
    expect((await handle(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, body))).status).toBe(401)
    expect((await handle(request('POST', '/api/switch', { authorization: `Bearer ${token}` }, body))).status).toBe(403)
    expect((await handle(request('POST', '/api/switch', { authorization: `Bearer ${token}`, [PAGE_TOKEN_HEADER]: deps.pageToken }, body))).status).toBe(200)
    expect(currentManagedModel()).toBe('glm-4.6')
  })

  test('the page itself loads without it (it asks for the token) and does not contain it', async () => {
    const { deps } = realUiDeps({ token })
    const response = await uiHandler(deps)(request('GET', '/'))
    expect(response.status).toBe(200)
    expect(await response.text()).not.toContain(token)
  })
})

describe('the page', () => {
  test('is served with a nonce CSP, no framing, no caching and no CORS', async () => {
    const { deps } = realUiDeps()
    for (const path of ['/', '/picker']) {
      const response = await uiHandler(deps)(request('GET', path, { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'none' }))
      expect(response.status).toBe(200)
      const html = await response.text()
      const policy = response.headers.get('content-security-policy')!
      const nonce = policy.match(/script-src 'nonce-([0-9a-f]+)'/)![1]!
      expect(nonce).toHaveLength(32)
      expect(html).toContain(`<script nonce="${nonce}">`)
      expect(html).toContain(`<style nonce="${nonce}">`)
      expect(html).toContain(`content="${deps.pageToken}"`)
      expect(html).not.toContain('__')
      for (const part of ["default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) expect(policy).toContain(part)
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([])
    }
  })

  test('each load gets a fresh nonce; the page token is per process and 32 random bytes', async () => {
    const { deps } = realUiDeps()
    const nonce = async () => (await uiHandler(deps)(request('GET', '/'))).headers.get('content-security-policy')!.match(/nonce-([0-9a-f]+)/)![1]
    expect(await nonce()).not.toBe(await nonce())
    expect(deps.pageToken).toMatch(/^[0-9a-f]{64}$/)
    expect(realUiDeps().deps.pageToken).not.toBe(deps.pageToken)
  })

  test('cannot be framed or pulled in as a script from elsewhere', async () => {
    const { deps } = realUiDeps()
    expect((await uiHandler(deps)(request('GET', '/', { 'sec-fetch-dest': 'iframe', 'sec-fetch-site': 'same-origin' }))).status).toBe(403)
    expect((await uiHandler(deps)(request('GET', '/', { 'sec-fetch-dest': 'script', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }))).status).toBe(403)
    expect((await uiHandler(deps)(request('GET', '/', { 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' }))).status).toBe(403)
  })

  test('the read API refuses another local origin (the guard lets loopback origins through)', async () => {
    const { deps } = realUiDeps()
    const response = await uiHandler(deps)(request('GET', '/api/models', { origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' }))
    expect(response.status).toBe(403)
    const own = await uiHandler(deps)(request('GET', '/api/models', { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }))
    expect(own.status).toBe(200)
  })
})

describe('what the API shows', () => {
  test('models: grouped data, upstream host only, the active model', async () => {
    const { deps } = realUiDeps()
    const body = await jsonOf(await uiHandler(deps)(request('GET', '/api/models')))
    expect(body.active).toBe('kimi-k2')
    expect(body.models.map((model: { slug: string }) => model.slug)).toEqual(['kimi-k2', 'deepseek-chat', 'glm-4.6', 'claude-sonnet', 'qwen3-coder'])
    expect(body.models[0]).toEqual({ slug: 'kimi-k2', display_name: 'Kimi K2.6', provider: 'openai', upstream_host: 'api.moonshot.ai', context_window: 262144, images: false })
    expect(body.models[2].upstream_host).toBe('open.bigmodel.cn')
  })

  test('health carries the quota the backend reported, and "no figures" as null before', async () => {
    const { deps, quota } = realUiDeps()
    const first = await jsonOf(await uiHandler(deps)(request('GET', '/api/health')))
    expect(first).toMatchObject({ ok: true, version: '9.9.9-test', models: 5, chatgpt_passthrough: true, cursor_passthrough: false, cooling_down: [], quota: null })
    expect(first.uptime_s).toBeGreaterThanOrEqual(3723)
    quota.record(new Headers(RATE_HEADERS), 'plus')
    const second = await jsonOf(await uiHandler(deps)(request('GET', '/api/health')))
    expect(second.quota).toMatchObject({ primary: { used_percent: 42.5, window_minutes: 300, resets_at: 1795270000 }, secondary: { used_percent: 12, window_minutes: 10080 }, credits: { has_credits: true, unlimited: false, balance: '17.50' }, plan_type: 'plus' })
  })

  test('no planted secret reaches any API response or the page', async () => {
    process.env.UI_TEST_DEEPSEEK_API_KEY = PLANTED_ENV_KEY
    const token = 'planted-shim-token-8d2f40'
    process.env.CODEX_SHIM_TOKEN = token
    try {
      const { deps, quota, ring } = realUiDeps({ token })
      quota.record(new Headers(RATE_HEADERS), 'plus')
      // A careless caller hands the ring a summary with a prompt and a key attached.
      ring.push({ time: new Date().toISOString(), dialect: 'chat', slug: 'kimi-k2', upstream: 'openai@api.moonshot.ai', status: 200, duration_ms: 812, ttft_ms: 240, tokens: { input: 900, output: 30 }, prompt: 'SECRET PROMPT', api_key: PLANTED_KEY } as never)
      const handle = uiHandler(deps)
      const auth = { authorization: `Bearer ${token}` }
      const texts: string[] = []
      for (const path of ['/', '/picker', '/api/models', '/api/requests', '/api/health']) {
        const response = await handle(request('GET', path, auth))
        expect(response.status).toBe(200)
        texts.push(await response.text())
      }
      const switched = await handle(request('POST', '/api/switch', { ...auth, [PAGE_TOKEN_HEADER]: deps.pageToken }, { slug: 'deepseek-chat' }))
      texts.push(await switched.text())
      const errors = [await handle(request('GET', '/api/models', { authorization: 'Bearer nope' })), await handle(request('POST', '/api/switch', { ...auth, [PAGE_TOKEN_HEADER]: 'nope' }, { slug: 'x' }))]
      for (const response of errors) texts.push(await response.text())
      const all = texts.join('\n')
      for (const secret of [PLANTED_KEY, PLANTED_QUERY_KEY, PLANTED_ENV_KEY, token, 'sk-ant-planted', 'SECRET PROMPT']) expect(all).not.toContain(secret)
      // The page token appears in the page only, never in API answers.
      expect(texts.slice(2).join('\n')).not.toContain(deps.pageToken)
      // Neither do the files the switch wrote.
      expect(readFileSync(configPath, 'utf8')).not.toContain(PLANTED_KEY)
    } finally {
      delete process.env.UI_TEST_DEEPSEEK_API_KEY
      delete process.env.CODEX_SHIM_TOKEN
    }
  })
})

describe('GET /api/requests/stream', () => {
  async function readUntil(reader: { read(): Promise<{ value?: Uint8Array; done?: boolean }> }, needle: string): Promise<string> {
    const decoder = new TextDecoder()
    let text = ''
    while (!text.includes(needle)) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended before ${JSON.stringify(needle)}; got ${JSON.stringify(text)}`)
      text += decoder.decode(value, { stream: true })
    }
    return text
  }

  test('sends each pushed request as an SSE event, heartbeats, and unsubscribes on cancel', async () => {
    const { deps, ring } = realUiDeps()
    deps.heartbeatMs = 20
    const response = await uiHandler(deps)(request('GET', '/api/requests/stream'))
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = response.body!.getReader()
    await readUntil(reader, ': connected')
    expect(ring.subscribers).toBe(1)
    ring.push({ time: '2026-11-20T10:00:00.000Z', dialect: 'messages', slug: 'claude-sonnet', upstream: 'anthropic@api.anthropic.com', status: 200, duration_ms: 1520, ttft_ms: 380, tokens: { input: 1200, output: 88 } })
    const text = await readUntil(reader, '\n\n: heartbeat')
    const line = text.split('\n').find((row) => row.startsWith('data: '))!
    expect(text).toContain('event: request\n')
    expect(JSON.parse(line.slice(6))).toEqual({ id: 1, time: '2026-11-20T10:00:00.000Z', dialect: 'messages', slug: 'claude-sonnet', upstream: 'anthropic@api.anthropic.com', upstream_host: 'api.anthropic.com', status: 200, duration_ms: 1520, ttft_ms: 380, tokens: { input: 1200, output: 88 } })
    await reader.cancel()
    expect(ring.subscribers).toBe(0)
  })

  test('a client abort unsubscribes too', async () => {
    const { deps, ring } = realUiDeps()
    const abort = new AbortController()
    const req = new Request(`${ORIGIN}/api/requests/stream`, { headers: { host: '127.0.0.1:8765' }, signal: abort.signal })
    const response = await uiHandler(deps)(req)
    expect(ring.subscribers).toBe(1)
    abort.abort()
    expect(ring.subscribers).toBe(0)
    await response.body?.cancel().catch(() => {})
  })
})

test('the page\'s health says whether Cursor\'s models are offered, as /health does', async () => {
  const settings = { path: null, models: [], launch_models: [], aliases: {}, warnings: [] }
  const health = (offered: boolean) => uiDepsFromHost({ settings, version: '9.9.9-test', startedAt: Date.now(), port: FAKE_PORT, models: async () => [], chatgpt: null, cursorPassthrough: () => offered }).health()
  expect((await health(true)).cursor_passthrough).toBe(true)
  expect((await health(false)).cursor_passthrough).toBe(false)
})

describe('restarting Codex Desktop, where there is one (an injected platform, not this machine\'s)', () => {
  const settings = { path: null, models: [], launch_models: [], aliases: {}, warnings: [] }
  const depsOn = (platform: NodeJS.Platform) => uiDepsFromHost({ settings, version: '9.9.9-test', startedAt: Date.now(), port: FAKE_PORT, models: async () => [], chatgpt: null, platform })

  test.each([
    ['darwin', true],
    ['win32', true],
    ['linux', false],
    ['freebsd', false],
  ] as const)('on %s the proxy offers it: %p (health says so for the page)', async (platform, offered) => {
    const deps = depsOn(platform)
    expect(typeof deps.restartDesktop === 'function').toBe(offered)
    expect((await jsonOf(await uiHandler(deps)(request('GET', '/api/health')))).desktop_restart).toBe(offered)
  })

  test('asked anyway on Linux (an old page, a script): the switch is made and the answer says why there was no restart', async () => {
    const { deps } = realUiDeps({ platform: 'linux' })
    expect(deps.restartDesktop).toBeUndefined()
    const response = await uiHandler(deps)(request('POST', '/api/switch', { [PAGE_TOKEN_HEADER]: deps.pageToken }, { slug: 'claude-sonnet', restart: true }))
    expect(response.status).toBe(200)
    expect(await jsonOf(response)).toMatchObject({ ok: true, active: 'claude-sonnet', restart: 'Codex Desktop cannot be restarted here (it runs on macOS and Windows only); the Codex CLI picks up the new model on its next start.' })
    expect(currentManagedModel()).toBe('claude-sonnet')
  })
})
