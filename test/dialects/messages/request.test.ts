import type Anthropic from '@anthropic-ai/sdk'
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { flattenTools } from '../../../src/canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../../../src/canonical/types.ts'
import { parseResponsesRequest } from '../../../src/dialects/responses/api.ts'
import { fromCanonical, type MessagesRequestOptions } from '../../../src/dialects/messages/request.ts'
import { validateMessagesRequest } from '../../fakes/anthropic-upstream.ts'
import { expectGolden } from '../../support/golden.ts'

const fixtures = join(import.meta.dir, '../../fixtures/responses')
const golden = join(import.meta.dir, '../../golden/responses-to-messages')
const names = readdirSync(fixtures).filter((name) => name.endsWith('.request.json')).map((name) => name.replace('.request.json', ''))
const HEADERS = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }

const OPTIONS: MessagesRequestOptions = {
  model: 'claude-sonnet-4-5',
  maxTokens: 64000,
  reasoningEfforts: ['minimal', 'low', 'medium', 'high', 'xhigh', 'max'],
  promptCaching: true,
  imageSupport: true,
}

function load(name: string): ResponsesRequest {
  return parseResponsesRequest(JSON.parse(readFileSync(join(fixtures, `${name}.request.json`), 'utf8')))
}

function translate(request: ResponsesRequest, options = OPTIONS) {
  return fromCanonical(request, flattenTools(request.tools), options)
}

