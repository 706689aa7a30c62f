import Anthropic from '@anthropic-ai/sdk'
import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import OpenAI from 'openai'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { backendEvents, makeJwt, nowS, startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

// The ChatGPT backend sends a function call as output_item.added with `arguments: ""` and
// output_item.done with the whole arguments, and no argument delta in between (backendEvents
// does the same): a streamed client must still get the arguments the non-streamed one gets.
const fake = startFakeChatgpt()
process.env.CODEX_SHIM_CHATGPT_BASE_URL = fake.base
process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE = fake.tokenUrl
fake.validAccess = makeJwt({ exp: nowS() + 3600, n: 'fresh' })
writeAuth(join(process.env.CODEX_HOME!, 'auth.json'), { access: fake.validAccess, refresh: 'rt-x' })
const shim = startShim(settingsFrom([]), { chatgpt: new ChatgptService() })
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
const anthropic = new Anthropic({ baseURL: shim.url, apiKey: 'unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  fake.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
  delete process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE
})
fake.respond = () => ({ kind: 'events', events: backendEvents('Running it.', { id: 'call_1', cmd: 'ls -la' }) })

test('a Chat client, streamed: the call carries the arguments that came only in output_item.done', async () => {
  const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } } }]
  const request = { model: 'gpt-5.5', messages: [{ role: 'user' as const, content: 'list files' }], tools }
  const nonStreamed = await openai.chat.completions.create(request)
  expect((nonStreamed.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments).toBe('{"cmd":"ls -la"}')
  const final = await openai.chat.completions.stream(request).finalChatCompletion()
  const call = final.choices[0]!.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall
  expect(call.id).toBe('call_1')
  expect(call.function.arguments).toBe('{"cmd":"ls -la"}')
  expect(final.choices[0]!.finish_reason).toBe('tool_calls')
})

test('Claude Code on a ChatGPT-plan model, streamed: the tool_use input is the whole arguments', async () => {
  const tools: Anthropic.Tool[] = [{ name: 'exec_command', input_schema: { type: 'object', properties: { cmd: { type: 'string' } } } }]
  const request = { model: 'gpt-5.5', max_tokens: 1000, messages: [{ role: 'user' as const, content: 'list files' }], tools }
  const nonStreamed = await anthropic.messages.create(request)
  expect(nonStreamed.content.find((block) => block.type === 'tool_use')).toMatchObject({ id: 'call_1', name: 'exec_command', input: { cmd: 'ls -la' } })
  const final = await anthropic.messages.stream(request).finalMessage()
  expect(final.content.find((block) => block.type === 'tool_use')).toMatchObject({ id: 'call_1', name: 'exec_command', input: { cmd: 'ls -la' } })
  expect(final.stop_reason).toBe('tool_use')
})
