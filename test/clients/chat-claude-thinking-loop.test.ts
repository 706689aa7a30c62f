/** With thinking on, Anthropic refuses a tool loop's last assistant turn unless it opens with the signed thinking, which a Chat client cannot carry: thinking went off for the rest of the loop. */
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import type { Json } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

// The fake validates like Anthropic: with thinking on, the last tool-use turn must open with the signed thinking block.
const upstream = startFakeAnthropicUpstream((body) =>
  JSON.stringify(body.messages).includes('tool_result')
    ? events(messageEvents([{ thinking: 'The file lists two entries.' }, { text: 'There are two files.' }]))
    : events(messageEvents([{ thinking: 'I should list the files first.' }, { tool: { id: 'toolu_1', name: 'ls', input: { path: '.' } } }])),
)
const shim = startShim(settingsFrom([{ slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: upstream.url, api_key: 'k' }]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); upstream.close() })
const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'ls', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }]

test('a Chat agent loop on Claude with reasoning_effort "high" keeps thinking on after the first tool call', async () => {
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'How many files?' }]
  const first = await openai.chat.completions.create({ model: 'claude', reasoning_effort: 'high', tools, messages })
  const message = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string }
  expect(message.reasoning_content).toBe('I should list the files first.')
  // The client sends the turn back as it got it (DeepSeek-style clients include reasoning_content too).
  messages.push({ role: 'assistant', content: message.content, tool_calls: message.tool_calls, reasoning_content: message.reasoning_content } as OpenAI.ChatCompletionAssistantMessageParam, { role: 'tool', tool_call_id: message.tool_calls![0]!.id, content: 'a.txt\nb.txt' })
  const second = await openai.chat.completions.create({ model: 'claude', reasoning_effort: 'high', tools, messages })
  expect(second.choices[0]!.message.content).toBe('There are two files.')
  const sent = upstream.requests.map((r) => r.body as Json)
  expect(sent[0]!.thinking).toEqual({ type: 'enabled', budget_tokens: 20000 })
  expect(sent[1]!.thinking).toEqual({ type: 'enabled', budget_tokens: 20000 }) 
})

test('the same when the first turn streams; a client that leaves reasoning_content out too', async () => {
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'How many files here?' }]
  const first = await openai.chat.completions.stream({ model: 'claude', reasoning_effort: 'high', tools, messages }).finalChatCompletion()
  const message = first.choices[0]!.message
  messages.push({ role: 'assistant', content: message.content, tool_calls: message.tool_calls }, { role: 'tool', tool_call_id: message.tool_calls![0]!.id, content: 'a.txt' })
  await openai.chat.completions.create({ model: 'claude', reasoning_effort: 'high', tools, messages })
  const sent = upstream.requests.at(-1)!.body as Json
  expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 20000 })
  expect((sent.messages as Json[])[1]!.content[0]).toMatchObject({ type: 'thinking', thinking: 'I should list the files first.' })
})
