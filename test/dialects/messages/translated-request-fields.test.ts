import Anthropic from '@anthropic-ai/sdk'
import { afterAll, expect, test } from 'bun:test'
import { startFakeChatUpstream, stream, textReply } from '../../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../../support/shim.ts'

/**
 * Anthropic's `output_config` (the SDK types `effort` and a JSON-schema `format`) was dropped
 * without a word on translated routes: a chat model got neither the effort nor the schema.
 */
const chatUp = startFakeChatUpstream(() => stream(textReply('{"answer":42}')))
const shim = startShim(settingsFrom([chatModel(chatUp.url, { reasoning_efforts: ['low', 'medium', 'high'] })]))
const client = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 })
afterAll(() => {
  shim.close()
  chatUp.close()
})
const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false }

test('effort and a JSON schema reach a chat model as its reasoning effort and response format', async () => {
  const message = await client.messages.create({ model: 'fake', max_tokens: 1000, messages: [{ role: 'user', content: 'what is the answer?' }], output_config: { effort: 'xhigh', format: { type: 'json_schema', schema } } })
  expect(message.content).toMatchObject([{ type: 'text', text: '{"answer":42}' }])
  const sent = chatUp.requests.at(-1)!.body
  // xhigh is clamped to what the entry lists.
  expect(sent.reasoning_effort).toBe('high')
  expect(sent.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema, strict: true } })
})

test('thinking off keeps reasoning off whatever the effort; a bad effort is a 400 naming the field', async () => {
  await client.messages.create({ model: 'fake', max_tokens: 1000, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'hi' }], output_config: { effort: 'high' } })
  expect(chatUp.requests.at(-1)!.body.reasoning_effort).toBeUndefined()
  const refused = await client.messages.create({ model: 'fake', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }], output_config: { effort: 'extreme' as never } }).catch((error: unknown) => error)
  expect(refused).toBeInstanceOf(Anthropic.BadRequestError)
  expect((refused as Error).message).toContain('output_config.effort')
})

test('a block in the wrong party\'s turn is a 400 naming it, as Anthropic answers, not dropped', async () => {
  const cases: [Anthropic.MessageParam[], string][] = [
    [[{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] as never }, { role: 'user', content: 'go' }], 'messages.1.content.0.type'],
    [[{ role: 'user', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] as never }], 'messages.0.content.0.type'],
  ]
  for (const [messages, field] of cases) {
    const before = chatUp.requests.length
    const refused = await client.messages.create({ model: 'fake', max_tokens: 100, messages }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError)
    expect((refused as Error).message).toContain(field)
    expect(chatUp.requests.length).toBe(before)
  }
})

test('top_k, which no other provider samples by, is a 400 naming it', async () => {
  const refused = await client.messages.create({ model: 'fake', max_tokens: 100, top_k: 40, messages: [{ role: 'user', content: 'hi' }] } as never).catch((error: unknown) => error)
  expect(refused).toBeInstanceOf(Anthropic.BadRequestError)
  expect((refused as Error).message).toContain('top_k')
})
