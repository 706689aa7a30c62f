/** An answer that failed before any byte is answered with its status; its error type follows that status, as for the shim's own errors. */
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { events, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

// A 200 whose first event is a rate limit (OpenRouter and Anthropic-compatible gateways send these).
const anth = startFakeAnthropicUpstream(() => events([
  { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', model: 'c', content: [], usage: { input_tokens: 1, output_tokens: 0 } } },
  { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } },
]))
const shim = startShim(settingsFrom([{ slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anth.url, api_key: 'k' }]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); anth.close() })

test('a rate limit before the first token is a 429 whose error type is a rate-limit type, as the shim\'s own 429s are', async () => {
  const error = await openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
  expect(error).toBeInstanceOf(OpenAI.RateLimitError)
  expect(error.code).toBe('rate_limit_exceeded')
  expect(error.type).toBe('rate_limit_error') 
})
