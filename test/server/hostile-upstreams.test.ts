/**
 * Hostile upstreams (issue #11, items 7.2 and 7.6): a redirect must not carry
 * our key or extra headers to another host, and an upstream that quotes the
 * headers we sent (in an error page or a mid-stream error event) must not get
 * our credentials to the client or the log, on translated routes and fast paths.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { quoteHeaders, startHostileUpstream } from '../fakes/hostile-upstream.ts'
import { memoryLog, post, settingsFrom, testDeps } from '../support/shim.ts'

const KEY = 'sk-hostile-test-key-0123456789'
const EXTRA = 'extra-header-secret-value-42'
const credentials = { api_key: KEY, extra_headers: { 'x-team-token': EXTRA } }

// Where a redirect points: it records whatever reaches it (nothing must).
const elsewhere = startHostileUpstream(() => Response.json({ error: { message: 'you should not be here' } }, { status: 500 }))
const redirecting = startHostileUpstream((_request, url) => new Response(null, { status: 307, headers: { location: `${elsewhere.url}${url.pathname}?key=LEAKED-QUERY` } }))

// An error page that quotes the request headers back, as some gateways do.
const echoing401 = startHostileUpstream((request) => Response.json({ error: { message: `Invalid credentials. We received ${quoteHeaders(request)}`, type: 'authentication_error' } }, { status: 401 }))

// A stream that starts well, then reports an error quoting the request headers, in each upstream dialect.
const SSE = { 'content-type': 'text/event-stream' }
const echoingStream = startHostileUpstream((request, url) => {
  const quoted = JSON.stringify(`bad headers: ${quoteHeaders(request)}`)
  if (url.pathname.endsWith('/chat/completions')) {
    return new Response(`data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: {"error":{"message":${quoted},"type":"server_error"}}\n\n`, { headers: SSE })
  }
  if (url.pathname.endsWith('/messages')) {
    return new Response(
      `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":0}}}\n\n` +
        `event: error\ndata: {"type":"error","error":{"type":"api_error","message":${quoted}}}\n\n`,
      { headers: SSE },
    )
  }
  const response = { id: 'resp_1', object: 'response', created_at: 1, status: 'failed', model: 'm', output: [], error: { code: 'server_error', message: JSON.parse(quoted) } }
  return new Response(`event: response.created\ndata: ${JSON.stringify({ type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', error: null } })}\n\nevent: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: 1, response })}\n\n`, { headers: SSE })
})

afterAll(() => {
  for (const server of [elsewhere, redirecting, echoing401, echoingStream]) server.stop()
})

function shimFor(base: string) {
  const memory = memoryLog()
  const settings = settingsFrom([
    { slug: 'to-chat', model: 'chat-model', provider: 'generic-chat-completion-api', base_url: `${base}/v1`, ...credentials },
    { slug: 'to-anthropic', model: 'claude-model', provider: 'anthropic', base_url: base, ...credentials },
    { slug: 'to-responses', model: 'resp-model', provider: 'openai-responses', base_url: `${base}/v1`, ...credentials },
  ])
  return { handle: createHandler(testDeps(settings, { log: memory.logger, retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } })), lines: memory.lines }
}

type Door = '/v1/responses' | '/v1/chat/completions' | '/v1/messages'
function requestBody(door: Door, model: string, stream: boolean) {
  if (door === '/v1/responses') return { model, input: 'hi', stream }
  if (door === '/v1/chat/completions') return { model, messages: [{ role: 'user', content: 'hi' }], stream }
  return { model, max_tokens: 32, messages: [{ role: 'user', content: 'hi' }], stream }
}

// Each door against each upstream kind: same dialect is the fast path, the rest are translated.
const CASES: [Door, string, string][] = [
  ['/v1/chat/completions', 'to-chat', 'fast path'],
  ['/v1/responses', 'to-chat', 'translated'],
  ['/v1/messages', 'to-anthropic', 'fast path'],
  ['/v1/responses', 'to-anthropic', 'translated'],
  ['/v1/responses', 'to-responses', 'fast path'],
  ['/v1/chat/completions', 'to-responses', 'translated'],
]

function expectNoCredentials(text: string) {
  expect(text).not.toContain(KEY)
  expect(text).not.toContain(EXTRA)
}

describe('7.2 upstream redirects are not followed', () => {
  const shim = shimFor(redirecting.url)
  test.each(CASES)('%s → %s (%s): a 307 becomes a 502 naming the target host, and nothing reaches it', async (door, model) => {
    for (const stream of [false, true]) {
      const response = await shim.handle(post(door, requestBody(door, model, stream)))
      expect(response.status).toBe(502)
      const text = await response.text()
      expect(text).toContain(elsewhere.host)
      expect(text).toContain('redirect')
      // The host only: a redirect's path and query can carry tokens.
      expect(text).not.toContain('LEAKED-QUERY')
      expectNoCredentials(text)
    }
    expect(elsewhere.requests).toEqual([])
    // The redirecting upstream did get our key: the one we configured for it.
    expect(redirecting.requests.at(-1)!.headers['x-team-token']).toBe(EXTRA)
  })
})

describe('7.6 credentials quoted back by an upstream are redacted', () => {
  test.each(CASES)('%s → %s (%s): an error page quoting our headers reaches the client with [redacted]', async (door, model) => {
    const shim = shimFor(echoing401.url)
    const response = await shim.handle(post(door, requestBody(door, model, false)))
    expect(response.status).toBe(401)
    const text = await response.text()
    expect(text).toContain('[redacted]')
    expect(text).toContain('x-team-token')
    expectNoCredentials(text)
    expectNoCredentials(shim.lines.join('\n'))
  })

  test.each(CASES)('%s → %s (%s): a mid-stream error event quoting our headers reaches the client with [redacted]', async (door, model) => {
    const shim = shimFor(echoingStream.url)
    for (const stream of [true, false]) {
      const response = await shim.handle(post(door, requestBody(door, model, stream)))
      const text = await response.text()
      // The upstream's own words arrive (so the client knows what happened), minus the secrets.
      expect(text).toContain('bad headers')
      expect(text).toContain('[redacted]')
      expectNoCredentials(text)
    }
    expectNoCredentials(shim.lines.join('\n'))
  })
})

describe('7.6 credentials in other shapes: a base_url password, a key quoted with JSON escapes', () => {
  // Base64-style keys hold "/" and "+": PHP's encoder writes "\/", .NET's writes "\u002B", and the client's parser turns both back.
  const SLASHED = 'ABSKQmVkcm9ja0FQSUtleS/abc+def/ghijklmnop=='
  const php = (text: string) => text.replaceAll('/', '\\/')
  const dotnet = (text: string) => text.replaceAll('+', '\\u002B')
  const decoded = (text: string) => text.replaceAll('\\/', '/').replace(/\\u([0-9a-fA-F]{4})/g, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
  const escapingError = startHostileUpstream(() => new Response(`{"error":{"message":"key ${php(SLASHED)} is not valid","type":"invalid_request_error","code":"invalid_key:${dotnet(SLASHED)}"}}`, { status: 401, headers: { 'content-type': 'application/json' } }))
  const escapingStream = startHostileUpstream(() => new Response(`data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: {"error":{"message":"key ${php(SLASHED)} / ${dotnet(SLASHED)} revoked","type":"server_error"}}\n\n`, { headers: SSE }))
  afterAll(() => {
    escapingError.stop()
    escapingStream.stop()
  })
  const shimWith = (model: Record<string, unknown>) => {
    const memory = memoryLog()
    const handle = createHandler(testDeps(settingsFrom([{ slug: 'm', model: 'chat-model', provider: 'generic-chat-completion-api', ...model }]), { log: memory.logger, retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } }))
    return { handle, lines: memory.lines }
  }

  test('a user:password in base_url (sent as Basic authorization by fetch) is redacted from a page quoting our headers', async () => {
    // No key of its own: a gateway that takes the password alone (with a key, fetch sends the key's header instead).
    const shim = shimWith({ base_url: `${echoing401.url.replace('http://', 'http://alice:proxy-password-S3cr3t@')}/v1` })
    for (const door of ['/v1/chat/completions', '/v1/responses'] as const) {
      const text = await (await shim.handle(post(door, requestBody(door, 'm', false)))).text()
      expect(text).toContain('authorization: Basic [redacted]')
      for (const leaked of ['proxy-password-S3cr3t', Buffer.from('alice:proxy-password-S3cr3t').toString('base64')]) expect(text).not.toContain(leaked)
    }
    expect(shim.lines.join('\n')).not.toContain('proxy-password-S3cr3t')
  })

  test.each(['/v1/chat/completions', '/v1/responses'] as const)('%s: a key quoted with \\/ or \\u002B reaches neither the client (as its parser reads it), nor the log line', async (door) => {
    const shim = shimWith({ base_url: `${escapingError.url}/v1`, api_key: SLASHED })
    const response = await shim.handle(post(door, requestBody(door, 'm', false)))
    expect(response.status).toBe(401)
    const text = await response.text()
    expect(decoded(text)).not.toContain(SLASHED)
    expect(decoded(text)).toContain('[redacted]')
    expect(shim.lines.join('\n')).not.toContain(SLASHED)
  })

  test.each(['/v1/chat/completions', '/v1/responses'] as const)('%s: the same in a mid-stream error event, fast path and translated', async (door) => {
    const shim = shimWith({ base_url: `${escapingStream.url}/v1`, api_key: SLASHED })
    const text = await (await shim.handle(post(door, requestBody(door, 'm', true)))).text()
    expect(decoded(text)).toContain('revoked')
    expect(decoded(text)).not.toContain(SLASHED)
  })
})
