import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { maxAnswerBytes } from '../../src/canonical/answer-limit.ts'
import { ResponseBuilder } from '../../src/canonical/builder.ts'
import type { ResponsesEvent } from '../../src/canonical/types.ts'
import { createResponsesDecoder } from '../../src/dialects/responses/stream.ts'
import { createHandler } from '../../src/server/app.ts'
import { events as anthropicEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { chunk, startFakeChatUpstream, stream, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, post, settingsFrom, testDeps } from '../support/shim.ts'

/**
 * A hostile upstream that streams without end must not grow the answer the
 * shim holds (the final `response.completed`, a non-streamed body) without
 * bound: past CODEX_SHIM_MAX_ANSWER_BYTES the answer fails, in the client's
 * dialect, and the stream ends although the upstream is still sending.
 */
const CAP = 2_000
// 100 × 100 characters, then the upstream hangs: no finish_reason, no [DONE], never closes.
const endless = () => stream([chunk({ role: 'assistant', content: '' }), ...Array.from({ length: 100 }, (_, i) => chunk({ content: `${i % 10}`.repeat(100) }))], { done: false, hangAfter: true })
const upstream = startFakeChatUpstream(() => endless())
// Chat clients on a chat upstream take the fast path (bytes piped, nothing held): their translated route is to Anthropic.
const anthropic = startFakeAnthropicUpstream(() =>
  anthropicEvents(
    [
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], usage: { input_tokens: 1, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ...Array.from({ length: 100 }, (_, i) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `${i % 10}`.repeat(100) } })),
    ],
    { hangAfter: true },
  ),
)
const handle = createHandler(testDeps(settingsFrom([chatModel(upstream.url), { slug: 'claude', model: 'claude-x', provider: 'anthropic', base_url: anthropic.url, api_key: 'sk-ant-test' }])))
let saved: string | undefined
beforeEach(() => {
  saved = process.env.CODEX_SHIM_MAX_ANSWER_BYTES
  process.env.CODEX_SHIM_MAX_ANSWER_BYTES = String(CAP)
})
afterEach(() => {
  if (saved === undefined) delete process.env.CODEX_SHIM_MAX_ANSWER_BYTES
  else process.env.CODEX_SHIM_MAX_ANSWER_BYTES = saved
})
afterAll(() => {
  upstream.close()
  anthropic.close()
})

const user = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] }]
const dataLines = (text: string) => text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6))

describe('the answer cap (CODEX_SHIM_MAX_ANSWER_BYTES)', () => {
  test('the default is 64 MiB; the variable overrides it when it is a positive number', () => {
    expect(maxAnswerBytes({})).toBe(64 * 1024 * 1024)
    expect(maxAnswerBytes({ CODEX_SHIM_MAX_ANSWER_BYTES: '4096' })).toBe(4096)
    expect(maxAnswerBytes({ CODEX_SHIM_MAX_ANSWER_BYTES: 'lots' })).toBe(64 * 1024 * 1024)
  })

  test('the builder fails the answer once it holds more than the cap, and emits nothing after its terminal event', () => {
    const events: ResponsesEvent[] = []
    const builder = new ResponseBuilder((event) => events.push(event), { model: 'm', maxAnswerBytes: 50 })
    const message = builder.openMessage()
    for (let i = 0; i < 10; i++) builder.messageDelta(message, '0123456789')
    builder.openReasoning() // a decoder still calling in after the failure
    builder.complete()
    const last = events.at(-1) as { type: string; response: { error: { code: string; message: string } } }
    expect(last.type).toBe('response.failed')
    expect(last.response.error.code).toBe('max_answer_bytes_exceeded')
    expect(last.response.error.message).toContain('CODEX_SHIM_MAX_ANSWER_BYTES')
    expect(events.filter((event) => event.type === 'response.output_text.delta')).toHaveLength(5)
    expect(events.filter((event) => event.type.startsWith('response.failed') || event.type === 'response.completed')).toHaveLength(1)
  })

  test('a Responses upstream: committed items count against the cap too', () => {
    const events: ResponsesEvent[] = []
    const decoder = createResponsesDecoder((event) => events.push(event), { model: 'm', maxAnswerBytes: 500 })
    for (let i = 0; i < 10; i++) {
      const item = { type: 'message', id: `msg_${i}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'x'.repeat(100) }] }
      decoder.push({ data: JSON.stringify({ type: 'response.output_item.done', output_index: i, item, sequence_number: i }) })
    }
    decoder.push({ data: JSON.stringify({ type: 'response.completed', response: { id: 'r', status: 'completed', output: [] } }) })
    const last = events.at(-1) as { type: string; response: { error: { code: string } } }
    expect(last.type).toBe('response.failed')
    expect(last.response.error.code).toBe('max_answer_bytes_exceeded')
    expect(events.filter((event) => event.type === 'response.output_item.done').length).toBeLessThan(4)
  })

  test('Responses client, streamed: response.failed naming the limit, and the stream ends though the upstream never does', async () => {
    const response = await handle(post('/v1/responses', { model: 'fake', stream: true, input: user }))
    expect(response.status).toBe(200)
    const events = dataLines(await response.text()).map((line) => JSON.parse(line) as Json)
    const last = events.at(-1)!
    expect(last.type).toBe('response.failed')
    expect(last.response.error.code).toBe('max_answer_bytes_exceeded')
    expect(last.response.error.message).toContain('2 KiB')
    const text = events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('')
    expect(text.length).toBeLessThanOrEqual(CAP)
    expect(text.length).toBeGreaterThan(CAP - 100)
  }, 20_000)

  test('Chat client, streamed: an error chunk with the code, then [DONE]', async () => {
    const response = await handle(post('/v1/chat/completions', { model: 'claude', stream: true, messages: [{ role: 'user', content: 'go' }] }))
    const lines = dataLines(await response.text())
    expect(lines.at(-1)).toBe('[DONE]')
    const error = JSON.parse(lines.at(-2)!) as Json
    expect(error.error.code).toBe('max_answer_bytes_exceeded')
    expect(error.error.message).toContain('CODEX_SHIM_MAX_ANSWER_BYTES')
  }, 20_000)

  test('Messages client, streamed: an Anthropic error event naming the limit', async () => {
    const response = await handle(post('/v1/messages', { model: 'fake', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'go' }] }))
    const events = dataLines(await response.text()).map((line) => JSON.parse(line) as Json)
    expect(events.at(-1)!.type).toBe('error')
    expect(events.at(-1)!.error.message).toContain('CODEX_SHIM_MAX_ANSWER_BYTES')
    expect(events.some((event) => event.type === 'message_stop')).toBe(false)
  }, 20_000)

  test.each([
    ['/v1/responses', { model: 'fake', stream: false, input: user }],
    ['/v1/chat/completions', { model: 'claude', messages: [{ role: 'user', content: 'go' }] }],
    ['/v1/messages', { model: 'fake', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] }],
  ])('%s, not streamed: 502 naming the limit', async (path, body) => {
    const response = await handle(post(path, body))
    expect(response.status).toBe(502)
    expect(await response.text()).toContain('CODEX_SHIM_MAX_ANSWER_BYTES')
  }, 20_000)
})
