/**
 * A fast path reads only the request's model and stream flag: the upstream
 * speaks the client's dialect and judges the rest, as it would without the
 * proxy. A translated route still validates the whole body, naming the field.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { parseChatEnvelope, parseChatRequest } from '../../src/dialects/chat/to-canonical.ts'
import { parseMessagesEnvelope, parseMessagesRequest } from '../../src/dialects/messages/to-canonical.ts'
import { parseResponsesEnvelope } from '../../src/dialects/responses/api.ts'
import { createHandler } from '../../src/server/app.ts'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'
import { messageThrownBy } from '../support/errors.ts'

const chatUpstream = startFakeChatUpstream(() => stream(textReply('hi')))
const anthropicUpstream = startFakeAnthropicUpstream(() => events(messageEvents([{ text: 'hi' }])))
afterAll(() => {
  chatUpstream.close()
  anthropicUpstream.close()
})
const handle = createHandler(testDeps(settingsFrom([
  { slug: 'chat', model: 'chat-model', provider: 'generic-chat-completion-api', base_url: chatUpstream.url },
  { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUpstream.url, api_key: 'sk-ant-x' },
])))
const messagesHeaders = { 'anthropic-version': '2023-06-01' }
const errorOf = async (response: Response) => ((await response.json()) as { error: { message: string } }).error.message

describe('Chat Completions: a malformed message', () => {
  const body = (model: string) => ({ model, stream: true, messages: [{ role: 'robot', content: 'hi' }] })

  test('on the fast path reaches the upstream, whose own 400 the client gets in its dialect', async () => {
    const before = chatUpstream.requests.length
    const response = await handle(post('/v1/chat/completions', body('chat')))
    expect(response.status).toBe(400)
    expect(await errorOf(response)).toContain("messages[0].role: invalid value 'robot'")
    expect(chatUpstream.requests.length).toBe(before + 1)
  })

  test('on a translated route is the proxy’s 400 naming the field; nothing is sent', async () => {
    const before = anthropicUpstream.requests.length
    const response = await handle(post('/v1/chat/completions', body('claude')))
    expect(response.status).toBe(400)
    expect(await errorOf(response)).toBe('Invalid request: messages[0].role: expected one of system, developer, user, assistant, tool (got "robot").')
    expect(anthropicUpstream.requests.length).toBe(before)
  })
})

describe('Messages: a malformed block', () => {
  const body = (model: string) => ({ model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 42 }] }] })

  test('on the fast path reaches the upstream, whose own 400 the client gets in Anthropic’s shape', async () => {
    const before = anthropicUpstream.requests.length
    const response = await handle(post('/v1/messages', body('claude'), messagesHeaders))
    expect(response.status).toBe(400)
    const answer = (await response.json()) as { type: string; error: { message: string } }
    expect(answer.type).toBe('error')
    expect(answer.error.message).toContain('messages.0.content.0.text: Input should be a valid string')
    expect(anthropicUpstream.requests.length).toBe(before + 1)
  })

  test('on a translated route is the proxy’s 400 naming the field; nothing is sent', async () => {
    const before = chatUpstream.requests.length
    const response = await handle(post('/v1/messages', body('chat'), messagesHeaders))
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('messages.0.content.0.text')
    expect(chatUpstream.requests.length).toBe(before)
  })
})

describe('what every route still checks itself, on the fast path too', () => {
  test('a body nested past the limit is the proxy’s 400, not sent on', async () => {
    let deep: unknown = 'x'
    for (let level = 0; level < 100; level++) deep = { nested: deep }
    const before = chatUpstream.requests.length
    const response = await handle(post('/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi', extra: deep }] }))
    expect(response.status).toBe(400)
    expect(await errorOf(response)).toContain('nested deeper than 64 levels')
    expect(chatUpstream.requests.length).toBe(before)
  })

  test('the envelope refuses model, messages, stream, n and max_tokens with the whole schema’s words', () => {
    const chatBodies: unknown[] = [null, [], 'x', {}, { model: 3, messages: [] }, { model: '', messages: [{}] }, { model: 'm' }, { model: 'm', messages: 'hi' }, { model: 'm', messages: [] }, { model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, { model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, { model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 1, n: 'two' }]
    for (const body of chatBodies) {
      const whole = messageThrownBy(() => parseChatRequest(body))
      expect(whole).not.toBeNull()
      expect(messageThrownBy(() => parseChatEnvelope(body))).toBe(whole)
    }
    const messagesBodies: unknown[] = [null, {}, { model: 1 }, { model: 'm' }, { model: 'm', max_tokens: 10 }, { model: 'm', max_tokens: 0, messages: [] }, { model: 'm', max_tokens: 1.5, messages: [] }, { model: 'm', max_tokens: 10, messages: {} }, { model: 'm', max_tokens: 10, messages: [], stream: 'no' }, { model: 'm', messages: [] }]
    for (const body of messagesBodies) {
      const whole = messageThrownBy(() => parseMessagesRequest(body, { requireMaxTokens: true }))
      expect(whole).not.toBeNull()
      expect(messageThrownBy(() => parseMessagesEnvelope(body))).toBe(whole)
    }
  })

  test('what the envelope reads of a good body is what the whole parse reads', () => {
    const chat = { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] }
    expect(parseChatEnvelope(chat)).toEqual({ model: 'm', stream: true })
    expect(parseChatEnvelope({ ...chat, stream: null })).toEqual({ model: 'm', stream: false })
    expect(parseMessagesEnvelope({ model: 'm', max_tokens: 5, messages: [] })).toEqual({ model: 'm', stream: false })
  })
})

test.each([
  ['responses', () => parseResponsesEnvelope({ model: '', input: 'hi' }), 'Invalid request: model: expected a model slug; GET /v1/models lists them.'],
  ['chat', () => parseChatEnvelope({ model: '', messages: [] }), 'Invalid request: model: expected a model slug; GET /v1/models lists them.'],
  ['messages', () => parseMessagesEnvelope({ model: '', max_tokens: 1, messages: [] }), 'model: expected a model slug'],
])('%s: an empty model is named without what valibot counts (its length, "got 0")', (_door, parse, message) => {
  expect(messageThrownBy(parse)).toBe(message)
})
