import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import { withoutShimThinking } from '../../src/dialects/messages/shim-thinking.ts'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { chunk, startFakeChatUpstream, stream, textReply, toolCallReply } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

/**
 * Claude Code keeps a conversation's thinking blocks when the user switches model. Blocks
 * codex-shim signed for a chat or Responses model reached Anthropic on the fast path as they were,
 * and Anthropic refused every later turn ("Invalid `signature` in `thinking` block").
 */
describe('withoutShimThinking', () => {
  const ours = { type: 'thinking', thinking: 'chat thoughts', signature: 'codex-shim-unsigned' }
  const carried = { type: 'thinking', thinking: 'gpt thoughts', signature: 'codex-shim.responses.v1:e30=' }
  const anthropics = { type: 'thinking', thinking: 'claude thoughts', signature: 'EqQBCkYIBxgCKkA' }
  const call = { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }

  test('drops only the blocks codex-shim signed; the same object when there are none', () => {
    const body = { model: 'm', thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [ours, { type: 'text', text: 'a' }] }, { role: 'assistant', content: [anthropics, carried, { type: 'text', text: 'b' }] }, { role: 'user', content: 'go' }] }
    const sent = withoutShimThinking(body)
    expect(sent.messages).toEqual([{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'text', text: 'a' }] }, { role: 'assistant', content: [anthropics, { type: 'text', text: 'b' }] }, { role: 'user', content: 'go' }])
    expect(sent.thinking).toEqual(body.thinking)
    expect(body.messages[1]!.content).toHaveLength(2) // the client's object is left as it was
    const clean = { model: 'm', messages: [{ role: 'assistant', content: [anthropics, { type: 'text', text: 'c' }] }] }
    expect(withoutShimThinking(clean)).toBe(clean)
  })

  test('thinking goes off for the turn when the last tool turn is left without it', () => {
    const body = { model: 'm', thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [ours, call] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] }] }
    const sent = withoutShimThinking(body)
    expect(sent.thinking).toBeUndefined()
    expect((sent.messages as { content: unknown[] }[])[1]!.content).toEqual([call])
  })
})

describe('through the proxy, with the Anthropic SDK', () => {
  const chatUp = startFakeChatUpstream((body) => (body.messages.length > 1 ? stream(textReply('done', { reasoning: 'Chat thinks again.' })) : stream([chunk({ role: 'assistant', content: null }), chunk({ reasoning_content: 'Chat thinks.' }), ...toolCallReply([{ id: 'call_1', name: 'Bash', arguments: { command: 'ls' } }]).slice(1)])))
  const respUp = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ reasoning: 'GPT thinks.' }, { text: 'Hello from GPT.' }] }), { apiKey: 'sk-up' })
  const anthropicUp = startFakeAnthropicUpstream(() => events(messageEvents([{ thinking: 'Claude thinks.' }, { text: 'Hello from Claude.' }])))
  const shim = startShim(settingsFrom([
    chatModel(chatUp.url),
    { slug: 'resp', model: 'gpt-test', provider: 'openai-responses', base_url: respUp.url, api_key: 'sk-up' },
    { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUp.url, api_key: 'sk-ant' },
  ]))
  const client = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 })
  afterAll(() => {
    shim.close()
    chatUp.close()
    respUp.close()
    anthropicUp.close()
  })
  const thinking = { type: 'enabled' as const, budget_tokens: 2048 }

  test('a conversation started on the Responses model continues on Claude, thinking on', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'hi' }]
    const answer = await client.messages.stream({ model: 'resp', max_tokens: 8000, thinking, messages }).finalMessage()
    expect(answer.content[0]?.type).toBe('thinking')
    messages.push({ role: 'assistant', content: answer.content }, { role: 'user', content: 'and now?' })
    const next = await client.messages.create({ model: 'claude', max_tokens: 8000, thinking, messages })
    expect(next.content.at(-1)).toMatchObject({ type: 'text', text: 'Hello from Claude.' })
    expect(anthropicUp.requests.at(-1)!.body.thinking).toEqual(thinking)
  })

  test('a tool loop started on a chat model finishes on Claude: that one turn without thinking', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'list the files' }]
    const answer = await client.messages.stream({ model: 'fake', max_tokens: 8000, thinking, messages, tools: [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }] }).finalMessage()
    expect(answer.content.map((block) => block.type)).toEqual(['thinking', 'tool_use'])
    const use = answer.content[1] as Anthropic.ToolUseBlock
    messages.push({ role: 'assistant', content: answer.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a.txt' }] })
    const next = await client.messages.create({ model: 'claude', max_tokens: 8000, thinking, messages, tools: [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }] })
    expect(next.content.at(-1)).toMatchObject({ type: 'text' })
    const sent = anthropicUp.requests.at(-1)!.body
    expect(sent.thinking).toBeUndefined()
    expect(JSON.stringify(sent.messages)).not.toContain('codex-shim')
  })
})
