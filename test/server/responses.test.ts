import { afterAll, describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { chunk, startFakeChatUpstream, startResettingUpstream, stream, textReply, toolCallReply, type ChatReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, memoryLog, post, settingsFrom, sseEvents, startShim, testDeps } from '../support/shim.ts'

const SECRET = 'sk-planted-secret-0123456789'
let next: (body: Json) => ChatReply = () => stream(textReply('Hello there.'))
const upstream = startFakeChatUpstream((body) => next(body))
const log = memoryLog()
const settings = settingsFrom([chatModel(upstream.url, { api_key: SECRET }), { slug: 'down', model: 'm', provider: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: SECRET }])
const handle = createHandler(testDeps(settings, { log: log.logger }))
afterAll(() => upstream.close())

const codexTurn = (extra: Json = {}) => ({ model: 'fake', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], ...extra })

describe('POST /v1/responses → chat upstream', () => {
  test('streams a well-formed Responses event sequence', async () => {
    next = () => stream(textReply('Hello there.', { reasoning: 'thinking' }))
    const response = await handle(post('/v1/responses', codexTurn()))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const events = await sseEvents(response)
    expect(events[0].type).toBe('response.created')
    expect(events.at(-1).type).toBe('response.completed')
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')
    expect(text).toBe('Hello there.')
    expect(events.at(-1).response.usage).toMatchObject({ input_tokens: 100, output_tokens: 20 })
    // What reached the upstream: the key, the upstream model id, usage requested.
    const sent = upstream.requests.at(-1)!
    expect(sent.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(sent.body.model).toBe('fake-model')
    expect(sent.body.stream_options).toEqual({ include_usage: true })
  })

  test('stream: false returns the aggregated response object', async () => {
    next = () => stream(toolCallReply([{ id: 'call_1', name: 'exec_command', arguments: { cmd: 'ls' } }], { text: 'Checking.' }))
    const tools = [{ type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }]
    const response = await handle(post('/v1/responses', codexTurn({ stream: false, tools })))
    expect(response.status).toBe(200)
    const body = (await response.json()) as any
    expect(body.object).toBe('response')
    expect(body.status).toBe('completed')
    expect(body.output.map((item: any) => item.type)).toEqual(['message', 'function_call'])
    expect(body.output[1]).toMatchObject({ call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"ls"}' })
  })

  test('upstream response headers such as openai-model are never forwarded', async () => {
    next = () => ({ ...stream(textReply('x')), headers: { 'openai-model': 'gpt-4o-2024' } })
    const response = await handle(post('/v1/responses', codexTurn()))
    expect(response.headers.get('openai-model')).toBeNull()
    await response.text()
  })

  test('429 keeps its status and retry-after (Codex retries only with it)', async () => {
    next = () => ({ kind: 'error', status: 429, body: { error: { message: 'slow down', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '7' } })
    const response = await handle(post('/v1/responses', codexTurn()))
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('7')
    const body = (await response.json()) as any
    expect(body.error.code).toBe('rate_limit_exceeded')
    expect(body.error.message).toContain('slow down')
  })

  test('429 without retry-after stays without it', async () => {
    next = () => ({ kind: 'error', status: 429, body: { error: { message: 'quota', code: 'insufficient_quota' } } })
    const response = await handle(post('/v1/responses', codexTurn()))
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBeNull()
    expect(((await response.json()) as any).error.code).toBe('insufficient_quota')
  })

  test.each([500, 502, 503])('%i passes through so Codex retries it', async (status) => {
    next = () => ({ kind: 'error', status, body: 'Bad Gateway' })
    const response = await handle(post('/v1/responses', codexTurn()))
    expect(response.status).toBe(status)
    expect(((await response.json()) as any).error.message).toContain(`HTTP ${status}`)
  })

  test('context-length error → response.failed with context_length_exceeded when streaming', async () => {
    next = () => ({ kind: 'error', status: 400, body: { error: { message: "This model's maximum context length is 65536 tokens. However, you requested 90000 tokens." } } })
    const response = await handle(post('/v1/responses', codexTurn()))
    expect(response.status).toBe(200)
    const events = await sseEvents(response)
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { error: { code: 'context_length_exceeded' } } })
  })

  test('context-length error → 400 with the code when not streaming', async () => {
    next = () => ({ kind: 'error', status: 400, body: { error: { message: 'prompt is too long', code: 'context_length_exceeded' } } })
    const response = await handle(post('/v1/responses', codexTurn({ stream: false })))
    expect(response.status).toBe(400)
    expect(((await response.json()) as any).error.code).toBe('context_length_exceeded')
  })

  test('an unreachable upstream is a 502 naming it, not a hang', async () => {
    const response = await handle(post('/v1/responses', codexTurn({ model: 'down' })))
    expect(response.status).toBe(502)
    expect(((await response.json()) as any).error.message).toContain('Could not reach openai@127.0.0.1:9')
  })

  test('a connection reset mid-stream ends with response.failed (Codex retries it)', async () => {
    const resetting = startResettingUpstream([chunk({ role: 'assistant', content: 'par' })])
    try {
      const broken = createHandler(testDeps(settingsFrom([chatModel(resetting.url)])))
      const events = await sseEvents(await broken(post('/v1/responses', codexTurn())))
      expect(events.some((e) => e.type === 'response.output_text.delta' && e.delta === 'par')).toBe(true)
      expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { error: { code: 'server_error' } } })
      expect(events.at(-1).response.error.message).toContain('The upstream stream broke')
    } finally {
      resetting.close()
    }
  })

  test('a clean end with no finish_reason and no [DONE] is a failure, never a silent completed', async () => {
    next = () => stream([chunk({ role: 'assistant', content: 'par' })], { done: false })
    const events = await sseEvents(await handle(post('/v1/responses', codexTurn())))
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { error: { code: 'server_error' } } })
  })

  test('an upstream silent past the idle timeout ends with response.failed', async () => {
    const quick = createHandler(testDeps(settings, { idleTimeoutMs: 150 }))
    next = () => stream([chunk({ role: 'assistant', content: 'wait' })], { hangAfter: true, done: false })
    const events = await sseEvents(await quick(post('/v1/responses', codexTurn())))
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { error: { code: 'timeout' } } })
  })
})

