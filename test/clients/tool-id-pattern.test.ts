/**
 * Anthropic accepts tool_use ids matching ^[a-zA-Z0-9_-]+$ only (the fake upstream checks it as the
 * real API does). Chat upstreams such as Kimi K2 (directly or via OpenRouter) return ids like
 * "functions.get_weather:0": a Messages client gets one it could send to Anthropic, and the same id
 * sent back reaches the Chat upstream as it wrote it.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const KIMI_ID = 'functions.get_weather:0'
const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/
const chatUp = startFakeChatUpstream(() => stream(toolCallReply([{ id: KIMI_ID, name: 'get_weather', arguments: { city: 'Paris' } }])))
const anthropicUp = startFakeAnthropicUpstream(() => events(messageEvents([{ text: 'Sunny.' }])))
const shim = startShim(settingsFrom([chatModel(chatUp.url), { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUp.url, api_key: 'sk-ant' }]))
const anthropic = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 })
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'x', maxRetries: 0 })
afterAll(() => { shim.close(); chatUp.close(); anthropicUp.close() })

test('a Messages client gets a tool_use id Anthropic itself would accept back', async () => {
  const message = await anthropic.messages.stream({ model: 'fake', max_tokens: 100, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'weather?' }] }).finalMessage()
  const use = message.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock
  expect(use.id).toMatch(ANTHROPIC_ID)
  // Sent back, it is Kimi's own id again, on the call and on its answer.
  await anthropic.messages.create({ model: 'fake', max_tokens: 100, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }], messages: [
    { role: 'user', content: 'weather?' },
    { role: 'assistant', content: [use] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
  ] })
  const sent = chatUp.requests.at(-1)!.body
  expect(sent.messages[1].tool_calls[0].id).toBe(KIMI_ID)
  expect(sent.messages[2].tool_call_id).toBe(KIMI_ID)
})

test('a Responses client (Codex) switching from Kimi to Claude: the translated request carries valid ids', async () => {
  await openai.responses.create({ model: 'claude', store: false, tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false }], input: [
    { role: 'user', content: 'weather?' },
    { type: 'function_call', call_id: KIMI_ID, name: 'get_weather', arguments: '{}' },
    { type: 'function_call_output', call_id: KIMI_ID, output: 'sunny' },
  ] })
  const sent = anthropicUp.requests.at(-1)!.body
  const use = sent.messages[1].content.find((block: Json) => block.type === 'tool_use')
  const result = sent.messages[2].content.find((block: Json) => block.type === 'tool_result')
  expect(use.id).toMatch(ANTHROPIC_ID)
  expect(result.tool_use_id).toBe(use.id)
})
