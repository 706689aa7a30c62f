import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'

// resp_2 continues resp_1. The upstream lists the whole chain under resp_2's input_items
// (one of the two behaviours README promises to handle), but gives the items no ids.
const msg = (role: string, text: string) => ({ type: 'message', role, content: [{ type: role === 'user' ? 'input_text' : 'output_text', text }] })
const up = Bun.serve({
  hostname: '127.0.0.1', port: 0, idleTimeout: 0,
  fetch(req) {
    const url = new URL(req.url)
    const id = url.pathname.split('/')[3]!
    if (url.pathname.endsWith('/input_items')) {
      const data = id === 'resp_1' ? [msg('user', 'Q1')] : [msg('user', 'Q1'), msg('assistant', 'A1'), msg('user', 'Q2')]
      return Response.json({ object: 'list', data, first_id: null, last_id: null, has_more: false })
    }
    return Response.json({ id, object: 'response', status: 'completed', previous_response_id: id === 'resp_2' ? 'resp_1' : null, output: [msg('assistant', id === 'resp_1' ? 'A1' : 'A2')] })
  },
})
const chat = startFakeChatUpstream(() => stream(textReply('ok')))
afterAll(() => { up.stop(true); chat.close() })
const handle = createHandler(testDeps(settingsFrom([
  { slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: `http://127.0.0.1:${up.port}/v1`, api_key: 'sk-review-0123456789' },
  { slug: 'stateless', model: 'c', provider: 'generic-chat-completion-api', base_url: chat.url },
])))

test('the context reaches the stateless model once', async () => {
  const response = await handle(post('/v1/responses', { model: 'stateless', previous_response_id: 'resp_2', input: 'Q3' }))
  expect(response.status).toBe(200)
  const sent = (chat.requests.at(-1)!.body.messages as { role: string; content: string }[]).map((m) => `${m.role}: ${m.content}`)
  expect(sent).toEqual(['user: Q1', 'assistant: A1', 'user: Q2', 'assistant: A2', 'user: Q3'])
})
