import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'

const seen: string[] = []
const up = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch(req) { const url = new URL(req.url); seen.push(`${req.method} ${url.pathname} auth=${req.headers.has('authorization')}`); return Response.json({ error: { message: 'no' } }, { status: 404 }) } })
const chat = startFakeChatUpstream(() => stream(textReply('ok')))
afterAll(() => { up.stop(true); chat.close() })
const handle = createHandler(testDeps(settingsFrom([
  { slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: `http://127.0.0.1:${up.port}/v1`, api_key: 'sk-review-0123456789' },
  { slug: 'stateless', model: 'c', provider: 'generic-chat-completion-api', base_url: chat.url },
])))

test('a previous_response_id of ".." or "." reads only /responses/{id} upstream', async () => {
  for (const id of ['..', '.']) await handle(post('/v1/responses', { model: 'stateless', previous_response_id: id, input: 'hi' }))
  console.log(seen)
  // Before the fix: GET /v1/ and GET /v1/responses/ were sent, with our key.
  for (const call of seen) expect(call).toMatch(/^GET \/v1\/responses\/[^/]+/)
})
