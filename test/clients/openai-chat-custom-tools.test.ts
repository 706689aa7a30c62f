import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import type { Json } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

// Chat Completions' custom (freeform) tools, in the openai SDK's shapes (openai 6.x,
// resources/chat/completions/completions.d.ts): the tool is ChatCompletionCustomTool
// {type: 'custom', custom: {name, description?, format?}}, its call ChatCompletionMessageCustomToolCall
// {id, type: 'custom', custom: {name, input}}, and the result a role "tool" message as for functions.
const PATCH = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch'
const hasResult = (body: Json) => ['custom_tool_call_output', 'tool_result', 'function_call_output'].some((type) => JSON.stringify(body).includes(type))
const resp = startFakeResponsesUpstream((body) => (hasResult(body) ? { kind: 'output', items: [{ text: 'Patched.' }] } : { kind: 'output', items: [{ custom: { call_id: 'call_p', name: 'apply_patch', input: PATCH } }] }))
// Anthropic has no freeform tools: the shim offers one as a tool with one string field, `input`.
const anth = startFakeAnthropicUpstream((body) => (hasResult(body) ? events(messageEvents([{ text: 'Patched.' }])) : events(messageEvents([{ tool: { id: 'toolu_p', name: 'apply_patch', input: { input: PATCH } } }]))))
const shim = startShim(settingsFrom([
  { slug: 'resp', model: 'gpt-5', provider: 'openai-responses', base_url: resp.url, api_key: 'k' },
  { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anth.url, api_key: 'k' },
]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); resp.close(); anth.close() })
const tools: OpenAI.ChatCompletionTool[] = [{ type: 'custom', custom: { name: 'apply_patch', description: 'Apply a patch' } }]
const CALL_ID = { resp: 'call_p', claude: 'toolu_p' } as const

describe.each(['resp', 'claude'] as const)('a Chat client\'s custom tool on %s (translated)', (model) => {
  test('the call comes back in OpenAI\'s custom shape, not as a function with {"input"}', async () => {
    const completion = await openai.chat.completions.create({ model, tools, messages: [{ role: 'user', content: 'add a.txt' }] })
    expect(completion.choices[0]!.message.tool_calls).toEqual([{ id: CALL_ID[model], type: 'custom', custom: { name: 'apply_patch', input: PATCH } }] satisfies OpenAI.ChatCompletionMessageCustomToolCall[])
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls')
  })

  test('streamed: one tool_calls delta {index, id, type: "custom", custom: {name, input}}', async () => {
    // The SDK's chunk types name only function deltas; OpenAI streams custom ones in this shape
    // (openai-python#2530), which completionAsChunks also writes for a whole answer.
    const stream = await openai.chat.completions.create({ model, tools, stream: true, messages: [{ role: 'user', content: 'add a.txt' }] })
    const calls: unknown[] = []
    let finish: string | null = null
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []))
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(calls).toEqual([{ index: 0, id: CALL_ID[model], type: 'custom', custom: { name: 'apply_patch', input: PATCH } }])
    expect(finish).toBe('tool_calls')
  })

  test('the history of a custom call, as OpenAI returns it, is carried as a custom call and its output', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'add a.txt' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_p', type: 'custom', custom: { name: 'apply_patch', input: PATCH } }] },
      { role: 'tool', tool_call_id: 'call_p', content: 'Done' },
    ]
    const second = await openai.chat.completions.create({ model, tools, messages })
    expect(second.choices[0]!.message.content).toBe('Patched.')
    if (model === 'resp') {
      expect(resp.requests.at(-1)!.body.input.slice(1)).toEqual([
        { type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: PATCH },
        { type: 'custom_tool_call_output', call_id: 'call_p', output: 'Done' },
      ])
    } else {
      const [, assistant, user] = anth.requests.at(-1)!.body.messages
      expect(assistant.content).toEqual([{ type: 'tool_use', id: 'call_p', name: 'apply_patch', input: { input: PATCH } }])
      expect(user.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'call_p' })
      expect(JSON.stringify(user.content[0].content)).toContain('Done')
    }
  })
})

test('a custom call in the history without its custom field, or of an unknown type, is a 400 naming the field', async () => {
  const ask = (call: Record<string, unknown>) =>
    openai.chat.completions.create({ model: 'resp', tools, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [call as never] }] }).catch((error) => error)
  const missing = await ask({ id: 'call_p', type: 'custom' })
  expect(missing).toBeInstanceOf(OpenAI.BadRequestError)
  expect(missing.message).toContain('messages[1].tool_calls[0].custom: missing required field')
  const noInput = await ask({ id: 'call_p', type: 'custom', custom: { name: 'apply_patch' } })
  expect(noInput.message).toContain('messages[1].tool_calls[0].custom.input')
  const unknown = await ask({ id: 'call_p', type: 'telepathy', telepathy: {} })
  expect(unknown.message).toContain('messages[1].tool_calls[0].type')
  // A function call without `type` is still a function call, as clients have long sent it.
  const untyped = await ask({ id: 'call_f', function: { name: 'apply_patch', arguments: '{}' } })
  expect(untyped).not.toBeInstanceOf(Error)
})
