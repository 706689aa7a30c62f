import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { createHandler } from '../../src/server/app.ts'
import { backendEvents, makeJwt, nowS, startFakeChatgpt, writeAuth, ACCOUNT_ID } from '../fakes/chatgpt-backend.ts'
import { get, memoryLog, post, settingsFrom, startShim, testDeps } from '../support/shim.ts'
import { expectMode } from '../support/file-mode.ts'

const fake = startFakeChatgpt()
process.env.CODEX_SHIM_CHATGPT_BASE_URL = fake.base
process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE = fake.tokenUrl
const authPath = join(process.env.CODEX_HOME!, 'auth.json')
const log = memoryLog()
let service: ChatgptService
let handle: ReturnType<typeof createHandler>
afterAll(() => {
  fake.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
  delete process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE
})

const CODEX_HEADERS = {
  originator: 'codex_exec', 'user-agent': 'codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)', 'session-id': 'sess-1', 'thread-id': 'sess-1',
  'x-client-request-id': 'sess-1', 'x-codex-window-id': 'sess-1:0', 'x-codex-turn-metadata': '{"turn_id":"t1"}', 'x-codex-beta-features': 'remote_compaction_v2',
  'x-codex-turn-state': 'prev-state', authorization: 'Bearer codex-shim',
}
const codexBody = (extra = {}) => ({ model: 'gpt-5.5', stream: true, store: false, input: [{ type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'sys' }] }, { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], reasoning: { effort: 'medium' }, ...extra })

beforeEach(() => {
  fake.validAccess = makeJwt({ exp: nowS() + 3600, n: 'fresh' })
  writeAuth(authPath, { access: fake.validAccess, refresh: `rt-${crypto.randomUUID()}` }, { custom_field: { keep: true } })
  fake.respond = () => ({ kind: 'events', events: backendEvents('Hello from ChatGPT.') })
  fake.on401 = undefined
  fake.failRefresh = null
  service = new ChatgptService()
  handle = createHandler(testDeps(settingsFrom([]), { chatgpt: service, log: log.logger }))
})

describe('ChatGPT passthrough: forwarding', () => {
  test('forwards the headers Codex sends, patches only what the backend requires, streams back untouched', async () => {
    const response = await handle(post('/v1/responses', codexBody({ model: 'openai-gpt-5-5', max_output_tokens: 500, temperature: 0.3 }), CODEX_HEADERS))
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).toContain('"type":"keepalive"') // bytes untouched
    expect(text).toContain('Hello from ChatGPT.')
    const sent = fake.requests.at(-1)!
    expect(sent.headers).toMatchObject({
      authorization: `Bearer ${fake.validAccess}`, 'chatgpt-account-id': ACCOUNT_ID, originator: 'codex_exec', 'session-id': 'sess-1', 'thread-id': 'sess-1',
      'x-client-request-id': 'sess-1', 'x-codex-window-id': 'sess-1:0', 'x-codex-turn-metadata': '{"turn_id":"t1"}', 'x-codex-beta-features': 'remote_compaction_v2',
      'x-codex-turn-state': 'prev-state', accept: 'text/event-stream',
    })
    expect(sent.headers['user-agent']).toStartWith('codex_exec/0.169.0')
    expect(sent.body).toMatchObject({ model: 'gpt-5.5', stream: true, store: false })
    expect(sent.body.max_output_tokens).toBeUndefined()
    expect(sent.body.temperature).toBeUndefined()
    // Codex's developer message stays in input (Codex sends no instructions and the backend accepts that).
    expect(sent.body.instructions).toBeUndefined()
    expect(response.headers.get('x-codex-primary-used-percent')).toBe('42.5')
    expect(response.headers.get('x-codex-turn-state')).toBe('turn-state-abc')
    expect(response.headers.get('openai-model')).toBeNull()
  })

  test('non-Codex clients get instructions hoisted and efforts clamped; stream:false is aggregated from output_item.done', async () => {
    const response = await handle(post('/v1/responses', codexBody({ stream: false, reasoning: { effort: 'max' } })))
    const body = (await response.json()) as any
    expect(body.status).toBe('completed')
    expect(body.output[0].content[0].text).toBe('Hello from ChatGPT.')
    const sent = fake.requests.at(-1)!.body
    expect(sent.instructions).toBe('sys')
    expect(sent.input).toHaveLength(1)
    expect(sent.reasoning.effort).toBe('xhigh')
    expect(sent.stream).toBe(true)
  })

  test('reasoning and compaction items made by codex-shim for other providers are not sent to the backend', async () => {
    await (await handle(post('/v1/responses', codexBody({ input: [
      { type: 'reasoning', id: 'rs_x', summary: [], encrypted_content: 'codex-shim.anthropic.v1:abc' },
      { type: 'reasoning', id: 'rs_y', summary: [{ type: 'summary_text', text: 'chat thoughts' }], encrypted_content: null },
      { type: 'reasoning', id: 'rs_z', summary: [], encrypted_content: 'gAAAA-openai' },
      { type: 'message', role: 'user', content: 'hi' },
    ] }), CODEX_HEADERS))).text()
    expect(fake.requests.at(-1)!.body.input.map((item: any) => item.id ?? item.type)).toEqual(['rs_z', 'message'])
  })

  test('a 429 usage_limit_reached keeps its shape so Codex shows its own message', async () => {
    const limit = { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus', resets_at: 1795270000 } }
    fake.respond = () => ({ kind: 'status', status: 429, body: limit, headers: { 'x-codex-primary-used-percent': '100' } })
    const response = await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))
    expect(response.status).toBe(429)
    expect(await response.json()).toEqual(limit)
    expect(response.headers.get('x-codex-primary-used-percent')).toBe('100')
  })

  test('backend {"detail": …} errors become OpenAI-shaped errors with the status', async () => {
    fake.respond = () => ({ kind: 'status', status: 400, body: { detail: 'Instructions are not valid' } })
    const response = await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))
    expect(response.status).toBe(400)
    expect(((await response.json()) as any).error.message).toContain('Instructions are not valid')
  })

  test('/health reports the passthrough and the latest quota figures', async () => {
    await (await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))).text()
    const health = (await (await handle(get('/health'))).json()) as any
    expect(health.chatgpt_passthrough).toBe(true)
    expect(health.chatgpt_quota).toMatchObject({ primary: { used_percent: 42.5, window_minutes: 300, resets_at: 1795270000 }, secondary: { used_percent: 12 }, credits: { has_credits: true, unlimited: false, balance: '17.50' }, plan_type: 'plus' })
  })
})

