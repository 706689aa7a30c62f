import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { flattenTools } from '../../../src/canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../../../src/canonical/types.ts'
import { parseResponsesRequest } from '../../../src/dialects/responses/api.ts'
import { fromCanonical, type ChatRequestOptions } from '../../../src/dialects/chat/request.ts'
import { validateChatRequest } from '../../fakes/chat-upstream.ts'
import { expectGolden } from '../../support/golden.ts'

const fixtures = join(import.meta.dir, '../../fixtures/responses')
const golden = join(import.meta.dir, '../../golden/responses-to-chat')
const names = readdirSync(fixtures).filter((name) => name.endsWith('.request.json')).map((name) => name.replace('.request.json', ''))

export const GENERIC: ChatRequestOptions = {
  model: 'deepseek-chat',
  maxTokensField: 'max_tokens',
  reasoningEfforts: ['low', 'medium', 'high'],
  replayReasoning: true,
  supportsPromptCacheKey: false,
  supportsVerbosity: false,
  supportsServiceTier: false,
  imageSupport: true,
}

const OPENAI: ChatRequestOptions = { ...GENERIC, model: 'gpt-5.5', maxTokensField: 'max_completion_tokens', replayReasoning: false, supportsPromptCacheKey: true, supportsVerbosity: true, supportsServiceTier: true }

function load(name: string): ResponsesRequest {
  return parseResponsesRequest(JSON.parse(readFileSync(join(fixtures, `${name}.request.json`), 'utf8')))
}

describe('responses → chat request', () => {
  test.each(names)('%s (generic upstream)', (name) => {
    const request = load(name)
    const body = fromCanonical(request, flattenTools(request.tools), GENERIC)
    expect(validateChatRequest(body)).toBeNull() // what the real API would accept
    expectGolden(join(golden, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`)
  })

  test.each(names)('%s (OpenAI upstream) is accepted by the API validator', (name) => {
    const request = load(name)
    expect(validateChatRequest(fromCanonical(request, flattenTools(request.tools), OPENAI))).toBeNull()
  })

  test('OpenAI: prompt_cache_key and max_completion_tokens kept; reasoning never replayed', () => {
    const request = load('tool-roundtrip-history')
    const body = fromCanonical({ ...request, max_output_tokens: 99 }, flattenTools(request.tools), OPENAI)
    expect(body.prompt_cache_key).toBe('t1')
    expect(body.max_completion_tokens).toBe(99)
    expect(body.max_tokens).toBeUndefined()
    expect(JSON.stringify(body.messages)).not.toContain('reasoning_content')
  })

  test('efforts are clamped to what the model accepts; none sent when it has no reasoning', () => {
    const request = load('codex-first-turn') // effort xhigh
    expect(fromCanonical(request, flattenTools(request.tools), GENERIC).reasoning_effort).toBe('high')
    expect(fromCanonical({ ...request, reasoning: { effort: 'minimal' } }, flattenTools(request.tools), GENERIC).reasoning_effort).toBe('low')
    expect(fromCanonical(request, flattenTools(request.tools), { ...GENERIC, reasoningEfforts: undefined }).reasoning_effort).toBeUndefined()
  })

  test('images become a text placeholder for models without image input', () => {
    const request = load('output-schema-and-image')
    const body = fromCanonical(request, flattenTools(request.tools), { ...GENERIC, imageSupport: false })
    expect(JSON.stringify(body.messages)).toContain('image omitted')
    expect(JSON.stringify(body.messages)).not.toContain('image_url')
  })

  test('tools: [] (local compaction) sends no tools, tool_choice or parallel_tool_calls', () => {
    const request = load('local-compaction-request')
    const body = fromCanonical(request, flattenTools(request.tools), GENERIC)
    expect(body.tools).toBeUndefined()
    expect(body.tool_choice).toBeUndefined()
    expect(body.parallel_tool_calls).toBeUndefined()
  })
})

describe('effort none', () => {
  const ask = { model: 'x', reasoning: { effort: 'none' } as never, input: [{ type: 'message' as const, role: 'user' as const, content: [{ type: 'input_text' as const, text: 'hi' }] }] } as ResponsesRequest
  test('a model without "none" gets no reasoning_effort (it got "low": reasoning on)', () => {
    expect(fromCanonical(ask, flattenTools(undefined), GENERIC).reasoning_effort).toBeUndefined()
  })
  test('a model that lists "none" gets it', () => {
    expect(fromCanonical(ask, flattenTools(undefined), { ...GENERIC, reasoningEfforts: ['none', 'low', 'high'] }).reasoning_effort).toBe('none')
  })
})

describe('structured output as JSON mode (structuredOutput: json_object, for upstreams that refuse json_schema)', () => {
  const JSON_MODE: ChatRequestOptions = { ...GENERIC, structuredOutput: 'json_object' }
  const format = { type: 'json_schema' as const, name: 'answer', description: 'the result', strict: true, schema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } }

  test('json_object goes up, and the schema is stated in the leading system message', () => {
    const body = fromCanonical({ model: 'm', instructions: 'Be brief.', input: 'six times seven', text: { format } }, flattenTools(undefined), JSON_MODE)
    expect(body.response_format).toEqual({ type: 'json_object' })
    expect(body.messages).toHaveLength(2)
    expect(body.messages[0]).toEqual({ role: 'system', content: `Be brief.\n\nAnswer with one JSON object only, no other text and no code fences. It must match this JSON Schema, named "answer" (the result):\n${JSON.stringify(format.schema)}` })
    expect(validateChatRequest(body)).toBeNull()
  })

  test('with no system message one is put first', () => {
    const body = fromCanonical({ model: 'm', input: 'six times seven', text: { format } }, flattenTools(undefined), JSON_MODE)
    expect(body.messages.map((message) => message.role)).toEqual(['system', 'user'])
  })

  test('json_object requests and the default option are untouched', () => {
    expect(fromCanonical({ model: 'm', input: 'x', text: { format: { type: 'json_object' } } }, flattenTools(undefined), JSON_MODE).messages).toHaveLength(1)
    expect(fromCanonical({ model: 'm', input: 'x', text: { format } }, flattenTools(undefined), GENERIC).response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'answer' } })
  })
})
