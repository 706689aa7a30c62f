import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeResponsesUpstream, type Json } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * An `openai-responses` upstream (OpenAI's Responses API and every server
 * that speaks it) through each client dialect, with the official SDKs:
 * Responses clients take the byte-level fast path, Chat and Messages
 * clients are translated. The fake validates like the real API.
 */
const hasOutput = (body: Json) => Array.isArray(body.input) && body.input.some((item: Json) => item.type === 'function_call_output')
const upstream = startFakeResponsesUpstream(
  (body) => {
    if (JSON.stringify(body.input ?? '').includes('REFUSE-THIS')) return { kind: 'output', items: [{ refusal: "I'm sorry, but I can't help with that." }] }
    if (JSON.stringify(body.input ?? '').includes('RATE-LIMIT')) return { kind: 'error', status: 429, body: { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '30' } }
    if (hasOutput(body)) return { kind: 'output', items: [{ text: 'Paris is sunny.' }] }
    if (body.tools?.some((tool: Json) => tool.type === 'function')) return { kind: 'output', items: [{ reasoning: 'Need the weather.' }, { call: { call_id: 'call_w', name: 'get_weather', arguments: { city: 'Paris' } } }] }
    return { kind: 'output', items: [{ reasoning: 'Greeting the user.' }, { text: 'Hello from Responses.' }] }
  },
  { apiKey: 'sk-upstream-key' },
)
const shim = startShim(settingsFrom([
  { slug: 'resp', model: 'gpt-test', provider: 'openai-responses', base_url: upstream.url, api_key: 'sk-upstream-key' },
  { slug: 'resp-reasoner', model: 'gpt-test', provider: 'openai-responses', base_url: upstream.url, api_key: 'sk-upstream-key', reasoning_efforts: ['low', 'medium', 'high'] },
]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'client-key-unused', maxRetries: 0 })
const anthropic = new Anthropic({ baseURL: shim.url, apiKey: 'client-key-unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  upstream.close()
})

const weather = { type: 'function' as const, name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true }

describe('openai SDK responses.* → openai-responses (fast path)', () => {
  test('the stream helper gets text and reasoning, under the model name it asked for', async () => {
    const runner = openai.responses.stream({ model: 'resp', input: 'hi', reasoning: { effort: 'low', summary: 'auto' } })
    let text = ''
    runner.on('response.output_text.delta', (event) => (text += event.delta))
    const final = await runner.finalResponse()
    expect(text).toBe('Hello from Responses.')
    expect(final.output_text).toBe('Hello from Responses.')
    // The upstream answered as gpt-test-2026-01-01; the client sees the name it used.
    expect(final.model).toBe('resp')
    expect(final.usage?.output_tokens_details.reasoning_tokens).toBe(8)
    const sent = upstream.requests.at(-1)!
    expect(sent.body.model).toBe('gpt-test')
    expect(sent.headers.authorization).toBe('Bearer sk-upstream-key')
  })

  test('hosted tools, include, store and previous_response_id reach the upstream untouched', async () => {
    const first = await openai.responses.create({ model: 'resp', input: 'Weather in Paris?', tools: [weather, { type: 'web_search' }], include: ['reasoning.encrypted_content'] })
    const sent = upstream.requests.at(-1)!.body
    expect(sent.tools[1]).toEqual({ type: 'web_search' })
    expect(sent.include).toEqual(['reasoning.encrypted_content'])
    const call = first.output.find((item) => item.type === 'function_call')!
    expect(first.model).toBe('resp')
    // The upstream keeps the state: only the tool output and the id go out.
    const second = await openai.responses.create({ model: 'resp', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: (call as { call_id: string }).call_id, output: 'sunny' }], tools: [weather] })
    expect(second.output_text).toBe('Paris is sunny.')
    expect(upstream.requests.at(-1)!.body.previous_response_id).toBe(first.id)
  })

  test('the upstream\'s validation errors come back in the client\'s shape', async () => {
    const error = await openai.responses.create({ model: 'resp', input: 'x', previous_response_id: 'resp_doesnotexist' }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.message).toContain("Previous response with id 'resp_doesnotexist' not found")
  })
})

