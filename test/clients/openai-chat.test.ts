import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const hasToolMessage = (body: Json) => body.messages.some((m: Json) => m.role === 'tool' || (m.role === 'user' && Array.isArray(m.content) && m.content.some((b: Json) => b.type === 'tool_result')))

const chatUpstream = startFakeChatUpstream((body) =>
  hasToolMessage(body) ? stream(textReply('It is sunny.')) : body.tools?.length ? stream(toolCallReply([{ id: 'call_w', name: 'get_weather', arguments: { city: 'Paris' } }])) : stream(textReply('Hello from chat.', { reasoning: 'thinking...' })),
)
const anthropicUpstream = startFakeAnthropicUpstream((body) =>
  hasToolMessage(body)
    ? events(messageEvents([{ thinking: 'The tool answered.' }, { text: 'It is sunny.' }]))
    : body.tools?.length
      ? events(messageEvents([{ thinking: 'Need the weather.' }, { tool: { id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } } }]))
      : events(messageEvents([{ text: 'Hello from Claude.' }])),
)
const shim = startShim(settingsFrom([
  chatModel(chatUpstream.url),
  { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUpstream.url, api_key: 'sk-ant-x', reasoning_effort: 'low' },
]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  chatUpstream.close()
  anthropicUpstream.close()
})

const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }]

describe.each([
  ['fake', 'chat upstream (fast path)', 'call_w'],
  ['claude', 'anthropic upstream (translated)', 'toolu_w'],
])('openai SDK chat.completions → %s via %s', (model, _, callId) => {
  test('non-streamed text', async () => {
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]!.message.content).toMatch(/^Hello from/)
    expect(completion.choices[0]!.finish_reason).toBe('stop')
  })

  test('streamed text with a usage chunk', async () => {
    const chunks = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
    let text = ''
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of chunks) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toMatch(/^Hello from/)
    expect(usage?.prompt_tokens).toBeGreaterThan(0)
  })

  test('a tool-call round trip, streamed, with the SDK stream helper', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const runner = client.chat.completions.stream({ model, messages, tools })
    const first = await runner.finalChatCompletion()
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(first.choices[0]!.finish_reason).toBe('tool_calls')
    expect(call.id).toBe(callId)
    expect(call.function.name).toBe('get_weather')
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' })
    const { role, content, tool_calls } = first.choices[0]!.message
    messages.push({ role, content, tool_calls }, { role: 'tool', tool_call_id: call.id, content: '{"sky":"sunny"}' })
    const second = await client.chat.completions.create({ model, messages, tools })
    expect(second.choices[0]!.message.content).toBe('It is sunny.')
  })

  test('errors arrive in the OpenAI error shape', async () => {
    const error = await client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    const bad = await client.chat.completions.create({ model, messages: [] }).catch((e) => e)
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError)
    expect(bad.message).toContain('messages')
  })
})

test('the fast path forwards the client body with only the model rewritten', () => {
  const sent = chatUpstream.requests.find((r) => r.body.stream_options)!
  expect(sent.body.model).toBe('fake-model')
  expect(sent.body.stream_options).toEqual({ include_usage: true })
})