describe('responses → messages request', () => {
  test.each(names)('%s', (name) => {
    const { body } = translate(load(name))
    // Compile-time: the body is a valid @anthropic-ai/sdk request.
    const typed: Anthropic.MessageCreateParamsStreaming = { ...body, stream: true }
    expect(validateMessagesRequest(typed as unknown as Record<string, unknown>, HEADERS)).toBeNull()
    expectGolden(join(golden, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`)
  })

  test('Anthropic-signed thinking is replayed first in its turn; redacted thinking too', () => {
    const { body, droppedReasoning } = translate(load('thinking-round-trip-history'))
    const assistants = body.messages.filter((m) => m.role === 'assistant')
    expect(assistants[0]!.content[0]).toMatchObject({ type: 'thinking', thinking: 'I will list the files.' })
    expect(assistants[1]!.content.map((b) => b.type)).toEqual(['redacted_thinking', 'text'])
    expect(droppedReasoning).toBe(0)
  })

  test('images inside tool results stay inside the tool_result', () => {
    const { body } = translate(load('thinking-round-trip-history'))
    const result = body.messages.flatMap((m) => m.content as { type: string }[]).find((b) => b.type === 'tool_result') as Anthropic.ToolResultBlockParam
    expect((result.content as Anthropic.ContentBlockParam[]).map((b) => b.type)).toEqual(['text', 'image'])
  })

  test('foreign reasoning (an OpenAI blob after a model switch) is dropped and thinking turned off for that tool loop', () => {
    const { body, droppedReasoning } = translate(load('model-switch-foreign-reasoning'))
    expect(droppedReasoning).toBe(1)
    expect(JSON.stringify(body)).not.toContain('gAAAAAB')
    expect(body.thinking).toBeUndefined()
  })

  test('effort → thinking budget with max_tokens above it (within a cap the client set); none and forced tools keep thinking off', () => {
    const request = load('codex-first-turn') // xhigh
    expect(translate(request).body.thinking).toEqual({ type: 'enabled', budget_tokens: 32000 })
    // A cap the client set bounds thinking and answer together: thinking takes at most half, or stays off.
    const small = translate({ ...request, max_output_tokens: 2000 }).body
    expect(small).toMatchObject({ max_tokens: 2000 })
    expect(small.thinking).toBeUndefined()
    const room = translate({ ...request, max_output_tokens: 10000 }).body
    expect(room).toMatchObject({ max_tokens: 10000, thinking: { type: 'enabled', budget_tokens: 5000 } })
    const capped = translate(request, { ...OPTIONS, maxTokens: 16000 }).body
    expect((capped.thinking as { budget_tokens: number }).budget_tokens).toBeLessThan(capped.max_tokens)
    expect(capped.max_tokens).toBeLessThanOrEqual(16000)
    expect(translate({ ...request, reasoning: { effort: 'none' } }, { ...OPTIONS, reasoningEfforts: ['none', 'low'] }).body.thinking).toBeUndefined()
    expect(translate({ ...request, tool_choice: 'required' }).body.thinking).toBeUndefined()
    expect(translate(request, { ...OPTIONS, thinkingBudgetTokens: 5000 }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 5000 })
  })

  test('image data URLs: jpg normalised, unsupported types become a note instead of a 400', () => {
    const request = (url: string): ResponsesRequest => ({ model: 'claude', input: [{ type: 'message', role: 'user', content: [{ type: 'input_image', image_url: url }] }] })
    expect(translate(request('data:image/jpg;base64,AAAA')).body.messages[0]!.content[0]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' }, cache_control: { type: 'ephemeral' } })
    expect(translate(request('data:image/svg+xml;base64,AAAA')).body.messages[0]!.content[0]).toMatchObject({ type: 'text', text: '[image omitted: image/svg+xml is not a supported image type]' })
    expect(translate(request('https://example.com/a.png')).body.messages[0]!.content[0]).toMatchObject({ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } })
  })

  test('parallel_tool_calls: false disables parallel tool use', () => {
    const body = translate({ ...load('codex-first-turn'), parallel_tool_calls: false }).body
    expect(body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true })
  })

  test('text.format json_schema becomes a forced schema tool when there are no other tools', () => {
    const { body, structuredOutputTool } = translate(load('output-schema-and-image'))
    expect(structuredOutputTool).toBe('json_output')
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'json_output' })
    expect(body.tools!.at(-1)!.input_schema).toMatchObject({ type: 'object', required: ['title'] })
  })

  test('cache breakpoints: last tool, last system block, last two user turns; none when disabled', () => {
    const { body } = translate(load('tool-roundtrip-history'))
    const marked = JSON.stringify(body).split('"cache_control"').length - 1
    expect(marked).toBe(4)
    expect(body.tools!.at(-1)!.cache_control).toEqual({ type: 'ephemeral' })
    expect(JSON.stringify(translate(load('tool-roundtrip-history'), { ...OPTIONS, promptCaching: false }).body)).not.toContain('cache_control')
  })
})

// From an audit that ran the real Codex CLI and Claude Code through the shim.
describe('what a real agent loop sent that Anthropic would refuse', () => {
  const answered = (effort: string): ResponsesRequest => ({
    model: 'x',
    reasoning: { effort } as never,
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Partial plan.' }], encrypted_content: null } as never,
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Some text first.' }] },
    ],
  })

  test('Codex retrying a stream cut mid-answer sends the finished items back: with thinking on, a user turn follows them (no prefill)', () => {
    const { body } = translate(answered('high'))
    expect(body.thinking).toBeDefined()
    expect(body.messages.at(-2)!.role).toBe('assistant')
    expect(body.messages.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'text', text: '(the previous answer was cut off; continue from where it stopped)' }] })
    expect(validateMessagesRequest(body as never, HEADERS)).toBeNull()
  })

  test('without thinking the history may end on the assistant: a prefill is what a client may mean', () => {
    const { body } = translate(answered('none'))
    expect(body.thinking).toBeUndefined()
    expect(body.messages.at(-1)!.role).toBe('assistant')
  })

  test('effort none means thinking off, even where the model lists no "none" (it turned thinking on at the weakest level)', () => {
    const { body } = translate({ model: 'x', reasoning: { effort: 'none' } as never, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] })
    expect(body.thinking).toBeUndefined()
  })
})

test('json_schema with tool_choice "none": the schema tool is forced (the client\'s tools may not be called), thinking off', () => {
  const request: ResponsesRequest = { model: 'claude', input: 'summarise', tool_choice: 'none', tools: [{ type: 'function', name: 'ls', parameters: { type: 'object', properties: {} } }], text: { format: { type: 'json_schema', name: 'summary', schema: { type: 'object', properties: { text: { type: 'string' } } } } } }
  const translated = translate(request)
  expect(translated.body.tool_choice).toEqual({ type: 'tool', name: 'json_output' })
  expect(translated.structuredOutputForced).toBe(true)
  expect(translated.body.thinking).toBeUndefined()
})
