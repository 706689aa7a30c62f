/**
 * D3: parallel tool calls from a Chat Completions upstream reach a Messages client as overlapping
 * content blocks (content_block_start 1 before content_block_stop 0), which Anthropic never sends.
 * The SDK's stream helper reports the wrong block on each content_block_stop (`contentBlock` event).
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, expect, test } from 'bun:test'
import { startFakeChatUpstream, stream, toolCallReply } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const chatUp = startFakeChatUpstream(() => stream(toolCallReply([{ id: 'call_a', name: 'read', arguments: { path: 'a' } }, { id: 'call_b', name: 'read', arguments: { path: 'b' } }])))
const shim = startShim(settingsFrom([chatModel(chatUp.url)]))
const client = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 })
afterAll(() => { shim.close(); chatUp.close() })

test('each block stops before the next starts; contentBlock reports each block once', async () => {
  const order: string[] = []
  const finished: string[] = []
  const runner = client.messages.stream({ model: 'fake', max_tokens: 100, tools: [{ name: 'read', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'read a and b' }] })
  runner.on('streamEvent', (event) => { if (event.type === 'content_block_start' || event.type === 'content_block_stop') order.push(`${event.type}:${event.index}`) })
  runner.on('contentBlock', (block) => finished.push((block as Anthropic.ToolUseBlock).id))
  await runner.finalMessage()
  expect(order).toEqual(['content_block_start:0', 'content_block_stop:0', 'content_block_start:1', 'content_block_stop:1'])
  expect(finished).toEqual(['call_a', 'call_b']) // today: ['call_b', 'call_b']
})
