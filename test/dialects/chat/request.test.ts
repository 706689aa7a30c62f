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
