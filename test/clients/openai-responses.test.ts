import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type ChatReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

let next: (body: Json) => ChatReply = () => stream(textReply('Hello from the fake.'))
const upstream = startFakeChatUpstream((body) => next(body))
const shim = startShim(settingsFrom([chatModel(upstream.url)]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  upstream.close()
})

const tools = [
  { type: 'function' as const, name: 'exec_command', description: 'Run a command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } },
  { type: 'custom' as const, name: 'apply_patch', description: 'Edit files' },
]

describe('official openai SDK → codex-shim /v1/responses', () => {
  test('responses.stream() consumes the stream and reconstructs text, reasoning and usage', async () => {
    next = () => stream(textReply('Hello from the fake.', { reasoning: 'Let me think about it.' }))
    const runner = client.responses.stream({ model: 'fake', input: 'hi' })
    const deltas: string[] = []
    runner.on('response.output_text.delta', (event) => deltas.push(event.delta))
    const final = await runner.finalResponse()
    expect(deltas.join('')).toBe('Hello from the fake.')
    expect(final.output_text).toBe('Hello from the fake.')
    expect(final.status).toBe('completed')
    const reasoning = final.output.find((item) => item.type === 'reasoning')
    expect(reasoning?.type === 'reasoning' && reasoning.summary[0]?.text).toBe('Let me think about it.')
    expect(final.usage?.input_tokens).toBe(100)
  })

  test('responses.stream() reconstructs function and custom tool calls with split arguments', async () => {
    next = () => stream(toolCallReply([
      { id: 'call_1', name: 'exec_command', arguments: { cmd: 'ls -la' } },
      { id: 'call_2', name: 'apply_patch', arguments: { input: '*** Begin Patch\n*** End Patch\n' } },
    ], { size: 3 }))
    const runner = client.responses.stream({ model: 'fake', input: 'go', tools })
    const argumentDeltas: string[] = []
    runner.on('response.function_call_arguments.delta', (event) => argumentDeltas.push(event.delta))
    const final = await runner.finalResponse()
    expect(argumentDeltas.join('')).toBe('{"cmd":"ls -la"}')
    expect(final.output).toMatchObject([
      { type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"ls -la"}', status: 'completed' },
      { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' },
    ])
  })

  test('responses.create() without stream returns the aggregated response', async () => {
    next = () => stream(textReply('Plain answer.'))
    const response = await client.responses.create({ model: 'fake', input: 'hi' })
    expect(response.object).toBe('response')
    expect(response.output_text).toBe('Plain answer.')
  })

  test('errors arrive as the SDK\'s typed errors with status and message', async () => {
    next = () => ({ kind: 'error', status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '3' } })
    const error = await client.responses.create({ model: 'fake', input: 'hi' }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.status).toBe(429)
    expect(error.message).toContain('slow down')
    const missing = await client.responses.create({ model: 'nope', input: 'hi' }).catch((e) => e)
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError)
  })
})

// The SDK's `Response` requires these, nullable: a release that makes one optional fails the typecheck here.
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T]
const REQUIRED_ECHO = ['instructions', 'metadata', 'parallel_tool_calls', 'temperature', 'tool_choice', 'top_p'] as const satisfies readonly RequiredKeys<OpenAI.Responses.Response>[]

describe('the request echoed on the response object (translated route)', () => {
  const sent = { model: 'fake', input: 'hi', metadata: { run: 'a' }, instructions: 'x', temperature: 0.2 }
  const echoed = { metadata: { run: 'a' }, instructions: 'x', temperature: 0.2, store: true, previous_response_id: null }

  test('responses.create() without stream', async () => {
    next = () => stream(textReply('Plain answer.'))
    const response = await client.responses.create({ ...sent, stream: false })
    expect(response).toMatchObject(echoed)
    expect(response).not.toHaveProperty('tools')
  })

  test('responses.stream(): every response object it carries, and retrieve agrees with the terminal one', async () => {
    next = () => stream(textReply('Streamed answer.'))
    const runner = client.responses.stream(sent)
    const carried: unknown[] = []
    runner.on('response.created', (event) => carried.push(event.response))
    runner.on('response.in_progress', (event) => carried.push(event.response))
    runner.on('response.completed', (event) => carried.push(event.response))
    const final = await runner.finalResponse()
    expect(final).toMatchObject(echoed)
    expect(carried.length).toBe(3)
    for (const response of carried) expect(response).toMatchObject(echoed)
    const retrieved = await client.responses.retrieve(final.id)
    const fields = ['metadata', 'instructions', 'temperature', 'store', 'previous_response_id', 'top_p', 'tool_choice', 'parallel_tool_calls', 'max_output_tokens'] as const
    const pick = (response: object) => Object.fromEntries(fields.map((field) => [field, (response as Record<string, unknown>)[field]]))
    expect(pick(retrieved)).toEqual(pick(carried.at(-1)!))
  })

  test('what the client did not send reads as "not set"; a follow-up echoes its previous_response_id', async () => {
    next = () => stream(textReply('Plain answer.'))
    const first = await client.responses.create({ model: 'fake', input: 'hi' })
    for (const field of REQUIRED_ECHO) expect(first).toHaveProperty(field)
    expect(first).toMatchObject({ instructions: null, metadata: {}, previous_response_id: null, store: true, tool_choice: 'auto', parallel_tool_calls: true, temperature: null, top_p: null, max_output_tokens: null })
    for (const field of ['user', 'service_tier', 'truncation', 'text', 'reasoning']) expect(first).not.toHaveProperty(field)
    const second = await client.responses.create({ model: 'fake', input: 'again', previous_response_id: first.id, store: false })
    expect(second).toMatchObject({ previous_response_id: first.id, store: false })
  })
})