describe('bad input gets a 4xx naming the field, and the server keeps serving', () => {
  test.each([
    ['{"model": "fake", "input": [', 400, 'not valid JSON'],
    [{ input: 'hi' }, 400, 'model: missing required field'],
    [{ model: 7, input: 'hi' }, 400, 'model: expected the model slug as a string'],
    [{ model: 'fake', input: 5 }, 400, 'input: expected a string or an array of input items'],
    [{ model: 'fake', input: [{ type: 'message', role: 'robot', content: 'x' }] }, 400, 'input[0].role: expected one of user, assistant, system, developer'],
    [{ model: 'fake', input: [{ type: 'function_call_output', output: 'x' }] }, 400, 'input[0].call_id: missing required field'],
    [{ model: 'fake', input: 'hi', tools: [{ type: 'function' }] }, 400, 'tools[0].name'],
    [{ model: 'fake', input: 'hi', stream: 'yes' }, 400, 'stream: expected true or false'],
    [{ model: 'fake', input: 'hi', max_output_tokens: -1 }, 400, 'max_output_tokens: expected at least 1'],
    [[1, 2], 400, 'expected a JSON object'],
    [{ model: 'nope', input: 'hi' }, 404, 'The model "nope" does not exist in codex-shim. Known: fake, down.'],
  ])('%j → %i', async (body, status, message) => {
    const response = await handle(post('/v1/responses', body as Json))
    expect(response.status).toBe(status)
    expect(((await response.json()) as any).error.message).toContain(message)
  })

  test('non-UTF-8 bytes → 400', async () => {
    const request = new Request('http://127.0.0.1:8765/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', host: '127.0.0.1' }, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) })
    const response = await handle(request)
    expect(response.status).toBe(400)
    expect(((await response.json()) as any).error.message).toContain('UTF-8')
  })

  test('over the body limit → 413', async () => {
    process.env.CODEX_SHIM_MAX_BODY_BYTES = '1000'
    try {
      const response = await handle(post('/v1/responses', { model: 'fake', input: 'x'.repeat(5000) }))
      expect(response.status).toBe(413)
    } finally {
      delete process.env.CODEX_SHIM_MAX_BODY_BYTES
    }
  })

  test('zstd-compressed bodies are accepted', async () => {
    next = () => stream(textReply('zipped'))
    const body = Bun.zstdCompressSync(new TextEncoder().encode(JSON.stringify(codexTurn())))
    const request = new Request('http://127.0.0.1:8765/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'zstd', host: '127.0.0.1' }, body })
    const events = await sseEvents(await handle(request))
    expect(events.at(-1).type).toBe('response.completed')
  })
})

