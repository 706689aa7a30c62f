import Anthropic from '@anthropic-ai/sdk'
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeChatUpstream, stream, textReply, type Json } from '../fakes/chat-upstream.ts'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

/**
 * An upstream that answers 200 and whose first event is an error (OpenRouter does this for a
 * provider's 429). Nothing has reached the client yet, so for Chat and Messages clients it is what
 * an error status would be: retried by the proxy before the first byte, then the error's status,
 * which their SDKs retry, instead of a 200 whose stream says it failed (an APIError without a
 * status, never retried). Codex still hears it as `response.failed`. This shim retries nothing
 * itself, to show the status; the last test turns its retries on.
 */
let script: Json[][] = []
let delayMs = 0
const chatUp = startFakeChatUpstream(() => stream(script.shift() ?? textReply('Hello.'), { delayMs }))
let anthropicScript: Json[][] = []
const anthropicUp = startFakeAnthropicUpstream(() => events(anthropicScript.shift() ?? messageEvents([{ text: 'Hello.' }])))
const settings = settingsFrom([chatModel(chatUp.url), { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUp.url, api_key: 'sk-ant' }])
const shim = startShim(settings, { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } })
const retrying = startShim(settings, { retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } })
afterAll(() => {
  shim.close()
  retrying.close()
  chatUp.close()
  anthropicUp.close()
})
const rateLimited = [{ error: { message: 'Rate limit exceeded: too many requests', code: 429 } }]
const tooLong = [{ error: { message: "This model's maximum context length is 8192 tokens", code: 'context_length_exceeded' } }]

test('Messages: a rate limit in the first read is a 429 the Anthropic SDK retries', async () => {
  script = [rateLimited]
  const before = chatUp.requests.length
  const client = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 2 })
  const message = await client.messages.stream({ model: 'fake', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
  expect(message.content).toMatchObject([{ type: 'text', text: 'Hello.' }])
  expect(chatUp.requests.length - before).toBe(2)
})

test('Chat on Anthropic: an overload as its first event is a status the openai SDK retries', async () => {
  anthropicScript = [[{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]]
  const before = anthropicUp.requests.length
  const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'x', maxRetries: 2 })
  let text = ''
  for await (const chunk of await client.chat.completions.create({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += chunk.choices[0]?.delta?.content ?? ''
  expect(text).toBe('Hello.')
  expect(anthropicUp.requests.length - before).toBe(2)
})

test('Messages: a too-long prompt in the first read is a 400, as Claude Code reads one', async () => {
  script = [tooLong]
  const refused = await new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 }).messages.create({ model: 'fake', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error)
  expect(refused).toBeInstanceOf(Anthropic.BadRequestError)
  expect((refused as InstanceType<typeof Anthropic.BadRequestError>).message).toContain('maximum context length')
})

test('a failure after the first read still ends the 200 stream with an error event', async () => {
  script = [[...textReply('Hel').slice(0, 2), { error: { message: 'upstream broke', code: 500 } }]]
  delayMs = 30
  const response = await fetch(`${shim.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'fake', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }) })
  expect(response.status).toBe(200)
  expect(await response.text()).toContain('event: error')
  delayMs = 0
})

test('Responses clients (Codex) keep hearing it as response.failed', async () => {
  script = [rateLimited]
  const response = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake', stream: true, input: 'hi' }) })
  expect(response.status).toBe(200)
  expect(await response.text()).toContain('"type":"response.failed"')
})

test('with retries on, the proxy itself opens the route again, as for an error status: the client sees only the answer', async () => {
  script = [rateLimited, rateLimited]
  const before = chatUp.requests.length
  const client = new Anthropic({ baseURL: retrying.url, apiKey: 'x', maxRetries: 0 })
  const message = await client.messages.stream({ model: 'fake', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
  expect(message.content).toMatchObject([{ type: 'text', text: 'Hello.' }])
  expect(chatUp.requests.length - before).toBe(3)
  // A used-up quota is not retried: it does not come back in a second.
  script = [[{ error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } }]]
  const quotaBefore = chatUp.requests.length
  const refused = await client.messages.create({ model: 'fake', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error)
  expect(refused).toBeInstanceOf(Anthropic.RateLimitError)
  expect(chatUp.requests.length - quotaBefore).toBe(1)
})
