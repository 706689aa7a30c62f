/**
 * On a translated route, what a Messages request carries reaches the model or is refused by name:
 * Anthropic-defined client tools (text_editor, bash: the client runs them, they are not server
 * tools), search_result blocks (as text with their title and source), and what a tool_result holds.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, expect, test } from 'bun:test'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const chatUp = startFakeChatUpstream(() => stream(textReply('ok')))
const shim = startShim(settingsFrom([chatModel(chatUp.url)]))
const client = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 })
afterAll(() => { shim.close(); chatUp.close() })
const toolTurn = (content: unknown[]): Anthropic.MessageParam[] => [
  { role: 'user', content: 'look it up' },
  { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'kb', input: {} }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: content as any }] },
]
const kb: Anthropic.Tool[] = [{ name: 'kb', input_schema: { type: 'object' } }]
const search = { type: 'search_result', source: 'https://kb/1', title: 'KB', content: [{ type: 'text', text: 'The answer is 42.' }] }

/** The request's 400, in Anthropic's shape, and nothing sent upstream. */
async function refused(body: Record<string, unknown>): Promise<string> {
  const sent = chatUp.requests.length
  const error = await client.messages.create({ model: 'fake', max_tokens: 100, ...body } as never).then(() => null, (error) => error)
  expect(error).toBeInstanceOf(Anthropic.BadRequestError)
  expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  expect(chatUp.requests.length).toBe(sent)
  return error.error.error.message as string
}

test('text_editor / bash client tools: refused by name with the way out, not dropped as server tools', async () => {
  const tools = [kb[0], { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' }, { type: 'bash_20250124', name: 'bash' }]
  const message = await refused({ tools, messages: [{ role: 'user', content: 'Fix the typo in README.md' }] })
  expect(message).toStartWith('tools.1: "text_editor_20250728"')
  expect(message).toContain('custom tool')
})

test('tool_choice "any" with only server tools left: refused, rather than forcing a call of nothing', async () => {
  const message = await refused({ tool_choice: { type: 'any' }, tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'news?' }] })
  expect(message).toStartWith('tool_choice: "any"')
  expect(message).toContain('web_search')
})

test('search_result inside a tool_result reaches the model as text with its title and source', async () => {
  await client.messages.create({ model: 'fake', max_tokens: 100, tools: kb, messages: toolTurn([search]) })
  const tool = chatUp.requests.at(-1)!.body.messages.find((message: { role: string }) => message.role === 'tool')
  expect(tool.content).toBe('Search result: KB\nSource: https://kb/1\n\nThe answer is 42.')
})

test('a top-level search_result block reaches the model', async () => {
  await client.messages.create({ model: 'fake', max_tokens: 100, messages: [{ role: 'user', content: [search as any, { type: 'text', text: 'What is the answer?' }] }] })
  expect(JSON.stringify(chatUp.requests.at(-1)!.body.messages.at(-1))).toContain('Search result: KB\\nSource: https://kb/1\\n\\nThe answer is 42.')
})

test('a file-sourced image inside a tool_result is refused like a top-level one, naming where it is', async () => {
  const message = await refused({ tools: kb, messages: toolTurn([{ type: 'text', text: 'see' }, { type: 'image', source: { type: 'file', file_id: 'file_123' } }]) })
  expect(message).toStartWith('messages.2.content.0.content.1.source:')
})

test('a block a tool_result cannot carry is refused, naming it', async () => {
  const message = await refused({ tools: kb, messages: toolTurn([{ type: 'tool_reference', tool_name: 'kb' }]) })
  expect(message).toStartWith('messages.2.content.0.content.0.type: content block type "tool_reference"')
})
