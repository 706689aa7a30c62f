import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'

/**
 * previous_response_id across a fallback between an upstream that keeps no state (the shim stores
 * its answers) and one that keeps its own (openai-responses). A routing audit found both
 * directions broken: the stateful fallback got the shim's id, which it cannot know (400), and a
 * stateless fallback for a stateful primary turned the primary's outage into "not found".
 */
let chatDown = false
let responsesDown = false
const chat = startFakeChatUpstream(() => (chatDown ? { kind: 'error', status: 503, body: { error: { message: 'chat is down' } } } : stream(textReply('the secret word is PLUM'))))
let storedDown = false
const responses = startFakeResponsesUpstream(() => (responsesDown ? { kind: 'error', status: 503, body: { error: { message: 'responses is down', type: 'server_error' } } } : { kind: 'output', items: [{ text: 'the secret word is FIG' }] }), {
  apiKey: 'k-fallback-state-0123',
  storedFailure: () => (storedDown ? Response.json({ error: { message: 'responses is down', type: 'server_error' } }, { status: 503 }) : null),
})
afterAll(() => {
  chat.close()
  responses.close()
})
const handle = createHandler(
  testDeps(
    settingsFrom([
      { slug: 'stateless', model: 'c', provider: 'generic-chat-completion-api', base_url: chat.url, fallbacks: ['stateful'] },
      { slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: responses.url, api_key: 'k-fallback-state-0123', fallbacks: ['stateless'] },
    ]),
    { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
  ),
)

test('a turn the shim stored continues on a stateful fallback with its whole context, not an id it cannot know', async () => {
  const first = await handle(post('/v1/responses', { model: 'stateless', input: 'what is the secret word?' }))
  const { id } = (await first.json()) as { id: string }
  chatDown = true
  try {
    const second = await handle(post('/v1/responses', { model: 'stateless', previous_response_id: id, input: 'repeat it' }))
    expect(second.status).toBe(200)
    expect(second.headers.get('x-codex-shim-routed-to')).toBe('stateful')
    const sent = responses.requests.at(-1)!.body
    expect(sent.previous_response_id).toBeUndefined()
    expect(JSON.stringify(sent.input)).toContain('the secret word is PLUM')
    expect(JSON.stringify(sent.input)).toContain('repeat it')
  } finally {
    chatDown = false
  }
})

test('a stateful primary\'s outage: its stateless fallback continues the conversation, read from the primary\'s store', async () => {
  const first = await handle(post('/v1/responses', { model: 'stateful', input: 'what is the secret word?' }))
  const { id } = (await first.json()) as { id: string }
  responsesDown = true
  try {
    const second = await handle(post('/v1/responses', { model: 'stateful', previous_response_id: id, input: 'repeat it' }))
    expect(second.status).toBe(200)
    expect(second.headers.get('x-codex-shim-routed-to')).toBe('stateless')
    const sent = JSON.stringify(chat.requests.at(-1)!.body.messages)
    expect(sent).toContain('what is the secret word?')
    expect(sent).toContain('the secret word is FIG')
    expect(sent).toContain('repeat it')
  } finally {
    responsesDown = false
  }
})

test('a stateful primary\'s outage stays an outage when its store cannot be read either', async () => {
  const first = await handle(post('/v1/responses', { model: 'stateful', input: 'what is the secret word?' }))
  const { id } = (await first.json()) as { id: string }
  responsesDown = true
  storedDown = true
  try {
    const second = await handle(post('/v1/responses', { model: 'stateful', previous_response_id: id, input: 'repeat it' }))
    // The primary's 503 (which clients retry), not the fallback's "cannot continue" (which ends the thread).
    expect(second.status).toBe(503)
    expect(await second.text()).toContain('responses is down')
  } finally {
    responsesDown = false
    storedDown = false
  }
})
