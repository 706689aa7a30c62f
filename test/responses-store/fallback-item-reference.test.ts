import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'

/**
 * `item_reference` (the Vercel AI SDK's way to send earlier items with `store` on) to items the
 * shim stored, on a model that keeps its own state (openai-responses): the reference went to that
 * upstream as sent, and it cannot know an item the shim made (OpenAI: "Item with id … not found"),
 * so a conversation begun on a chat model broke on a fallback or a switch to an OpenAI model. The
 * shim's items are sent whole; references it does not hold are left for the upstream.
 */
let chatDown = false
const chat = startFakeChatUpstream(() => (chatDown ? { kind: 'error', status: 503, body: { error: { message: 'chat is down' } } } : stream(textReply('the secret word is PLUM'))))
const responses = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: 'PLUM it is' }] }), { apiKey: 'k-item-ref-0123' })
afterAll(() => {
  chat.close()
  responses.close()
})
const handle = createHandler(
  testDeps(
    settingsFrom([
      { slug: 'stateless', model: 'c', provider: 'generic-chat-completion-api', base_url: chat.url, fallbacks: ['stateful'] },
      { slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: responses.url, api_key: 'k-item-ref-0123' },
    ]),
    { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
  ),
)

async function firstTurn() {
  const first = await handle(post('/v1/responses', { model: 'stateless', input: [{ role: 'user', content: 'what is the secret word?' }] }))
  expect(first.status).toBe(200)
  const answer = (await first.json()) as { output: { id: string; type: string }[] }
  const message = answer.output.find((item) => item.type === 'message')!
  return message.id
}

test('a stateful fallback gets the shim\'s referenced items whole, not references it cannot resolve', async () => {
  const itemId = await firstTurn()
  chatDown = true
  try {
    const input = [{ role: 'user', content: 'what is the secret word?' }, { type: 'item_reference', id: itemId }, { role: 'user', content: 'repeat it' }]
    const second = await handle(post('/v1/responses', { model: 'stateless', input }))
    expect(second.status).toBe(200)
    expect(second.headers.get('x-codex-shim-routed-to')).toBe('stateful')
    const sent = responses.requests.at(-1)!.body
    expect(sent.input.some((item: { type?: string }) => item.type === 'item_reference')).toBe(false)
    expect(JSON.stringify(sent.input)).toContain('the secret word is PLUM')
  } finally {
    chatDown = false
  }
})

test('on a switch of model too; a reference the shim does not hold is left for the upstream', async () => {
  const itemId = await firstTurn()
  const input = [{ type: 'item_reference', id: itemId }, { type: 'item_reference', id: 'msg_upstream_own' }, { role: 'user', content: 'repeat it' }]
  const second = await handle(post('/v1/responses', { model: 'stateful', input }))
  expect(second.status).toBe(200)
  const sent = responses.requests.at(-1)!.body
  expect(sent.input[0]).toMatchObject({ type: 'message', role: 'assistant' })
  expect(JSON.stringify(sent.input[0])).toContain('the secret word is PLUM')
  expect(sent.input[1]).toEqual({ type: 'item_reference', id: 'msg_upstream_own' })
})
