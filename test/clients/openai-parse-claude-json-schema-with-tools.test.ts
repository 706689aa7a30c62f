/**
 * On Anthropic a Responses `text.format: json_schema` travels as a `json_output` tool whose input
 * becomes the answer's text. When other tools are offered too (Codex --output-schema, an Agents SDK
 * agent with tools and an outputType), the tool is not forced and Claude commonly writes a sentence
 * before calling it. That sentence used to come back as an output_text message of its own, and the
 * openai SDK's `responses.parse()` (and `responses.stream()` with a format) JSON-parses every
 * output_text, so it threw. The sentence now comes back as a reasoning summary.
 */
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { zodTextFormat } from 'openai/helpers/zod'
import { z } from 'zod'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

const claude = startFakeAnthropicUpstream(() => events(messageEvents([{ thinking: 'Answer now.' }, { text: 'Here is the answer.' }, { tool: { id: 'toolu_1', name: 'json_output', input: { title: 'Fix the build' } } }])))
const shim = startShim(settingsFrom([{ slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: claude.url, api_key: 'k', reasoning_effort: 'high' }]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); claude.close() })

const request = {
  model: 'claude',
  input: 'Give the thread a title.',
  tools: [{ type: 'function' as const, name: 'exec_command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }],
  text: { format: { type: 'json_schema' as const, name: 'title', strict: true, schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'], additionalProperties: false } } },
}

test('responses.parse with tools and a json_schema format on Claude: the JSON is the answer, the sentence before it a reasoning summary', async () => {
  const result = await client.responses.parse(request)
  // Typed null for a plain JSON Schema format (only zod formats are typed); parse() fills it all the same.
  expect(result.output_parsed as unknown).toEqual({ title: 'Fix the build' })
  expect(result.output.map((item) => item.type)).toEqual(['reasoning', 'reasoning', 'message'])
  expect(result.output[1]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Here is the answer.' }] })
  // Unforced is what lets Claude write first: the request offered both tools with no tool_choice.
  expect(claude.requests.at(-1)!.body.tool_choice).toBeUndefined()
})

test('responses.stream with a zod format (what the stream helper parses): no output_text delta carries the sentence', async () => {
  const stream = client.responses.stream({ ...request, text: { format: zodTextFormat(z.object({ title: z.string() }), 'title') } })
  let text = ''
  stream.on('response.output_text.delta', (event) => (text += event.delta))
  const final = await stream.finalResponse()
  expect(text).toBe('{"title":"Fix the build"}')
  expect(final.output_parsed).toEqual({ title: 'Fix the build' })
})

test('chat.completions.parse, the same request as a Chat client: content is the JSON alone', async () => {
  const completion = await client.chat.completions.parse({
    model: 'claude',
    messages: [{ role: 'user', content: 'Give the thread a title.' }],
    // The SDK's chat parse() takes strict tools only.
    tools: [{ type: 'function', function: { name: 'exec_command', strict: true, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'], additionalProperties: false } } }],
    response_format: { type: 'json_schema', json_schema: { name: 'title', strict: true, schema: request.text.format.schema } },
  })
  expect(completion.choices[0]!.message.content).toBe('{"title":"Fix the build"}')
  expect(completion.choices[0]!.message.parsed as unknown).toEqual({ title: 'Fix the build' })
})
