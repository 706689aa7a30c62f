import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const answered = (body: Json) => body.messages.some((m: Json) => m.role === 'tool' || (Array.isArray(m.content) && m.content.some((b: Json) => b.type === 'tool_result')))

const chatUpstream = startFakeChatUpstream((body) =>
  answered(body) ? stream(textReply('Paris is sunny.')) : body.tools?.length ? stream(toolCallReply([{ id: 'call_w', name: 'get_weather', arguments: { city: 'Paris' } }])) : stream(textReply('Hello from chat.', { reasoning: 'Greeting the user.' })),
)
const anthropicUpstream = startFakeAnthropicUpstream((body) =>
  answered(body)
    ? events(messageEvents([{ thinking: 'Tool said sunny.' }, { text: 'Paris is sunny.' }]))
    : body.tools?.length
      ? events(messageEvents([{ thinking: 'I need the weather tool.' }, { tool: { id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } } }]))
      : events(messageEvents([{ thinking: 'Greeting the user.' }, { text: 'Hello from Claude.' }])),
)
const shim = startShim(settingsFrom([chatModel(chatUpstream.url), { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUpstream.url, api_key: 'sk-ant-upstream' }]))
const client = new Anthropic({ baseURL: shim.url, apiKey: 'client-key-unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  chatUpstream.close()
  anthropicUpstream.close()
})

const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]

describe.each([
  ['fake', 'a chat upstream (translated)', 'call_w'],
  ['claude', 'an Anthropic upstream (fast path)', 'toolu_w'],
])('@anthropic-ai/sdk messages → %s via %s', (model, _, toolId) => {
  test('non-streamed message with thinking', async () => {
    const message = await client.messages.create({ model, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }] })
    expect(message.type).toBe('message')
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    expect((message.content[0] as Anthropic.ThinkingBlock).thinking).toBe('Greeting the user.')
    expect((message.content[1] as Anthropic.TextBlock).text).toMatch(/^Hello from/)
    expect(message.stop_reason).toBe('end_turn')
  })

  test('streamed message via the SDK stream helper', async () => {
    const runner = client.messages.stream({ model, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }] })
    let text = ''
    runner.on('text', (delta) => (text += delta))
    const final = await runner.finalMessage()
    expect(text).toMatch(/^Hello from/)
    expect(final.content.at(-1)).toMatchObject({ type: 'text' })
    expect(final.usage.output_tokens).toBeGreaterThan(0)
  })

  test('a tool_use round trip, streamed, with thinking kept across the turn', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await client.messages.stream({ model, max_tokens: 8000, tools, messages, thinking: { type: 'enabled', budget_tokens: 2048 } }).finalMessage()
    expect(first.stop_reason).toBe('tool_use')
    const use = first.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock
    expect(use).toMatchObject({ id: toolId, name: 'get_weather', input: { city: 'Paris' } })
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] })
    const second = await client.messages.create({ model, max_tokens: 8000, tools, messages, thinking: { type: 'enabled', budget_tokens: 2048 } })
    expect(second.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Paris is sunny.' })
  })

  test('errors arrive in Anthropic\'s shape as typed SDK errors', async () => {
    const missing = await client.messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError)
    expect(missing.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
  })
})

describe('Anthropic-client extras', () => {
  test('count_tokens answers with an estimate', async () => {
    const result = await client.messages.countTokens({ model: 'fake', messages: [{ role: 'user', content: 'x'.repeat(400) }] })
    expect(result.input_tokens).toBeGreaterThan(100)
  })

  test('GET /v1/models answers in Anthropic\'s shape for Anthropic clients', async () => {
    const page = await client.models.list()
    expect(page.data.map((m) => m.id)).toEqual(['fake', 'claude'])
  })

  test('Claude Code fields we cannot use are ignored, not a 400; ?beta=true works', async () => {
    const response = await fetch(`${shim.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'context-management-2025-06-27' },
      body: JSON.stringify({
        model: 'fake', max_tokens: 100, stream: false, metadata: { user_id: 'u' }, context_management: { edits: [] }, thinking: { type: 'adaptive' },
        system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'system', content: 'mid-conversation note' }, { role: 'user', content: 'again' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }, ...tools],
      }),
    })
    expect(response.status).toBe(200)
    const sent = chatUpstream.requests.at(-1)!.body
    expect(sent.messages.map((m: Json) => m.role)).toEqual(['system', 'user', 'assistant', 'system', 'user'])
    expect(sent.tools.map((t: Json) => t.function.name)).toEqual(['get_weather'])
  })

  test('the fast path keeps the client\'s betas and swaps in the upstream key', () => {
    const sent = anthropicUpstream.requests.at(-1)!
    expect(sent.headers['x-api-key']).toBe('sk-ant-upstream')
    expect(sent.body.model).toBe('claude-sonnet-4-5')
  })
})

describe('@anthropic-ai/sdk → the ChatGPT passthrough', () => {
  test('messages.create and stream against a subscription model', async () => {
    const { ChatgptService } = await import('../../src/chatgpt/service.ts')
    const { startFakeChatgpt, writeAuth } = await import('../fakes/chatgpt-backend.ts')
    const { join } = await import('node:path')
    const backend = startFakeChatgpt()
    process.env.CODEX_SHIM_CHATGPT_BASE_URL = backend.base
    writeAuth(join(process.env.CODEX_HOME!, 'auth.json'), { access: backend.validAccess, refresh: 'rt-sdk' })
    const passthrough = startShim(settingsFrom([]), { chatgpt: new ChatgptService() })
    try {
      const anthropic = new Anthropic({ baseURL: passthrough.url, apiKey: 'unused', maxRetries: 0 })
      const message = await anthropic.messages.create({ model: 'gpt-5.5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello from ChatGPT.' })
      const streamed = await anthropic.messages.stream({ model: 'gpt-5.5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
      expect(streamed.content[0]).toMatchObject({ type: 'text', text: 'Hello from ChatGPT.' })
      expect(backend.requests.at(-1)!.body).toMatchObject({ model: 'gpt-5.5', stream: true, store: false })
    } finally {
      passthrough.close()
      backend.close()
      delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
    }
  })
})
