/**
 * Fault injection: every provider kind (chat, Anthropic, ChatGPT backend)
 * under every client dialect (Responses, Codex's Responses with its
 * `originator`, Chat Completions, Messages), against one misbehaving fake.
 * Each case asserts what the client sees in its own dialect, and that the
 * same shim then serves a healthy request.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { makeJwt, nowS, writeAuth } from '../fakes/chatgpt-backend.ts'
import { startFaultUpstream, UPSTREAM_ERROR_MESSAGE, type Fault, type Wire } from '../fakes/fault-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { trackTimers } from '../support/timers.ts'

const IDLE_MS = 200
const RETRY = { retries: 2, baseDelayMs: 5, maxDelayMs: 1_000 }
const upstream = startFaultUpstream()
// A port that refuses connections: bound, then released.
const closedPort = (() => {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = server.port
  server.stop(true)
  return port
})()

type Dialect = 'responses' | 'codex' | 'chat' | 'messages'
const DIALECTS: Dialect[] = ['responses', 'codex', 'chat', 'messages']
const WIRES: Wire[] = ['chat', 'anthropic', 'chatgpt']
const SLUG: Record<Wire, string> = { chat: 'w-chat', anthropic: 'w-anthropic', chatgpt: 'w-chatgpt' }

function shimAt(base: string) {
  const settings = settingsFrom([
    { slug: SLUG.chat, model: 'fake-model', provider: 'generic-chat-completion-api', base_url: base },
    { slug: SLUG.anthropic, model: 'claude-fake', provider: 'anthropic', base_url: base, api_key: 'sk-ant-test' },
    { slug: SLUG.chatgpt, model: 'gpt-5.5', provider: 'chatgpt' },
  ])
  return startShim(settings, { idleTimeoutMs: IDLE_MS, retry: RETRY, chatgpt: new ChatgptService() })
}

let shim: ReturnType<typeof startShim>
let resetShim: ReturnType<typeof startShim>
let refusedShim: ReturnType<typeof startShim>
beforeAll(() => {
  writeAuth(join(process.env.CODEX_HOME!, 'auth.json'), { access: makeJwt({ exp: nowS() + 3600 }), refresh: 'rt-fault' })
  process.env.CODEX_SHIM_CHATGPT_BASE_URL = upstream.base
  shim = shimAt(upstream.base)
  resetShim = shimAt(upstream.resetBase)
  refusedShim = shimAt(`http://127.0.0.1:${closedPort}/v1`)
})
afterAll(() => {
  for (const server of [shim, resetShim, refusedShim]) server.close()
  upstream.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
  rmSync(join(process.env.CODEX_HOME!, 'auth.json'), { force: true })
})

/** The ChatGPT backend's address is process-wide; point it elsewhere for one case. */
async function withBackend<T>(base: string, run: () => Promise<T>): Promise<T> {
  process.env.CODEX_SHIM_CHATGPT_BASE_URL = base
  try {
    return await run()
  } finally {
    process.env.CODEX_SHIM_CHATGPT_BASE_URL = upstream.base
  }
}

function send(base: string, dialect: Dialect, wire: Wire, options: { stream?: boolean; signal?: AbortSignal } = {}): Promise<Response> {
  const stream = options.stream ?? true
  const model = SLUG[wire]
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  let path = '/v1/responses'
  let body: Record<string, unknown> = { model, input: 'hi', stream }
  if (dialect === 'codex') headers.originator = 'codex_exec'
  if (dialect === 'chat') {
    path = '/v1/chat/completions'
    body = { model, messages: [{ role: 'user', content: 'hi' }], stream }
  }
  if (dialect === 'messages') {
    path = '/v1/messages'
    body = { model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], stream }
  }
  return fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: options.signal })
}

interface Outcome {
  status: number
  text: string
  error: string | null
  done: boolean
  retryAfter: string | null
}

/** What a client of this dialect makes of the response: answer text, whether it finished, the error it would raise. */
async function outcome(dialect: Dialect, response: Response): Promise<Outcome> {
  const result: Outcome = { status: response.status, text: '', error: null, done: false, retryAfter: response.headers.get('retry-after') }
  if (!response.headers.get('content-type')?.includes('event-stream')) {
    const body = (await response.json()) as any
    if (!response.ok) result.error = body.error?.message ?? body.detail ?? JSON.stringify(body)
    else {
      result.done = true
      result.text = dialect === 'chat' ? body.choices[0].message.content : dialect === 'messages' ? body.content[0].text : body.output.find((item: any) => item.type === 'message').content[0].text
    }
    return result
  }
  for (const block of (await response.text()).split(/\n\n/)) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n')
    if (!data || data === '[DONE]') continue
    let event: any
    try {
      event = JSON.parse(data)
    } catch {
      continue // what SDKs do with a line they cannot read varies; the answer is what counts here
    }
    if (dialect === 'chat') {
      if (event.error) result.error = event.error.message
      result.text += event.choices?.[0]?.delta?.content ?? ''
      if (event.choices?.[0]?.finish_reason) result.done = true
    } else if (dialect === 'messages') {
      if (event.type === 'error') result.error = event.error.message
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') result.text += event.delta.text
      if (event.type === 'message_stop') result.done = true
    } else {
      if (event.type === 'response.failed') result.error = event.response.error.message
      if (event.type === 'response.output_text.delta') result.text += event.delta
      if (event.type === 'response.completed') result.done = true
    }
  }
  return result
}

