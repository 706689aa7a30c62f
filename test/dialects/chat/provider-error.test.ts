import { describe, expect, test } from 'bun:test'
import { counterIds } from '../../../src/canonical/builder.ts'
import { flattenTools } from '../../../src/canonical/flatten-tools.ts'
import { isContextLengthError, readErrorBody } from '../../../src/canonical/upstream-error.ts'
import { upstreamHttpError } from '../../../src/dialects/chat/errors.ts'
import { createChatDecoder } from '../../../src/dialects/chat/stream.ts'

// OpenRouter's error object: `code` is the HTTP status as a number, and a provider's own reason is in
// `metadata.raw`, the message being only "Provider returned error" (openrouter.ai/docs/api/errors;
// a live one: open-webui/computer#293; one in a 200 body: BerriAI/litellm#8448).
const providerRateLimit = { code: 429, message: 'Provider returned error', metadata: { raw: 'z-ai/glm-4.6:free is temporarily rate-limited upstream. Please retry shortly.', provider_name: 'Chutes' } }

function failure(chunks: object[]): { code: string; message: string } {
  const events: Record<string, any>[] = []
  const decoder = createChatDecoder((event) => events.push(event as never), { model: 'm', tools: flattenTools(undefined), ids: counterIds() })
  for (const chunk of chunks) decoder.push({ data: JSON.stringify(chunk) })
  decoder.end()
  const terminal = events.at(-1)!
  expect(terminal.type).toBe('response.failed')
  return terminal.response.error
}

describe('OpenRouter passing on a provider\'s error', () => {
  test('in a 200 stream: a rate limit (so a first-event error is a 429, not a 502), with the provider\'s reason', () => {
    const error = failure([{ id: 'gen-1', object: 'chat.completion.chunk', error: providerRateLimit, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] }])
    expect(error.code).toBe('rate_limit_exceeded')
    expect(error.message).toContain('temporarily rate-limited upstream')
  })

  test('a 429 code whose words say nothing of a rate limit (Cloudflare\'s "error code: 1015", litellm#8448) is still one', () => {
    const error = failure([{ error: { code: 429, message: 'Provider returned error', metadata: { raw: 'error code: 1015', provider_name: 'Kluster' } } }])
    expect(error.code).toBe('rate_limit_exceeded')
    expect(error.message).toContain('Kluster')
  })

  test('as an HTTP error: the provider\'s reason is in the message', () => {
    const error = upstreamHttpError(429, JSON.stringify({ error: providerRateLimit }), new Headers(), 'openrouter.ai')
    expect(error.message).toContain('temporarily rate-limited upstream')
    expect(error.message).toContain('Chutes')
  })

  test('a context-length reason in metadata.raw is seen as one', () => {
    const body = { error: { code: 400, message: 'Provider returned error', metadata: { raw: '{"error":{"message":"This model\'s maximum context length is 131072 tokens."}}' } } }
    expect(isContextLengthError(readErrorBody(JSON.stringify(body)))).toBe(true)
  })

  test('an error with no metadata reads as before', () => {
    expect(readErrorBody(JSON.stringify({ error: { message: 'Bad key', code: 401 } }))).toEqual({ message: 'Bad key', code: '401', type: undefined })
  })
})

describe('a refusal of the request itself inside a stream', () => {
  // OpenRouter's moderation refusal (openrouter.ai/docs/api/errors: 403, "flagged"), and an OpenAI-style invalid request.
  test.each([
    [{ code: 403, message: 'Input flagged by moderation', metadata: { reasons: ['violence'], flagged_input: '…' } }, 'invalid_prompt'],
    [{ code: 400, message: 'Provider returned error', metadata: { raw: 'tools are not supported by this model', provider_name: 'Fireworks' } }, 'invalid_prompt'],
    [{ message: "Unsupported parameter: 'top_k'", type: 'invalid_request_error' }, 'invalid_prompt'],
    [{ code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/credits' }, 'insufficient_quota'],
    // Not refusals: a timeout and a server error are still worth another try.
    [{ code: 408, message: 'Request timed out' }, 'server_error'],
    [{ code: 502, message: 'Provider returned error' }, 'server_error'],
  ])('%j is %s: Codex stops on it at once (invalid_prompt, insufficient_quota) rather than retrying', (error, code) => {
    expect(failure([{ error }]).code).toBe(code)
  })
})
