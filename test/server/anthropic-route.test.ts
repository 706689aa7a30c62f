import { afterAll, describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { events, messageEvents, startFakeAnthropicUpstream, type MessagesReply } from '../fakes/anthropic-upstream.ts'
import type { Json } from '../fakes/chat-upstream.ts'
import { post, settingsFrom, sseEvents, testDeps } from '../support/shim.ts'

let next: (body: Json) => MessagesReply = () => events(messageEvents([{ text: 'hi' }]))
const upstream = startFakeAnthropicUpstream((body) => next(body))
const handle = createHandler(testDeps(settingsFrom([{ slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: upstream.url, api_key: 'sk-ant-x' }])))
afterAll(() => upstream.close())
const turn = (extra: Json = {}) => ({ model: 'claude', stream: true, input: 'hello', reasoning: { effort: 'low' }, ...extra })

describe('POST /v1/responses → anthropic upstream', () => {
  test('streams text with thinking and usage', async () => {
    next = () => events(messageEvents([{ thinking: 'hmm' }, { text: 'Hello!' }]))
    const all = await sseEvents(await handle(post('/v1/responses', turn())))
    expect(all.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe('Hello!')
    expect(all.at(-1).response.usage.input_tokens_details).toEqual({ cached_tokens: 1000, cache_write_tokens: 200 })
    expect(upstream.requests.at(-1)!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 4000 })
  })

  test.each([
    [529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, { 'retry-after': '2' }, 503, '2'],
    [429, { type: 'error', error: { type: 'rate_limit_error', message: 'Too many' } }, { 'retry-after': '9' }, 429, '9'],
    [500, { type: 'error', error: { type: 'api_error', message: 'Internal' } }, {}, 500, null],
  ])('HTTP %i → %i with retry-after %s', async (status, body, headers, expected, retryAfter) => {
    next = () => ({ kind: 'error', status, body, headers })
    const response = await handle(post('/v1/responses', turn()))
    expect(response.status).toBe(expected)
    expect(response.headers.get('retry-after')).toBe(retryAfter)
  })

  test('prompt too long → response.failed with context_length_exceeded', async () => {
    next = () => ({ kind: 'error', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } } })
    const all = await sseEvents(await handle(post('/v1/responses', turn())))
    expect(all.at(-1).response.error.code).toBe('context_length_exceeded')
  })

  test('an error event right after the 200 → response.failed that Codex retries', async () => {
    next = () => events([{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }])
    const all = await sseEvents(await handle(post('/v1/responses', turn())))
    expect(all.at(-1)).toMatchObject({ type: 'response.failed', response: { error: { code: 'server_error' } } })
  })

  test('non-streaming and /v1/responses/compact work through the one aggregator', async () => {
    next = () => events(messageEvents([{ text: 'Summary: did things.' }]))
    const body = (await (await handle(post('/v1/responses', turn({ stream: false })))).json()) as any
    expect(body.output[0].content[0].text).toBe('Summary: did things.')
    const compact = (await (await handle(post('/v1/responses/compact', { model: 'claude', input: [{ type: 'message', role: 'user', content: 'do X' }] }))).json()) as any
    expect(compact.output.map((item: any) => item.type)).toEqual(['message', 'compaction'])
  })
})

describe('POST /v1/messages → anthropic upstream (fast path)', () => {
  test('a stream sent with no content-type still streams: each event reaches the client before the next is sent', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const encoder = new TextEncoder()
    const bare = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: () =>
        new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(encoder.encode('event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}\n\n'))
              await gate
              controller.enqueue(encoder.encode('event: message_stop\ndata: {"type":"message_stop"}\n\n'))
              controller.close()
            },
          }),
        ),
    })
    try {
      const shim = createHandler(testDeps(settingsFrom([{ slug: 'bare', model: 'claude-x', provider: 'anthropic', base_url: `http://127.0.0.1:${bare.port}`, api_key: 'k' }])))
      const response = await shim(post('/v1/messages', { model: 'bare', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }))
      expect(response.headers.get('content-type')).toContain('text/event-stream')
      const reader = response.body!.getReader()
      const first = new TextDecoder().decode((await reader.read()).value)
      expect(first).toContain('message_start')
      release()
      let rest = ''
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value)
      expect(rest).toContain('message_stop')
    } finally {
      bare.stop(true)
    }
  })
})
