import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { get, post, settingsFrom, testDeps } from '../support/shim.ts'

// Upstream A validates ids before looking them up, as OpenAI does for response ids
// ("Invalid 'previous_response_id': … Expected an ID that contains letters, numbers, underscores, or dashes"):
// an id another server made (LiteLLM's base64 ids, say) gets a 400, not a 404.
const a = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: () => Response.json({ error: { message: "Invalid 'response_id': expected an ID that begins with 'resp'.", type: 'invalid_request_error', param: 'response_id', code: 'invalid_value' } }, { status: 400 }) })
const b = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: 'the secret word is FIG' }] }), { apiKey: 'sk-b-0123456789' })
const chat = startFakeChatUpstream(() => stream(textReply('ok')))
afterAll(() => { a.stop(true); b.close(); chat.close() })
const handle = createHandler(testDeps(settingsFrom([
  { slug: 'openai', model: 'r', provider: 'openai-responses', base_url: `http://127.0.0.1:${a.port}/v1`, api_key: 'sk-a-0123456789' },
  { slug: 'proxy', model: 'r', provider: 'openai-responses', base_url: b.url, api_key: 'sk-b-0123456789' },
  { slug: 'stateless', model: 'c', provider: 'generic-chat-completion-api', base_url: chat.url },
]), { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } }))

test('a response the second upstream holds is retrievable when the first answers 400 for ids it does not know', async () => {
  const created = (await (await handle(post('/v1/responses', { model: 'proxy', input: 'what is the secret word?' }))).json()) as { id: string }
  // Continuing it on a stateless model asks past A's 400 and finds it on B ...
  const continued = await handle(post('/v1/responses', { model: 'stateless', previous_response_id: created.id, input: 'again' }))
  expect(continued.status).toBe(200)
  // ... but retrieving it stops at A's 400: B is never asked.
  const retrieved = await handle(get(`/v1/responses/${created.id}`))
  expect(retrieved.status).toBe(200)
  expect(((await retrieved.json()) as { id: string }).id).toBe(created.id)
})
