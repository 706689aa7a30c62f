/** A Chat client's max_completion_tokens counts reasoning too, as OpenAI counts it: on Claude with thinking on, it was raised to make room for the thinking budget (50 became 8096). */
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

const anth = startFakeAnthropicUpstream(() => events(messageEvents([{ text: 'yes' }])))
// A Claude entry whose default effort turns thinking on (as README's examples configure it).
const shim = startShim(settingsFrom([{ slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anth.url, api_key: 'k', reasoning_effort: 'low' }]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); anth.close() })

test('max_completion_tokens: 50 (reasoning included, as OpenAI counts it) is a cap the upstream gets', async () => {
  await openai.chat.completions.create({ model: 'claude', max_completion_tokens: 50, messages: [{ role: 'user', content: 'yes or no?' }] })
  const body = anth.requests.at(-1)!.body
  expect(body.max_tokens).toBeLessThanOrEqual(50) 
})