describe('openai SDK chat.completions → openai-responses (translated)', () => {
  test('a tool round trip with the stream helper', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: weather.parameters } }]
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await openai.chat.completions.stream({ model: 'resp', messages, tools }).finalChatCompletion()
    expect(first.model).toBe('resp')
    expect(first.choices[0]!.finish_reason).toBe('tool_calls')
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(call).toMatchObject({ id: 'call_w', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } })
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny' })
    const second = await openai.chat.completions.stream({ model: 'resp', messages, tools }).finalChatCompletion()
    expect(second.choices[0]!.message.content).toBe('Paris is sunny.')
    // Translated requests are not kept upstream: nothing would continue them there.
    expect(upstream.requests.at(-1)!.body.store).toBe(false)
  })

  test('a 429 with a long retry-after reaches the SDK as its rate-limit error, header kept', async () => {
    const error = await openai.chat.completions.create({ model: 'resp', messages: [{ role: 'user', content: 'RATE-LIMIT' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.headers.get('retry-after')).toBe('30')
  })
})

describe('@anthropic-ai/sdk messages → openai-responses (translated)', () => {
  const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]

  test('the stream helper gets thinking and text', async () => {
    const runner = anthropic.messages.stream({ model: 'resp', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }] })
    let text = ''
    runner.on('text', (delta) => (text += delta))
    const final = await runner.finalMessage()
    expect(text).toBe('Hello from Responses.')
    expect(final.model).toBe('resp')
    expect(final.content.map((block) => block.type)).toEqual(['thinking', 'text'])
  })

  test('a tool_use round trip', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await anthropic.messages.stream({ model: 'resp', max_tokens: 4096, tools, messages }).finalMessage()
    expect(first.stop_reason).toBe('tool_use')
    const use = first.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock
    expect(use).toMatchObject({ id: 'call_w', name: 'get_weather', input: { city: 'Paris' } })
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] })
    const second = await anthropic.messages.create({ model: 'resp', max_tokens: 4096, tools, messages })
    expect(second.content.find((block) => block.type === 'text')).toMatchObject({ text: 'Paris is sunny.' })
  })

  // An audit with the real Claude Code: the upstream's encrypted reasoning never came back, so an
  // OpenAI reasoning model lost its chain of thought at every tool call.
  test('with thinking on, the upstream\'s encrypted reasoning rides in the signature and goes back with the tool result', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const thinking = { type: 'enabled' as const, budget_tokens: 2048 }
    const first = await anthropic.messages.stream({ model: 'resp', max_tokens: 4096, tools, thinking, messages }).finalMessage()
    expect(upstream.requests.at(-1)!.body.include).toContain('reasoning.encrypted_content')
    const thought = first.content.find((block) => block.type === 'thinking') as Anthropic.ThinkingBlock
    expect(thought.thinking).toBe('Need the weather.')
    expect(thought.signature.startsWith('codex-shim.responses.v1:')).toBe(true)
    const use = first.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] })
    const second = await anthropic.messages.create({ model: 'resp', max_tokens: 4096, tools, thinking, messages })
    expect(second.content.find((block) => block.type === 'text')).toMatchObject({ text: 'Paris is sunny.' })
    const replayed = (upstream.requests.at(-1)!.body.input as Json[]).find((item) => item.type === 'reasoning')
    expect(replayed).toMatchObject({ id: expect.stringMatching(/^rs_/), encrypted_content: 'enc:17', summary: [{ type: 'summary_text', text: 'Need the weather.' }] })
  })

  test('encrypted reasoning is asked for when the entry says the model reasons, thinking on or not; not for other models', async () => {
    await anthropic.messages.create({ model: 'resp-reasoner', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    expect(upstream.requests.at(-1)!.body.include).toEqual(['reasoning.encrypted_content'])
    // A server that may not know `include` is not sent one it did not need.
    await anthropic.messages.create({ model: 'resp', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    expect(upstream.requests.at(-1)!.body.include).toBeUndefined()
  })

  test('a 429 reaches the SDK as its rate-limit error', async () => {
    const error = await anthropic.messages.create({ model: 'resp', max_tokens: 10, messages: [{ role: 'user', content: 'RATE-LIMIT' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect(error.headers.get('retry-after')).toBe('30')
  })
})

describe('a refusal from a Responses upstream reaches Chat and Messages clients (never dropped)', () => {
  const REFUSAL = "I'm sorry, but I can't help with that."
  test('openai SDK chat: streamed as delta.refusal, and message.refusal when not streamed', async () => {
    const stream = await openai.chat.completions.create({ model: 'resp', stream: true, messages: [{ role: 'user', content: 'REFUSE-THIS please' }] })
    let refusal = ''
    let content = ''
    let finish: string | null | undefined
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { refusal?: string | null; content?: string | null } | undefined
      refusal += delta?.refusal ?? ''
      content += delta?.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect({ refusal, content, finish }).toEqual({ refusal: REFUSAL, content: '', finish: 'stop' })
    const whole = await openai.chat.completions.create({ model: 'resp', messages: [{ role: 'user', content: 'REFUSE-THIS please' }] })
    expect(whole.choices[0]!.message).toMatchObject({ role: 'assistant', content: null, refusal: REFUSAL })
  })

  test('Anthropic SDK: the refusal is the text, with stop_reason "refusal", streamed and not', async () => {
    const streamed = await anthropic.messages.stream({ model: 'resp', max_tokens: 100, messages: [{ role: 'user', content: 'REFUSE-THIS please' }] }).finalMessage()
    expect(streamed.content).toEqual([expect.objectContaining({ type: 'text', text: REFUSAL })])
    expect(streamed.stop_reason).toBe('refusal')
    const whole = await anthropic.messages.create({ model: 'resp', max_tokens: 100, messages: [{ role: 'user', content: 'REFUSE-THIS please' }] })
    expect(whole.content).toEqual([expect.objectContaining({ type: 'text', text: REFUSAL })])
    expect(whole.stop_reason).toBe('refusal')
  })
})
