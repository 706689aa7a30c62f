import { describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { allowHost, buildHostAllowlist, checkRequest, hostName, hostPort } from '../../src/server/guard.ts'
import { get, post, settingsFrom, testDeps } from '../support/shim.ts'

const handle = createHandler(testDeps(settingsFrom([])))

describe('Host-header guard (DNS rebinding)', () => {
  test.each(['127.0.0.1:8765', 'localhost:8765', '[::1]:8765', 'LOCALHOST'])('allows %s', async (host) => {
    expect((await handle(get('/health', { host }))).status).toBe(200)
  })

  test.each(['evil.example:8765', 'attacker.com', '127.0.0.1.nip.io:8765', '192.168.1.10:8765'])('rejects %s with 403 JSON', async (host) => {
    const response = await handle(get('/health', { host }))
    expect(response.status).toBe(403)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(((await response.json()) as any).error.message).toContain('is not allowed')
  })

  test('CODEX_SHIM_ALLOWED_HOSTS and the bind host extend the list', () => {
    const hosts = buildHostAllowlist('10.0.0.5', 'my.tunnel.dev, other.dev')
    expect([...hosts]).toEqual(expect.arrayContaining(['10.0.0.5', 'my.tunnel.dev', 'other.dev', '127.0.0.1']))
    expect(hostName('[::1]:80')).toBe('[::1]')
  })
})

describe('Host syntax, read by hand', () => {
  // The shape as a regular expression: the specification the hand-written reader must match exactly.
  const SPEC = /^(?:\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i
  const expected = (value: string) => {
    const match = SPEC.exec(value)
    return match ? (match[1] ?? '') : null
  }

  test('agrees with the RFC 9110 shape on hand-picked and 20 000 random values', () => {
    const picked = ['127.0.0.1', '127.0.0.1:8765', 'LOCALHOST', '[::1]', '[::1]:80', '[]', '[]:80', '[::1', '::1', 'a@b', 'a:', 'a:123456', ':80', 'a:8x', '[::g]', 'x_y-z.example:65535', '[::1]x', 'a b', 'é.example', '']
    const pieces = ['a', 'Z', '0', '9', '.', '-', '_', ':', '[', ']', 'f', '@', ' ', '/', 'g', '1', '12345', '::1']
    let seed = 7
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const random = Array.from({ length: 20_000 }, () => Array.from({ length: next(7) }, () => pieces[next(pieces.length)]).join(''))
    let valid = 0
    for (const value of [...picked, ...random]) {
      expect(`${value} → ${hostPort(value)}`).toBe(`${value} → ${expected(value)}`)
      if (expected(value) !== null) valid++
    }
    expect(valid).toBeGreaterThan(1000) // both answers are exercised
  })
})

describe('browser cross-site requests', () => {
  test('a foreign Origin is rejected', async () => {
    const response = await handle(post('/v1/responses', { model: 'x', input: 'hi' }, { origin: 'https://evil.example' }))
    expect(response.status).toBe(403)
  })

  test('a loopback Origin is fine', async () => {
    expect((await handle(get('/health', { origin: 'http://127.0.0.1:8765' }))).status).toBe(200)
  })

  test('sec-fetch-site: cross-site is rejected', async () => {
    expect((await handle(get('/v1/models', { 'sec-fetch-site': 'cross-site' }))).status).toBe(403)
  })

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''])('POST with content-type "%s" is refused with 415', async (type) => {
    const response = await handle(post('/v1/responses', '{"model":"x","input":"hi"}', { 'content-type': type }))
    expect(response.status).toBe(415)
  })

  test('no permissive CORS headers, even on a preflight', async () => {
    const response = await handle(new Request('http://127.0.0.1:8765/v1/responses', { method: 'OPTIONS', headers: { host: '127.0.0.1:8765' } }))
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('routes', () => {
  test('unknown route: JSON 404', async () => {
    const response = await handle(get('/nope'))
    expect(response.status).toBe(404)
    expect(((await response.json()) as any).error.type).toBe('not_found_error')
  })

  test('wrong method: 405', async () => {
    expect((await handle(get('/v1/responses'))).status).toBe(405)
  })

  test('HEAD / and GET / answer', async () => {
    expect((await handle(new Request('http://127.0.0.1:8765/', { method: 'HEAD', headers: { host: '127.0.0.1' } }))).status).toBe(200)
    expect((await handle(get('/'))).status).toBe(200)
  })
})

describe('endpoint token (CODEX_SHIM_TOKEN)', () => {
  const guarded = createHandler(testDeps(settingsFrom([]), { token: 's3cret-token' }))
  test('missing or wrong token → 401 in the OpenAI error shape; /health stays open', async () => {
    const missing = await guarded(get('/v1/models'))
    expect(missing.status).toBe(401)
    expect(((await missing.json()) as any).error.type).toBe('authentication_error')
    expect((await guarded(get('/v1/models', { authorization: 'Bearer wrong' }))).status).toBe(401)
    expect((await guarded(get('/health'))).status).toBe(200)
  })
  test('Bearer or x-api-key with the right token passes', async () => {
    expect((await guarded(get('/v1/models', { authorization: 'Bearer s3cret-token' }))).status).toBe(200)
    expect((await guarded(get('/v1/models', { 'x-api-key': 's3cret-token' }))).status).toBe(200)
  })

  // An audit found the model and stored-response routes served without `/v1` and without the token:
  // on a tunnel or a shared gateway, anyone could spend the keys and read or delete stored prompts.
  test.each([
    ['POST', '/chat/completions'],
    ['GET', '/models'],
    ['POST', '/responses'],
    ['GET', '/responses/resp_1'],
    ['GET', '/responses/resp_1/input_items'],
    ['DELETE', '/responses/resp_1'],
    ['POST', '/messages'],
    ['POST', '/v1/v1/chat/completions'],
    ['GET', '/v1/models/'],
    ['GET', '/api/health'],
    ['GET', '/no-such-route'],
  ])('%s %s without the token: 401, whatever the spelling', async (method, path) => {
    const request = new Request(`http://127.0.0.1:8765${path}`, { method, headers: { host: '127.0.0.1:8765', 'content-type': 'application/json' }, body: method === 'POST' ? '{"model":"x","input":"hi","messages":[]}' : undefined })
    expect((await guarded(request)).status).toBe(401)
  })

  test('the unversioned spellings work with the token, as before', async () => {
    expect((await guarded(get('/models', { authorization: 'Bearer s3cret-token' }))).status).toBe(200)
    expect((await guarded(get('/health/'))).status).toBe(200)
    expect((await guarded(get('/'))).status).toBe(200)
  })
})

describe('endpoint token on Anthropic routes', () => {
  const guarded = createHandler(testDeps(settingsFrom([]), { token: 's3cret-token' }))
  test("a missing token on /v1/messages → 401 in Anthropic's shape; x-api-key passes the guard", async () => {
    const missing = await guarded(post('/v1/messages', { model: 'x', max_tokens: 1, messages: [] }, { 'anthropic-version': '2023-06-01' }))
    expect(missing.status).toBe(401)
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    const withKey = await guarded(post('/v1/messages', { model: 'x', max_tokens: 1, messages: [] }, { 'x-api-key': 's3cret-token' }))
    expect(withKey.status).toBe(404) // past the guard: unknown model
    expect(await withKey.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
  })
})

test('a name added to the allowlist later (the tunnel\'s) is let in, even after a request with it was refused', () => {
  // An audit: the refusal was cached per allowlist and outlived the name being added.
  const allowed = buildHostAllowlist('127.0.0.1')
  const request = () => new Request('http://x.trycloudflare.com/v1/models', { headers: { host: 'x.trycloudflare.com' } })
  expect(() => checkRequest(request(), allowed)).toThrow()
  allowHost(allowed, 'x.trycloudflare.com')
  expect(() => checkRequest(request(), allowed)).not.toThrow()
})

