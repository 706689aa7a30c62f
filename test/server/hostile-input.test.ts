/**
 * Hostile input (issue #11, items 7.1, 7.9 and 7.10): compression bombs in
 * request bodies and upstream answers stop at the limit; malformed Host
 * headers are a 400; a chunked body over the limit is a 413 in the client's
 * shape; failures on the client's side are logged once, in the client's words,
 * without naming an upstream that was never contacted.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { deflateSync } from 'node:zlib'
import { createHandler } from '../../src/server/app.ts'
import { startServer } from '../../src/server/serve.ts'
import { compressedZeros, countedBody, startHostileUpstream } from '../fakes/hostile-upstream.ts'
import { memoryLog, post, settingsFrom, testDeps } from '../support/shim.ts'

const LIMIT = 1024 * 1024
const COMPLETION = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'chat-model', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }

let gzipBomb: Uint8Array
const upstream = startHostileUpstream(async (_request, url) => {
  if (url.pathname.endsWith('/bomb/v1/chat/completions')) {
    return new Response(gzipBomb, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
  }
  return Response.json(COMPLETION)
})

function settings() {
  return settingsFrom([
    { slug: 'chat', model: 'chat-model', provider: 'generic-chat-completion-api', base_url: `${upstream.url}/v1` },
    { slug: 'bomb', model: 'chat-model', provider: 'generic-chat-completion-api', base_url: `${upstream.url}/bomb/v1` },
    { slug: 'claude', model: 'claude-model', provider: 'anthropic', base_url: upstream.url, api_key: 'sk-ant-test-key' },
  ])
}

const chatBody = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })

beforeAll(async () => {
  process.env.CODEX_SHIM_MAX_BODY_BYTES = String(LIMIT)
  process.env.CODEX_SHIM_MAX_UPSTREAM_BODY_BYTES = String(LIMIT)
  // 64 MiB of zeros in about 64 KiB: 64 times the limit.
  gzipBomb = await compressedZeros('gzip', 64 * LIMIT)
})
afterAll(() => {
  delete process.env.CODEX_SHIM_MAX_BODY_BYTES
  delete process.env.CODEX_SHIM_MAX_UPSTREAM_BODY_BYTES
  upstream.stop()
})

function compressed(format: 'gzip' | 'deflate' | 'zstd', bytes: Uint8Array): Uint8Array {
  // HTTP's deflate is the zlib format (RFC 9110 §8.4.1.2), which node:zlib's deflate writes.
  return format === 'zstd' ? Bun.zstdCompressSync(bytes) : format === 'gzip' ? Bun.gzipSync(bytes as Uint8Array<ArrayBuffer>) : deflateSync(bytes)
}

function streamedPost(path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>): Request {
  return new Request(`http://127.0.0.1:8765${path}`, { method: 'POST', headers: { 'content-type': 'application/json', host: '127.0.0.1:8765', ...headers }, body, duplex: 'half' } as RequestInit)
}

describe('7.1 compression bombs in request bodies', () => {
  const handle = createHandler(testDeps(settings()))

  test.each(['zstd', 'gzip', 'deflate'] as const)('a %s body that inflates to 64× the limit is a 413, read only as far as the limit', async (format) => {
    // Zeros inside a JSON string: valid all the way, so only the size can stop it.
    const inflated = new Uint8Array(64 * LIMIT).fill(0x20)
    inflated.set(new TextEncoder().encode('{"model":"chat","messages":[],"x":"'), 0)
    const { body, counter } = countedBody(compressed(format, inflated), 64)
    const response = await handle(streamedPost('/v1/chat/completions', body, { 'content-encoding': format }))
    expect(response.status).toBe(413)
    expect(((await response.json()) as any).error.message).toContain('exceeds 1 MiB')
    // Stopped at the limit: most of the compressed body was never asked for.
    expect(counter.pulled).toBeLessThan(counter.total / 2)
    expect(counter.total).toBeGreaterThan(4)
  })

  test.each(['zstd', 'gzip', 'deflate'] as const)('a %s body within the limit is decoded and served', async (format) => {
    const response = await handle(streamedPost('/v1/chat/completions', new Response(compressed(format, new TextEncoder().encode(chatBody))).body!, { 'content-encoding': format }))
    expect(response.status).toBe(200)
    expect(((await response.json()) as any).choices[0].message.content).toBe('ok')
    expect(upstream.requests.at(-1)!.headers['content-encoding']).toBeUndefined()
  })

  test('an encoding we do not decode is a 415, a corrupt one a 400', async () => {
    expect((await handle(post('/v1/chat/completions', chatBody, { 'content-encoding': 'compress' }))).status).toBe(415)
    const corrupt = await handle(post('/v1/chat/completions', 'not gzip at all', { 'content-encoding': 'gzip' }))
    expect(corrupt.status).toBe(400)
    expect(((await corrupt.json()) as any).error.message).toContain('does not decompress')
  })
})

describe('7.1 compression bombs from upstreams', () => {
  test('a gzip answer that inflates past the limit is a 502 naming the limit, not a whole-body inflate', async () => {
    const memory = memoryLog()
    const handle = createHandler(testDeps(settings(), { log: memory.logger }))
    const response = await handle(post('/v1/chat/completions', { model: 'bomb', messages: [{ role: 'user', content: 'hi' }] }))
    expect(response.status).toBe(502)
    const message = ((await response.json()) as any).error.message as string
    expect(message).toContain('larger than 1 MiB')
    expect(message).toContain('CODEX_SHIM_MAX_UPSTREAM_BODY_BYTES')
  })
})

describe('7.10 client-side failures in the log', () => {
  test('an upload that stops midway is logged once, as the client’s, with no error line', async () => {
    const memory = memoryLog()
    const handle = createHandler(testDeps(settings(), { log: memory.logger }))
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"model":"chat","messages":['))
        // What Bun's request body does when the client's socket closes or idles out.
        controller.error(new Error('The connection was closed.'))
      },
    })
    const response = await handle(streamedPost('/v1/chat/completions', body, {}))
    expect(response.status).toBe(408)
    await response.arrayBuffer()
    expect(memory.lines).toHaveLength(1)
    expect(memory.lines[0]).toContain('status=408')
    expect(memory.lines[0]).toContain('outcome=bad_request')
    expect(memory.lines[0]).toContain('error=request_body_incomplete')
    expect(memory.lines[0]).not.toContain('upstream_stream')
  })

  test('a body too deep to forward is logged without an upstream: nothing was sent', async () => {
    const memory = memoryLog()
    const handle = createHandler(testDeps(settings(), { log: memory.logger }))
    const depth = 100_000
    const deep = `{"model":"claude","max_tokens":8,"messages":[{"role":"user","content":"hi"}],"metadata":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`
    const before = upstream.requests.length
    const response = await handle(post('/v1/messages', deep))
    await response.arrayBuffer()
    // Refused at parse (the depth limit, 7.8): a 400 naming the limit, before any model or upstream is chosen.
    expect(response.status).toBe(400)
    expect(upstream.requests.length).toBe(before)
    const line = memory.lines.find((entry) => entry.includes('POST /v1/messages model='))!
    expect(line).toContain('upstream=-')
    expect(line).toContain('status=400')
  })
})

describe('a real server: Host headers, chunked bodies, bombs beside /health', () => {
  let server: ReturnType<typeof startServer>
  beforeAll(() => {
    server = startServer(settings(), { host: '127.0.0.1', port: 0 })
  })
  afterAll(() => {
    server.stop()
  })

  /** One raw HTTP exchange: what the server wrote back before closing. */
  function raw(text: string | Uint8Array[], options: { endAfterWrite?: boolean } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      let out = ''
      const socket = connect(server.server.port!, '127.0.0.1', () => {
        for (const part of typeof text === 'string' ? [text] : text) socket.write(part)
        if (options.endAfterWrite) socket.end()
      })
      socket.on('data', (data) => (out += data.toString()))
      socket.on('error', reject)
      socket.on('close', () => resolve(out))
    })
  }
  const statusOf = (answer: string) => Number(answer.split(' ')[1])
  const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))

  test.each([
    ['an empty Host', 'GET /health HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n'],
    ['a port past 65535', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1:99999\r\nConnection: close\r\n\r\n'],
    ['userinfo in Host', 'GET /health HTTP/1.1\r\nHost: a@b\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.0 without Host', 'GET /health HTTP/1.0\r\n\r\n'],
    ['two Host headers, ours first', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n'],
    ['two Host headers, ours second', 'GET /health HTTP/1.1\r\nHost: evil.example\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'],
  ])('%s is a 400 with a JSON error, not a 500', async (_name, request) => {
    const answer = await raw(request)
    expect(statusOf(answer)).toBe(400)
    expect(bodyOf(answer).error.message).toMatch(/Host/)
  })

  test('a good Host still gets /health', async () => {
    const answer = await raw('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    expect(statusOf(answer)).toBe(200)
    expect(bodyOf(answer).ok).toBe(true)
  })

  test('a chunked body over the limit is a 413 in the client’s shape', async () => {
    const chunk = 'x'.repeat(64 * 1024)
    const parts = [new TextEncoder().encode('POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n')]
    for (let i = 0; i < 40; i++) parts.push(new TextEncoder().encode(`${chunk.length.toString(16)}\r\n${chunk}\r\n`))
    parts.push(new TextEncoder().encode('0\r\n\r\n'))
    const answer = await raw(parts)
    expect(statusOf(answer)).toBe(413)
    const body = bodyOf(answer)
    // Anthropic's shape, for an Anthropic client.
    expect(body.type).toBe('error')
    expect(body.error.type).toBe('request_too_large')
  })

  test('two zstd bombs at once are 413s and /health answers beside them', async () => {
    const inflated = new Uint8Array(256 * LIMIT).fill(0x20)
    inflated.set(new TextEncoder().encode('{"model":"chat","messages":[],"x":"'), 0)
    const bomb = Bun.zstdCompressSync(inflated)
    const base = `http://127.0.0.1:${server.server.port}`
    const send = () => fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' }, body: bomb })
    const [first, second, health] = await Promise.all([send(), send(), fetch(`${base}/health`)])
    expect([first.status, second.status]).toEqual([413, 413])
    expect(health.status).toBe(200)
    expect(((await health.json()) as any).ok).toBe(true)
  })
})