describe('streaming is incremental and cancellable', () => {
  test('the first delta reaches the client before the upstream has finished', async () => {
    let release!: () => void
    const resume = new Promise<void>((resolve) => (release = resolve))
    next = () => stream([chunk({ role: 'assistant', content: 'first' }), chunk({ content: ' second' }), chunk({}, 'stop')], { pauseAfter: 1, resume })
    const response = await handle(post('/v1/responses', codexTurn()))
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let seen = ''
    while (!seen.includes('"delta":"first"')) {
      const { value, done } = await reader.read()
      if (done) throw new Error('stream ended before the first delta')
      seen += decoder.decode(value)
    }
    // The upstream is still paused: it cannot have finished.
    expect(seen).not.toContain('second')
    release()
    let rest = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      rest += decoder.decode(value)
    }
    expect(rest).toContain(' second')
    expect(rest).toContain('response.completed')
  })

  test('a client that disconnects aborts the upstream request', async () => {
    const shim = startShim(settings)
    try {
      next = () => stream([chunk({ role: 'assistant', content: 'tick' })], { hangAfter: true, done: false })
      const before = upstream.aborted
      const controller = new AbortController()
      const response = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(codexTurn()), signal: controller.signal })
      const reader = response.body!.getReader()
      await reader.read()
      controller.abort()
      for (let i = 0; i < 100 && upstream.aborted === before; i++) await Bun.sleep(20)
      expect(upstream.aborted).toBe(before + 1)
      // And the server keeps serving.
      next = () => stream(textReply('still here'))
      const again = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(codexTurn()) })
      expect(await again.text()).toContain('still here')
    } finally {
      shim.close()
    }
  })
})

describe('nothing leaked', () => {
  test('the planted API key never appears in a log line or an error response', async () => {
    next = () => ({ kind: 'error', status: 401, body: { error: { message: 'Incorrect API key provided' } } })
    const response = await handle(post('/v1/responses', codexTurn()))
    expect(response.status).toBe(401)
    expect(await response.text()).not.toContain(SECRET)
    await handle(post('/v1/responses', codexTurn({ model: 'down' }))).then((r) => r.text())
    expect(log.lines.length).toBeGreaterThan(0)
    for (const line of log.lines) {
      expect(line).not.toContain(SECRET)
      expect(line).not.toContain('hi"') // no prompt body
    }
  })
})

describe('POST /v1/responses/compact (older Codex clients)', () => {
  test('summarises upstream and returns user messages plus a compaction item the next request expands', async () => {
    next = () => stream(textReply('Goal: add a flag. Done: parser. Left: tests.'))
    const history = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'system prompt' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'add a --verbose flag' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Working on it.' }] },
    ]
    const response = await handle(post('/v1/responses/compact', { model: 'fake', input: history }))
    expect(response.status).toBe(200)
    const body = (await response.json()) as any
    expect(body.output.map((item: any) => item.type)).toEqual(['message', 'compaction'])
    expect(body.output[0].content[0].text).toBe('add a --verbose flag')
    // The summary request had no tools and ended with our instruction.
    const summaryRequest = upstream.requests.at(-1)!.body
    expect(summaryRequest.tools).toBeUndefined()
    expect(summaryRequest.messages.at(-1).content).toContain('handoff note')

    next = () => stream(textReply('continuing'))
    const events = await sseEvents(await handle(post('/v1/responses', codexTurn({ input: [...body.output, { type: 'message', role: 'user', content: 'go on' }] }))))
    expect(events.at(-1).type).toBe('response.completed')
    const expanded = JSON.stringify(upstream.requests.at(-1)!.body.messages)
    expect(expanded).toContain('Summary of the conversation so far:\\nGoal: add a flag. Done: parser. Left: tests.')
  })

  test('a failing summary is an error, not an empty compaction', async () => {
    next = () => ({ kind: 'error', status: 500, body: 'boom' })
    const response = await handle(post('/v1/responses/compact', { model: 'fake', input: 'hi' }))
    expect(response.status).toBe(500)
  })
})
