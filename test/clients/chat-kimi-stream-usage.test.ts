/**
 * Moonshot's (Kimi's) streamed answers carry their usage on the last chunk's choice
 * (`choices[0].usage`), with cache hits as a top-level `cached_tokens` (AstrBotDevs/AstrBot#6614,
 * vercel/ai#12352, higress-group/higress#1568). The chat decoder used to read only the chunk's own
 * `usage`, so every Kimi answer reached Codex with `usage: null`: Codex counted 0 tokens for the
 * turn (its auto-compaction never saw the context grow) and the ledger had no counts.
 */
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeChatUpstream, stream, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const base = { id: 'chatcmpl-69bbcc292af1bf47c1d8a74b', object: 'chat.completion.chunk', created: 1773915177, model: 'kimi-k2-0905-preview', system_fingerprint: 'fpv0_e76aa377' }
const kimiChunks: Json[] = [
  { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] },
  { ...base, choices: [{ index: 0, delta: { content: ' there.' }, finish_reason: null }] },
  // As captured from api.moonshot.ai: the usage rides on the finishing choice.
  { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop', usage: { prompt_tokens: 1336, completion_tokens: 31, total_tokens: 1367, cached_tokens: 1280 } }] },
]
const upstream = startFakeChatUpstream(() => stream(kimiChunks))
const shim = startShim(settingsFrom([chatModel(upstream.url, { slug: 'kimi', model: 'kimi-k2-0905-preview' })]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); upstream.close() })

test('a Kimi stream reports its usage (and cache hits) on response.completed', async () => {
  const final = await client.responses.stream({ model: 'kimi', input: 'hi' }).finalResponse()
  expect(final.output_text).toBe('Hello there.')
  expect(final.usage?.input_tokens).toBe(1336)
  expect(final.usage?.output_tokens).toBe(31)
  expect(final.usage?.input_tokens_details?.cached_tokens).toBe(1280)
})

test('usage at the top level with Moonshot\'s top-level cached_tokens: the cache hits are reported', async () => {
  // The shape aallan/vera-bench#97 and earendil-works/pi#8119 document for kimi-k3 (no prompt_tokens_details).
  const upstream2 = startFakeChatUpstream(() => stream([
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: { prompt_tokens: 29567, completion_tokens: 12, total_tokens: 29579, cached_tokens: 29440 } },
  ]))
  const shim2 = startShim(settingsFrom([chatModel(upstream2.url, { slug: 'kimi', model: 'kimi-k3' })]))
  try {
    const client2 = new OpenAI({ baseURL: `${shim2.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const final = await client2.responses.stream({ model: 'kimi', input: 'hi' }).finalResponse()
    expect(final.usage?.input_tokens_details?.cached_tokens).toBe(29440)
  } finally {
    shim2.close()
    upstream2.close()
  }
})
