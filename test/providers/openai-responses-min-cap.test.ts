import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * OpenAI's Responses API (and Azure's) refuses max_output_tokens below 16; Chat Completions takes
 * max_tokens: 1 (a yes/no classifier, a health probe). A Chat client's small cap on an
 * openai-responses model went as max_output_tokens: 1 and came back as a 400 about a field it never sent.
 */
const upstream = startFakeResponsesUpstream((body) =>
  typeof body.max_output_tokens === 'number' && body.max_output_tokens < 16
    ? { kind: 'error', status: 400, body: { error: { message: `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${body.max_output_tokens} instead.`, type: 'invalid_request_error', param: 'max_output_tokens', code: 'integer_below_min_value' } } }
    : { kind: 'output', items: [{ text: 'yes' }] },
)
const shim = startShim(settingsFrom([{ slug: 'gpt', model: 'gpt-5', provider: 'openai-responses', base_url: upstream.url }]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  upstream.close()
})

test('max_tokens: 1 goes as the upstream\'s minimum, 16; a larger cap as it was', async () => {
  const answer = await openai.chat.completions.create({ model: 'gpt', max_tokens: 1, messages: [{ role: 'user', content: 'Is the sky blue? yes/no' }] })
  expect(answer.choices[0]!.message.content).toBe('yes')
  expect(upstream.requests.at(-1)!.body.max_output_tokens).toBe(16)
  await openai.chat.completions.create({ model: 'gpt', max_tokens: 300, messages: [{ role: 'user', content: 'hi' }] })
  expect(upstream.requests.at(-1)!.body.max_output_tokens).toBe(300)
})
