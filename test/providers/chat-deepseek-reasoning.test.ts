/**
 * DeepSeek's thinking mode (the V4 models' default, deepseek-reasoner) refuses a history whose
 * assistant turns lack `reasoning_content`: 400 "The `reasoning_content` in the thinking mode must be
 * passed back to the API." (api-docs.deepseek.com/guides/thinking_mode). Turns another model wrote
 * (a switch of model, a fallback) have none: they go with an empty one, which DeepSeek takes
 * (anomalyco/opencode#24146). A strict fake checks it as DeepSeek does, driven by the openai SDK.
 */
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesItem } from '../../src/canonical/types.ts'
import { fromCanonical } from '../../src/dialects/chat/request.ts'
import { chatOptionsFor } from '../../src/providers/chat.ts'
import { parseSettings } from '../../src/settings/load.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const entry = (baseUrl: string, model: string) =>
  parseSettings(JSON.stringify({ models: [{ slug: 'x', model, provider: 'generic-chat-completion-api', base_url: baseUrl }] }), '/x/models.json').models[0]!

test.each([
  ['https://api.deepseek.com', 'deepseek-v4-pro', true],
  ['https://api.deepseek.com/v1', 'deepseek-chat', true],
  ['http://127.0.0.1:4000/v1', 'deepseek-v4-flash', true],
  ['http://127.0.0.1:4000/v1', 'deepseek-reasoner', true],
  ['https://openrouter.ai/api/v1', 'qwen/qwen3-coder', false],
  ['https://api.groq.com/openai/v1', 'openai/gpt-oss-120b', false],
])('%s, %s: every assistant turn carries reasoning_content: %p', (baseUrl, model, expected) => {
  expect(chatOptionsFor(entry(baseUrl, model)).reasoningOnEveryAssistantTurn).toBe(expected)
})

test('turns another model wrote go with an empty reasoning_content; DeepSeek\'s own keep theirs', () => {
  const input = [
    { type: 'message', role: 'user', content: 'Count the files.' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me look.' }] },
    { type: 'function_call', call_id: 'call_a', name: 'exec_command', arguments: '{"cmd":"ls"}' },
    { type: 'function_call_output', call_id: 'call_a', output: 'a.txt' },
    { type: 'reasoning', summary: [{ type: 'summary_text', text: 'One file.' }] },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'One.' }] },
    { type: 'message', role: 'user', content: 'And now?' },
  ] as ResponsesItem[]
  const body = fromCanonical({ model: 'deepseek', input }, flattenTools(undefined), chatOptionsFor(entry('https://api.deepseek.com', 'deepseek-v4-pro')))
  expect(body.messages.filter((m) => m.role === 'assistant').map((m) => (m as { reasoning_content?: string }).reasoning_content)).toEqual(['', 'One file.'])
  // Elsewhere nothing is added where no reasoning is known.
  const other = fromCanonical({ model: 'other', input }, flattenTools(undefined), chatOptionsFor(entry('https://openrouter.ai/api/v1', 'qwen/qwen3-coder')))
  expect(other.messages.filter((m) => m.role === 'assistant').map((m) => 'reasoning_content' in m)).toEqual([false, true])
})

const seen: any[] = []
const deepseek = Bun.serve({
  hostname: '127.0.0.1', port: 0,
  async fetch(request) {
    const body = (await request.json()) as any
    seen.push(body)
    if (body.messages.some((m: any) => m.role === 'assistant' && typeof m.reasoning_content !== 'string')) {
      return Response.json({ error: { message: 'The `reasoning_content` in the thinking mode must be passed back to the API.', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, { status: 400 })
    }
    const chunk = (delta: any, finish: string | null = null) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'deepseek-v4-pro', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    return new Response(chunk({ role: 'assistant', reasoning_content: 'Two files listed.' }) + chunk({ content: 'Two files.' }) + chunk({}, 'stop') + 'data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } })
  },
})
const other = Bun.serve({
  hostname: '127.0.0.1', port: 0,
  fetch() {
    const chunk = (delta: any, finish: string | null = null) => `data: ${JSON.stringify({ id: 'y', object: 'chat.completion.chunk', created: 1, model: 'other-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    return new Response(chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_other_1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }] }) + chunk({}, 'tool_calls') + 'data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } })
  },
})
const shim = startShim(settingsFrom([
  chatModel(`http://127.0.0.1:${other.port}/v1`, { slug: 'other', model: 'other-model' }),
  chatModel(`http://127.0.0.1:${deepseek.port}/v1`, { slug: 'deepseek', model: 'deepseek-v4-pro' }),
]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); deepseek.stop(true); other.stop(true) })

test('a switch to DeepSeek in the middle of a tool loop: the other model\'s turn goes with an empty reasoning_content, and DeepSeek answers', async () => {
  const tools = [{ type: 'function' as const, name: 'exec_command', description: 'Run a command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } }]
  const input: any[] = [{ role: 'user', content: 'How many files are there?' }]
  const first = await client.responses.create({ model: 'other', input, tools, store: false })
  const call = first.output.find((item) => item.type === 'function_call') as any
  input.push(...first.output, { type: 'function_call_output', call_id: call.call_id, output: 'a.txt\nb.txt' })
  const second = await client.responses.create({ model: 'deepseek', input, tools, store: false }).catch((error) => error)
  expect(second).not.toBeInstanceOf(Error)
  expect(second.output_text).toBe('Two files.')
  expect(seen[0].messages.find((m: any) => m.tool_calls).reasoning_content).toBe('')
})