describe('ChatGPT passthrough: OAuth refresh', () => {
  test('an expired access token is refreshed before the request; auth.json rewritten atomically, 0600, other fields kept', async () => {
    writeAuth(authPath, { access: makeJwt({ exp: nowS() - 100 }), refresh: 'rt-expired-case' }, { custom_field: { keep: true } })
    const before = fake.refreshes.length
    const response = await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))
    expect(response.status).toBe(200)
    await response.text()
    expect(fake.refreshes.length - before).toBe(1)
    expect(fake.refreshes.at(-1)).toMatchObject({ refresh_reason: 'proactive_expiry', refresh_token: 'rt-expired-case' })
    const auth = JSON.parse(readFileSync(authPath, 'utf8'))
    expect(auth.tokens.access_token).toBe(fake.validAccess)
    expect(auth.tokens.refresh_token).toStartWith('rt-rotated-')
    expect(auth.tokens.account_id).toBe(ACCOUNT_ID)
    expect(auth.custom_field).toEqual({ keep: true })
    expect(auth.last_refresh).not.toBe('2026-11-01T00:00:00Z')
    expectMode(authPath, 0o600)
  })

  test('a 401 triggers re-read, then refresh (unauthorized_recovery), then one retry', async () => {
    fake.validAccess = makeJwt({ exp: nowS() + 3600, n: 'server-side-rotated' }) // the file's token is now revoked
    const before = fake.refreshes.length
    const response = await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))
    expect(response.status).toBe(200)
    await response.text()
    expect(fake.refreshes.length - before).toBe(1)
    expect(fake.refreshes.at(-1)!.refresh_reason).toBe('unauthorized_recovery')
  })

  test('a 401 after Codex refreshed auth.json meanwhile uses the new tokens and redeems nothing', async () => {
    const codexRefreshed = makeJwt({ exp: nowS() + 3600, n: 'by-codex' })
    fake.validAccess = codexRefreshed
    fake.on401 = () => writeAuth(authPath, { access: codexRefreshed, refresh: 'rt-from-codex' })
    const before = fake.refreshes.length
    const response = await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))
    expect(response.status).toBe(200)
    await response.text()
    expect(fake.refreshes.length).toBe(before)
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${codexRefreshed}`)
  })

  test('a 401, then a token re-read from auth.json that is refused too: it is refreshed, and the request goes through', async () => {
    // The file's token and the one written meanwhile were both revoked server-side (a password change);
    // the refresh token still works. Codex would refresh: so does the shim, once, before saying "codex login".
    fake.validAccess = makeJwt({ exp: nowS() + 3600, n: 'server-side-only' })
    fake.on401 = () => {
      fake.on401 = undefined
      writeAuth(authPath, { access: makeJwt({ exp: nowS() + 3600, n: 'also-revoked' }), refresh: 'rt-after-both' })
    }
    const before = fake.refreshes.length
    const response = await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))
    expect(response.status).toBe(200)
    await response.text()
    expect(fake.refreshes.length - before).toBe(1)
    expect(fake.refreshes.at(-1)!.refresh_token).toBe('rt-after-both')
    expect(fake.refreshes.at(-1)!.refresh_reason).toBe('unauthorized_recovery')
  })

  test('20 concurrent requests with an expired token cause exactly one refresh; the rotated token is never redeemed twice', async () => {
    writeAuth(authPath, { access: makeJwt({ exp: nowS() - 5 }), refresh: 'rt-concurrent' })
    const before = fake.refreshes.length
    const responses = await Promise.all(Array.from({ length: 20 }, () => handle(post('/v1/responses', codexBody(), CODEX_HEADERS))))
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200))
    await Promise.all(responses.map((r) => r.text()))
    expect(fake.refreshes.length - before).toBe(1)
    const tokens = fake.refreshes.map((r) => r.refresh_token)
    expect(new Set(tokens).size).toBe(tokens.length)
  })

  test('a permanent refresh failure leaves auth.json byte-identical and tells the user to run codex login', async () => {
    const text = writeAuth(authPath, { access: makeJwt({ exp: nowS() - 5 }), refresh: 'rt-dead' })
    fake.failRefresh = { mode: 'permanent', times: 1 }
    const response = await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))
    expect(response.status).toBe(401)
    expect(((await response.json()) as any).error.message).toContain('codex login')
    expect(readFileSync(authPath, 'utf8')).toBe(text)
  })

  test('transient refresh failures are retried with backoff', async () => {
    writeAuth(authPath, { access: makeJwt({ exp: nowS() - 5 }), refresh: 'rt-flaky' })
    fake.failRefresh = { mode: 'transient', times: 2 }
    const response = await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))
    expect(response.status).toBe(200)
    await response.text()
  })

  test('the planted tokens never appear in a log line or a response', async () => {
    const access = makeJwt({ exp: nowS() - 5, secret: 'planted-access-secret' })
    writeAuth(authPath, { access, refresh: 'rt-planted-secret-value' })
    fake.failRefresh = { mode: 'permanent', times: 1 }
    const failed = await (await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))).text()
    writeAuth(authPath, { access: fake.validAccess, refresh: 'rt-planted-secret-2' })
    const ok = await (await handle(post('/v1/responses', codexBody(), CODEX_HEADERS))).text()
    for (const secret of [access, 'rt-planted-secret-value', 'rt-planted-secret-2', fake.validAccess]) {
      expect(failed + ok).not.toContain(secret)
      for (const line of log.lines) expect(line).not.toContain(secret)
    }
  })
})

describe('ChatGPT passthrough with the official openai SDK', () => {
  test('a correct non-streamed response object and a correct stream', async () => {
    const shim = startShim(settingsFrom([]), { chatgpt: service })
    try {
      const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
      const response = await client.responses.create({ model: 'gpt-5.5', input: 'hi', max_output_tokens: 100 })
      expect(response.output_text).toBe('Hello from ChatGPT.')
      expect(response.usage?.input_tokens_details.cached_tokens).toBe(800)
      fake.respond = () => ({ kind: 'events', events: backendEvents('Streamed.', { id: 'call_1', cmd: 'ls' }) })
      const final = await client.responses.stream({ model: 'gpt-5.5', input: 'hi' }).finalResponse()
      expect(final.output.map((item) => item.type)).toEqual(['message', 'function_call'])
      const chat = await client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }] })
      expect(chat.choices[0]!.message.tool_calls![0]!.id).toBe('call_1')
    } finally {
      shim.close()
    }
  })
})

describe('ChatGPT passthrough: settings entries, compaction, catalog', () => {
  test('a settings entry with provider chatgpt: a name of the user\'s choosing with pinned effort and service tier', async () => {
    const pinned = createHandler(testDeps(settingsFrom([{ slug: 'my-deep', model: 'gpt-5.5', provider: 'chatgpt', reasoning_effort: 'high', service_tier: 'priority' }]), { chatgpt: service }))
    const response = await pinned(post('/v1/responses', codexBody({ model: 'my-deep', reasoning: { effort: 'low' } }), CODEX_HEADERS))
    expect(response.status).toBe(200)
    await response.text()
    expect(fake.requests.at(-1)!.body).toMatchObject({ model: 'gpt-5.5', reasoning: { effort: 'high' }, service_tier: 'priority' })
  })

  test('/v1/responses/compact and compaction items pass through untouched', async () => {
    const response = await handle(post('/v1/responses/compact', { model: 'gpt-5.5', input: [{ type: 'compaction', id: 'cmp_1', encrypted_content: 'opaque-openai' }, { type: 'compaction_trigger' }] }, CODEX_HEADERS))
    // The fake has no compact route: what matters is where and what we sent.
    expect(response.status).toBe(404)
    expect(((await response.json()) as any).error.message).toContain('Not Found')
    const streamed = await handle(post('/v1/responses', codexBody({ input: [{ type: 'compaction', id: 'cmp_1', encrypted_content: 'opaque-openai' }, { type: 'compaction_trigger' }] }), CODEX_HEADERS))
    await streamed.text()
    expect(fake.requests.at(-1)!.body.input).toEqual([{ type: 'compaction', id: 'cmp_1', encrypted_content: 'opaque-openai' }, { type: 'compaction_trigger' }])
  })

  test('the live model list is cached and revalidated with its ETag', async () => {
    const seen: string[] = []
    const catalog = new (await import('../../src/chatgpt/catalog.ts')).ChatgptCatalog({
      ttlMs: 0,
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        seen.push(new Headers(init?.headers).get('if-none-match') ?? '-')
        return fetch(input, init)
      }) as typeof fetch,
    })
    expect((await catalog.models()).map((m) => m.slug)).toEqual(['gpt-5.5'])
    // Past its TTL the list is answered as it was and revalidated behind the answer.
    expect((await catalog.models()).map((m) => m.slug)).toEqual(['gpt-5.5'])
    await catalog.settled()
    expect(seen).toEqual(['-', '"models-v1"'])
  })

  test("a Codex turn: the plan's model list is asked for with that Codex's version, before the turn goes out", async () => {
    const before = fake.modelListVersions.length
    const userAgent = 'codex_exec/0.173.4 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.173.4)'
    const response = await handle(post('/v1/responses', codexBody(), { ...CODEX_HEADERS, 'user-agent': userAgent }))
    expect(response.status).toBe(200)
    await response.text()
    expect(fake.modelListVersions.slice(before)).toEqual(['0.173.4'])
  })

  test("the list is asked for with the version of the Codex in front (its user-agent), not the installed CLI's", async () => {
    const asked: string[] = []
    const catalog = new (await import('../../src/chatgpt/catalog.ts')).ChatgptCatalog({
      ttlMs: 0,
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        asked.push(new URL(String(input)).searchParams.get('client_version') ?? '-')
        return fetch(input, init)
      }) as typeof fetch,
    })
    // Not Codex (no originator), or no version in the user-agent: nothing noted.
    catalog.noteClient(new Headers({ 'user-agent': 'OpenAI/JS 6.1.0' }))
    catalog.noteClient(new Headers({ originator: 'codex_exec', 'user-agent': 'curl' }))
    catalog.noteClient(new Headers({ originator: 'Codex Desktop', 'user-agent': 'Codex Desktop/0.171.0-alpha.2 (Mac OS 15.4; arm64) (Codex Desktop; 0.171.0-alpha.2)' }))
    await catalog.models()
    catalog.noteClient(new Headers({ originator: 'codex_exec', 'user-agent': 'codex_exec/0.172.1 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.172.1)' }))
    await catalog.models()
    await catalog.settled()
    expect(asked).toEqual(['0.171.0-alpha.2', '0.172.1'])
  })

  test('an old list is answered at once while it is refreshed: no request waits on chatgpt.com', async () => {
    let release: () => void = () => {}
    let calls = 0
    const catalog = new (await import('../../src/chatgpt/catalog.ts')).ChatgptCatalog({
      ttlMs: 0,
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        // The first call answers; the refresh after it hangs until the test lets it go.
        if (calls++ > 0) await new Promise<void>((resolve) => (release = resolve))
        return fetch(input, init)
      }) as typeof fetch,
    })
    expect((await catalog.models()).map((m) => m.slug)).toEqual(['gpt-5.5'])
    expect((await catalog.models()).map((m) => m.slug)).toEqual(['gpt-5.5']) // answered with the refresh still hanging
    expect((await catalog.efforts('gpt-5.5'))).not.toBeNull()
    expect(calls).toBe(2) // one refresh in flight, shared
    release()
    await catalog.settled()
  })
})
