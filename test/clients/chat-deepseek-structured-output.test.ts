/**
 * DeepSeek's chat API takes `response_format` `text` or `json_object` only; `json_schema` is refused
 * with 400 "This response_format type is unavailable now" (llm-exe/llm-exe#662, inspect_ai#4916,
 * litellm#7580, against deepseek-chat and deepseek-v4-*). The shim used to forward a Responses
 * `text.format: json_schema` as `response_format: json_schema` to every chat upstream, with no
 * setting to do otherwise, so `codex exec --output-schema`, the Codex TUI's thread-title request
 * and any SDK structured output on DeepSeek failed outright. `structured_output: "json_object"`
 * (the default on api.deepseek.com) sends JSON mode with the schema in an instruction. The Codex
 * bodies are its 0.169 captures' text.format, as in test/fixtures/responses/output-schema-and-image.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeChatUpstream, stream, textReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const received: Json[] = []
const upstream = startFakeChatUpstream((body) => {
  received.push(body as Json)
  return body.response_format?.type === 'json_schema'
    ? { kind: 'error', status: 400, body: { error: { message: 'This response_format type is unavailable now', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } } }
    : stream(textReply('{"answer":"42","title":"Fix the build"}'))
})
const shim = startShim(settingsFrom([
  chatModel(upstream.url, { slug: 'deepseek', model: 'deepseek-chat', structured_output: 'json_object' }),
  chatModel(upstream.url, { slug: 'deepseek-as-is', model: 'deepseek-chat' }),
]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); upstream.close() })

// Codex 0.169's text.format for `codex exec --output-schema` and for the TUI's thread title (captures 13a, 16b).
const codexFormats = {
  'output-schema': { type: 'json_schema', strict: true, name: 'codex_output_schema', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } },
  'thread-title': { type: 'json_schema', strict: true, name: 'codex_output_schema', schema: { type: 'object', properties: { title: { type: 'string', minLength: 1, maxLength: 36 } }, required: ['title'], additionalProperties: false } },
}
const codexInput = [
  { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] },
  { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is 6 x 7?' }] },
]

describe('structured output on a DeepSeek route with structured_output: json_object', () => {
  for (const [what, format] of Object.entries(codexFormats)) {
    test(`Codex's ${what} request`, async () => {
      const response = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'deepseek', stream: true, store: false, input: codexInput, text: { format } }) })
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('event: response.completed')
      const sent = received.at(-1) as { response_format: unknown; messages: { role: string; content: string }[] }
      expect(sent.response_format).toEqual({ type: 'json_object' })
      // The schema is stated to the model, in the leading system message, after Codex's own text.
      expect(sent.messages[0]!.role).toBe('system')
      expect(sent.messages[0]!.content).toStartWith('You are Codex.\n\n')
      expect(sent.messages[0]!.content).toContain(JSON.stringify(format.schema))
      expect(sent.messages.filter((message) => message.role === 'system')).toHaveLength(1)
    })
  }

  test('openai SDK responses.parse with a json_schema format', async () => {
    const result = await client.responses.parse({ model: 'deepseek', input: 'Answer in JSON.', text: { format: { type: 'json_schema', name: 'a', strict: true, schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } } } })
    expect(result.output_parsed as unknown).toEqual({ answer: '42', title: 'Fix the build' })
  })

  test('without the setting (and not on api.deepseek.com) json_schema still goes as it came', async () => {
    const response = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'deepseek-as-is', input: codexInput, text: { format: codexFormats['output-schema'] } }) })
    expect(response.status).toBe(400)
    expect((received.at(-1) as { response_format: { type: string } }).response_format.type).toBe('json_schema')
  })
})