async function run(dialect: Dialect, wire: Wire, fault: Fault, options: { stream?: boolean; base?: string } = {}): Promise<Outcome & { requests: number }> {
  upstream.fault = fault
  const before = upstream.requests
  const response = await send(options.base ?? shim.url, dialect, wire, options)
  const result = await outcome(dialect, response)
  upstream.fault = { kind: 'ok' }
  return { ...result, requests: upstream.requests - before }
}

async function until(condition: () => boolean, ms = 2_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!condition() && Date.now() < deadline) await Bun.sleep(5)
  return condition()
}

/** The shim still answers normally after the fault. */
async function stillServes(dialect: Dialect, wire: Wire) {
  const healthy = await run(dialect, wire, { kind: 'ok' })
  expect(healthy).toMatchObject({ status: 200, text: 'Hello', error: null, done: true })
}

for (const wire of WIRES) {
  for (const dialect of DIALECTS) {
    const fastPath = (wire === 'chat' && dialect === 'chat') || (wire === 'anthropic' && dialect === 'messages') || (wire === 'chatgpt' && dialect === 'codex')
    describe(`${dialect} client → ${wire} upstream${fastPath ? ' (fast path)' : ''}`, () => {
      test('a healthy answer streams through, streamed and not', async () => {
        await stillServes(dialect, wire)
        if (wire !== 'chatgpt' && !fastPath) expect(await run(dialect, wire, { kind: 'ok' }, { stream: false })).toMatchObject({ status: 200, text: 'Hello', done: true })
      })

      test('refused connection: retried, then a 502 naming the upstream', async () => {
        const result = await withBackend(`http://127.0.0.1:${closedPort}/v1`, () => run(dialect, wire, { kind: 'ok' }, { base: refusedShim.url }))
        expect(result.status).toBe(502)
        expect(result.error).toMatch(/Could not reach/)
        await stillServes(dialect, wire)
      })

      test('no response headers: a 504 naming the wait, not retried, upstream request aborted', async () => {
        const aborted = upstream.aborted
        const result = await run(dialect, wire, { kind: 'no-headers' })
        expect(result.status).toBe(504)
        expect(result.error).toMatch(/no response headers within 200 ms/)
        expect(result.requests).toBe(1)
        expect(await until(() => upstream.aborted > aborted)).toBe(true)
        await stillServes(dialect, wire)
      })

      for (const status of [500, 502, 503]) {
        test(`HTTP ${status} with no retry-after: retried twice, then passed on with the upstream's message`, async () => {
          const result = await run(dialect, wire, { kind: 'status', status })
          expect(result.requests).toBe(3)
          expect(result.status).toBe(status)
          expect(result.error).toContain(`upstream said ${status}`)
        })
      }

      test('HTTP 503 once, then an answer: the retry is invisible to the client', async () => {
        upstream.queue.push({ kind: 'status', status: 503 })
        const result = await run(dialect, wire, { kind: 'ok' })
        expect(result).toMatchObject({ status: 200, text: 'Hello', done: true, requests: 2 })
      })

      test('HTTP 429 with a long retry-after: passed on at once with its retry-after', async () => {
        const result = await run(dialect, wire, { kind: 'status', status: 429, headers: { 'retry-after': '30' } })
        expect(result.requests).toBe(1)
        expect(result.status).toBe(429)
        expect(result.retryAfter).toBe('30')
        expect(result.error).toContain('upstream said 429')
      })

      test('HTTP 429 with no or a short retry-after', async () => {
        upstream.queue.push({ kind: 'status', status: 429, headers: { 'retry-after': '0' } })
        const short = await run(dialect, wire, { kind: 'ok' })
        const bare = await run(dialect, wire, { kind: 'status', status: 429 })
        expect(bare.status).toBe(429)
        if (wire === 'chatgpt') {
          // On a subscription a 429 is a usage window: it goes straight to the client.
          expect(short).toMatchObject({ status: 429, requests: 1 })
          expect(bare.requests).toBe(1)
        } else {
          expect(short).toMatchObject({ status: 200, text: 'Hello', requests: 2 })
          expect(bare.requests).toBe(3)
        }
      })

      test('200, then the connection closes mid-answer: partial text, then an error event', async () => {
        const result = await run(dialect, wire, { kind: 'close-mid-stream' })
        expect(result).toMatchObject({ status: 200, text: 'Hello', done: false })
        expect(result.error).toMatch(/closed the stream before/)
        await stillServes(dialect, wire)
      })

      test('200, then the connection is reset mid-answer: partial text, then an error event', async () => {
        const result = await withBackend(upstream.resetBase, () => run(dialect, wire, { kind: 'ok' }, { base: resetShim.url }))
        expect(result.status).toBe(200)
        expect(result.text).toBe('Hello')
        expect(result.done).toBe(false)
        expect(result.error).toBeTruthy()
        await stillServes(dialect, wire)
      })

      test("200, then the upstream's error event: the client hears the upstream's message", async () => {
        const result = await run(dialect, wire, { kind: 'error-event' })
        expect(result).toMatchObject({ status: 200, text: 'Hel', done: false })
        expect(result.error).toContain(UPSTREAM_ERROR_MESSAGE)
        await stillServes(dialect, wire)
      })

      test('garbage lines, comments and invalid JSON between events: the answer still arrives whole', async () => {
        const result = await run(dialect, wire, { kind: 'malformed' })
        expect(result).toMatchObject({ status: 200, text: 'Hello', done: true, error: null })
      })

      test('one 10 MB event: delivered intact', async () => {
        const bytes = 10 * 1024 * 1024
        const result = await run(dialect, wire, { kind: 'huge-event', bytes })
        expect(result.error).toBeNull()
        expect(result.done).toBe(true)
        expect(result.text.length).toBe(bytes)
        expect(result.text).toBe('x'.repeat(bytes))
      }, 20_000)

      test('silence mid-answer past the idle timeout: an error event, the upstream aborted, no timer left', async () => {
        const timers = trackTimers()
        try {
          const aborted = upstream.aborted
          const result = await run(dialect, wire, { kind: 'silent-mid-stream' })
          expect(result).toMatchObject({ status: 200, text: 'Hel', done: false })
          expect(result.error).toMatch(/sent nothing for 200 ms/)
          expect(await until(() => upstream.aborted > aborted)).toBe(true)
          expect(await until(() => timers.pending === 0)).toBe(true)
        } finally {
          timers.restore()
        }
        await stillServes(dialect, wire)
      })

      if (!fastPath || wire !== 'chatgpt') {
        test('non-streamed: silence is a 504 and a broken answer a 502, in the dialect’s error shape', async () => {
          if (fastPath) {
            // The fast paths read a non-streamed answer whole, with the idle timeout between chunks.
            const silent = await run(dialect, wire, { kind: 'silent-mid-stream' }, { stream: false })
            expect(silent.status).toBe(504)
            expect(silent.error).toMatch(/sent nothing for 200 ms/)
            return
          }
          const silent = await run(dialect, wire, { kind: 'silent-mid-stream' }, { stream: false })
          expect(silent.status).toBe(504)
          expect(silent.error).toMatch(/sent nothing for 200 ms/)
          const broken = await run(dialect, wire, { kind: 'close-mid-stream' }, { stream: false })
          expect(broken.status).toBe(502)
          expect(broken.error).toMatch(/closed the stream before/)
          const failed = await run(dialect, wire, { kind: 'error-event' }, { stream: false })
          expect(failed.status).toBeGreaterThanOrEqual(500)
          expect(failed.error).toContain(UPSTREAM_ERROR_MESSAGE)
        })
      }

      test('the client disconnects mid-answer: the upstream request is aborted and no timer is left', async () => {
        const timers = trackTimers()
        try {
          const aborted = upstream.aborted
          upstream.fault = { kind: 'endless', eventBytes: 64 }
          const controller = new AbortController()
          const response = await send(shim.url, dialect, wire, { signal: controller.signal })
          expect(response.status).toBe(200)
          const reader = response.body!.getReader()
          await reader.read()
          controller.abort()
          await reader.cancel().catch(() => {})
          expect(await until(() => upstream.aborted > aborted)).toBe(true)
          expect(await until(() => timers.pending === 0)).toBe(true)
        } finally {
          timers.restore()
          upstream.fault = { kind: 'ok' }
        }
        await stillServes(dialect, wire)
      })

      test('a client that stops reading stops the upstream (back-pressure), then reads on', async () => {
        upstream.fault = { kind: 'endless', eventBytes: 16 * 1024 }
        upstream.produced = 0
        const response = await send(shim.url, dialect, wire)
        const reader = response.body!.getReader()
        await reader.read()
        // Socket buffers fill (a few MB per loopback hop), then production stops: wait for the plateau.
        let stalledAt = -1
        for (let i = 0; i < 40 && upstream.produced !== stalledAt; i++) {
          stalledAt = upstream.produced
          await Bun.sleep(100)
        }
        expect(upstream.produced).toBe(stalledAt)
        expect(stalledAt).toBeLessThan(48 * 1024 * 1024)
        for (let i = 0; i < 50; i++) await reader.read()
        expect(upstream.produced).toBeGreaterThan(0)
        await reader.cancel()
        upstream.fault = { kind: 'ok' }
        await stillServes(dialect, wire)
      })
    })
  }
}
