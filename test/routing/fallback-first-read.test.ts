import { afterAll, expect, test } from 'bun:test'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * A non-streamed request whose model answers 200 and then fails in its first read (Anthropic's
 * overload as the stream's first event; OpenRouter sends a provider's 429 the same way). Nothing
 * of the answer exists yet and nothing has reached the client, as with an error status, yet the
 * fallbacks were never tried: the answer was read only after the chain had returned, and the
 * failure reached the client as a 502. A streamed Chat or Messages request fell back already.
 */
let overloaded = 0
const claude = startFakeAnthropicUpstream(() => (overloaded-- > 0 ? events([{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]) : events(messageEvents([{ text: 'from claude' }]))))
const spare = startFakeChatUpstream(() => stream(textReply('from the spare')))
const shim = startShim(
  settingsFrom([
    { slug: 'claude', model: 'claude-up', provider: 'anthropic', base_url: claude.url, api_key: 'k-anthropic', fallbacks: ['spare'] },
    { slug: 'spare', model: 'spare-up', provider: 'generic-chat-completion-api', base_url: spare.url },
  ]),
  { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
)
afterAll(() => {
  shim.close()
  claude.close()
  spare.close()
})

const BODIES = {
  '/v1/chat/completions': { messages: [{ role: 'user', content: 'hi' }] },
  '/v1/responses': { input: 'hi', store: false },
}

test.each(Object.keys(BODIES) as (keyof typeof BODIES)[])('%s, not streamed: an overload in the first read goes to the fallback', async (path) => {
  overloaded = 1
  const response = await fetch(`${shim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude', stream: false, ...BODIES[path] }) })
  const text = await response.text()
  expect(response.status).toBe(200)
  expect(response.headers.get('x-codex-shim-routed-to')).toBe('spare')
  expect(text).toContain('from the spare')
})

test('a failure after the answer began is not replayed elsewhere', async () => {
  overloaded = 0
  const response = await fetch(`${shim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude', stream: false, ...BODIES['/v1/chat/completions'] }) })
  expect(response.status).toBe(200)
  expect(response.headers.get('x-codex-shim-routed-to')).toBe('claude')
  expect(await response.text()).toContain('from claude')
})
