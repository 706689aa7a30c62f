/**
 * Messages → openai-responses: the effort a thinking budget maps to (`max` for a large budget,
 * `minimal` for a small one, `none` for thinking disabled) is clamped to the entry's
 * `reasoning_efforts`, as the chat and Anthropic providers do; a model that takes
 * low/medium/high refuses the others.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, expect, test } from 'bun:test'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

const up = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: 'ok' }] }), { apiKey: 'sk-up' })
const shim = startShim(settingsFrom([{ slug: 'resp', model: 'gpt-test', provider: 'openai-responses', base_url: up.url, api_key: 'sk-up', reasoning_efforts: ['low', 'medium', 'high'] }]))
const client = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 })
afterAll(() => { shim.close(); up.close() })

test.each([
  ['budget 50000', { type: 'enabled', budget_tokens: 50_000 }],
  ['budget 1024', { type: 'enabled', budget_tokens: 1024 }],
])('thinking %s → an effort the entry lists', async (_, thinking) => {
  await client.messages.stream({ model: 'resp', max_tokens: 64_000, thinking: thinking as Anthropic.ThinkingConfigParam, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
  expect(['low', 'medium', 'high']).toContain(up.requests.at(-1)!.body.reasoning.effort)
})

test('thinking disabled on a model without `none`: no effort sent (as the chat provider does)', async () => {
  await client.messages.create({ model: 'resp', max_tokens: 1000, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'hi' }] })
  expect(up.requests.at(-1)!.body.reasoning?.effort).not.toBe('none')
})

