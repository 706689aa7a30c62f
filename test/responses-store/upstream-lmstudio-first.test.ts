import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

// LM Studio (an openai-responses upstream the README lists) serves only POST /v1/responses and answers
// any other endpoint with HTTP 200 {"error":"Unexpected endpoint or method. (GET …)"}
// (lmstudio-ai/lmstudio-bug-tracker#618, #1323, #2085: "Returning 200 anyway").
const lmStudio = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: (req) => Response.json({ error: `Unexpected endpoint or method. (${req.method} ${new URL(req.url).pathname})` }) })
const openai = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: 'the secret word is FIG' }] }), { apiKey: 'sk-openai-0123456789' })
const shim = startShim(settingsFrom([
  { slug: 'local', model: 'qwen', provider: 'openai-responses', base_url: `http://127.0.0.1:${lmStudio.port}/v1` },
  { slug: 'gpt', model: 'r', provider: 'openai-responses', base_url: openai.url, api_key: 'sk-openai-0123456789' },
]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); lmStudio.stop(true); openai.close() })

test('retrieve finds a response OpenAI stored although an LM Studio entry comes first', async () => {
  const created = await client.responses.create({ model: 'gpt', input: 'what is the secret word?' })
  const retrieved = await client.responses.retrieve(created.id)
  expect(retrieved.id).toBe(created.id)
})

test('delete reaches the upstream that holds the response', async () => {
  const created = await client.responses.create({ model: 'gpt', input: 'what is the secret word?' })
  const answer = await fetch(`${shim.url}/v1/responses/${created.id}`, { method: 'DELETE' })
  console.log('DELETE ->', answer.status, await answer.text())
  expect(openai.storedCalls).toContain(`DELETE /v1/responses/${created.id}`)
})
