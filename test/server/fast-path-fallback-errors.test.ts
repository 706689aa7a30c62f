import { afterAll, describe, expect, test } from 'bun:test'
import { messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply, type Json } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * A fast path's upstream refusing the request, with fallbacks configured that do not take it: a
 * routing audit found a 400 context_length_exceeded reached the client as the upstream wrote it
 * only without fallbacks; with any fallback (none larger), the message gained a
 * "<provider>@host returned HTTP 400:" prefix and `param` became null. Each refusal below is
 * asked of a model without fallbacks and of one with, on the same upstream: the client must
 * get the same answer from both.
 */
const REFUSALS = {
  chat: { error: { message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
  messages: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } },
  responses: { error: { message: 'Your input exceeds the context window of this model.', type: 'invalid_request_error', param: 'input', code: 'context_length_exceeded' } },
  unprocessable: { error: { message: 'Invalid schema for function "f"', type: 'invalid_request_error', param: 'tools[0].parameters', code: 'invalid_function_parameters' } },
}
let chatRefusal: Json = REFUSALS.chat
let chatStatus = 400
const chat = startFakeChatUpstream(() => ({ kind: 'error', status: chatStatus, body: chatRefusal }))
const anthropic = startFakeAnthropicUpstream(() => ({ kind: 'error', status: 400, body: REFUSALS.messages }))
const responses = startFakeResponsesUpstream(() => ({ kind: 'error', status: 400, body: REFUSALS.responses }), { apiKey: 'k-responses' })
// What a fallback would answer, had one been tried.
const spareChat = startFakeChatUpstream(() => stream(textReply('spare')))
const spareAnthropic = startFakeAnthropicUpstream(() => ({ kind: 'events', events: messageEvents([{ text: 'spare' }]) }))
const spareResponses = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: 'spare' }] }), { apiKey: 'k-responses' })

// Per upstream: a model alone, one whose only fallback has a smaller window, and that fallback.
const trio = (name: string, provider: string, url: string, spareUrl: string, extra: Json = {}) => [
  { slug: `${name}-alone`, model: 'up', provider, base_url: url, ...extra },
  { slug: `${name}-chained`, model: 'up', provider, base_url: url, max_context_limit: 8192, fallbacks: [`${name}-small`], ...extra },
  { slug: `${name}-small`, model: 'small', provider, base_url: spareUrl, max_context_limit: 4096, ...extra },
]
const shim = startShim(
  settingsFrom([
    ...trio('chat', 'generic-chat-completion-api', chat.url, spareChat.url),
    ...trio('claude', 'anthropic', anthropic.url, spareAnthropic.url, { api_key: 'k-anthropic' }),
    ...trio('resp', 'openai-responses', responses.url, spareResponses.url, { api_key: 'k-responses' }),
    { slug: 'chat-larger', model: 'up', provider: 'generic-chat-completion-api', base_url: chat.url, max_context_limit: 8192, fallbacks: ['chat-big'] },
    { slug: 'chat-big', model: 'big', provider: 'generic-chat-completion-api', base_url: spareChat.url, max_context_limit: 200_000 },
  ]),
  { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
)
afterAll(() => {
  shim.close()
  for (const upstream of [chat, anthropic, responses, spareChat, spareAnthropic, spareResponses]) upstream.close()
})

const DOORS = {
  chat: { path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'hi' }] } },
  messages: { path: '/v1/messages', body: { max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] } },
  responses: { path: '/v1/responses', body: { input: 'hi', store: false } },
}

async function ask(door: keyof typeof DOORS, model: string, streamed: boolean) {
  const { path, body } = DOORS[door]
  const response = await fetch(`${shim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model, stream: streamed, ...body }) })
  return { status: response.status, body: await response.text() }
}

describe('a fast path\'s refusal that no fallback takes reaches the client as written', () => {
  test.each([
    ['chat', 'chat', 400, REFUSALS.chat],
    ['chat', 'chat', 422, REFUSALS.unprocessable],
    ['messages', 'claude', 400, REFUSALS.messages],
    ['responses', 'resp', 400, REFUSALS.responses],
  ] as const)('%s client, %s upstream, HTTP %d', async (door, name, status, refusal) => {
    chatStatus = status
    if (name === 'chat') chatRefusal = refusal
    for (const streamed of [false, true]) {
      const alone = await ask(door, `${name}-alone`, streamed)
      expect(alone.status).toBe(status)
      expect(JSON.parse(alone.body)).toEqual(refusal)
      expect(await ask(door, `${name}-chained`, streamed)).toEqual(alone)
    }
  })

  test('while a fallback with a larger window still takes a prompt too long', async () => {
    chatStatus = 400
    chatRefusal = REFUSALS.chat
    const response = await fetch(`${shim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat-larger', ...DOORS.chat.body }) })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-codex-shim-routed-to')).toBe('chat-big')
    expect(((await response.json()) as Json).choices[0].message.content).toBe('spare')
  })
})
