import { afterAll, expect, test } from 'bun:test'
import { messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startShim } from '../support/shim.ts'
import { parseSettings } from '../../src/settings/load.ts'

/**
 * An alias's pinned `max_output_tokens` on the Messages fast path (a Messages client on an
 * Anthropic model): the pin set `max_tokens`, then the pinned effort's thinking budget raised it
 * past the budget (4,000 became 24,096 for "high"), and a pinned cap under the client's own
 * thinking budget was a 400 from Anthropic (`max_tokens` must exceed `budget_tokens`). The cap
 * holds, counting thinking and answer together as on translated routes: thinking gets at most
 * half of it, and none when half is below Anthropic's minimum budget (1,024).
 */
const anthropic = startFakeAnthropicUpstream(() => ({ kind: 'events', events: messageEvents([{ text: 'ok' }]) }))
const shim = startShim(
  parseSettings(
    JSON.stringify({
      models: [{ slug: 'claude', model: 'claude-up', provider: 'anthropic', base_url: anthropic.url, api_key: 'k-anthropic' }],
      aliases: {
        'claude-capped': { slug: 'claude', reasoning_effort: 'high', max_output_tokens: 4000 },
        'claude-short': { slug: 'claude', max_output_tokens: 8000 },
        'claude-tiny': { slug: 'claude', max_output_tokens: 1500 },
      },
    }),
    '/test/models.json',
  ),
)
afterAll(() => {
  shim.close()
  anthropic.close()
})

async function send(model: string, body: Record<string, unknown>) {
  const response = await fetch(`${shim.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...body }),
  })
  const text = await response.text()
  return { status: response.status, text, sent: anthropic.requests.at(-1)!.body }
}

test('an alias pinning effort and a cap keeps the cap on the Messages fast path; thinking takes at most half', async () => {
  const { status, sent } = await send('claude-capped', { max_tokens: 32000 })
  expect(status).toBe(200)
  expect(sent.max_tokens).toBe(4000)
  expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 })
})

test('a pinned cap below the client\'s own thinking budget shrinks the budget instead of a 400 from Anthropic', async () => {
  const { status, sent, text } = await send('claude-short', { max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 31999 } })
  expect(text).not.toContain('must be greater')
  expect(status).toBe(200)
  expect(sent.max_tokens).toBe(8000)
  expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 4000 })
})

test('a pinned cap too small for any thinking turns it off', async () => {
  const { status, sent } = await send('claude-tiny', { max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 16000 } })
  expect(status).toBe(200)
  expect(sent.max_tokens).toBe(1500)
  expect(sent.thinking).toBeUndefined()
})
