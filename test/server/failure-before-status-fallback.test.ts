import { afterAll, expect, test } from 'bun:test'
import { RequestRing } from '../../src/ui/request-ring.ts'
import { CircuitBreaker } from '../../src/routing/breaker.ts'
import { startFakeChatUpstream, stream, textReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

/**
 * A Chat or Messages client's translated answer that fails in the upstream's first read is answered
 * with the error's status. That must happen inside the route's attempt, as an error status would:
 * the model's fallbacks are tried and its breaker hears of it, and the request's record is the
 * fallback's answer, not the failed attempt's.
 */
let primaryScript: Json[] = []
const primary = startFakeChatUpstream(() => stream(primaryScript))
const backup = startFakeChatUpstream(() => stream(textReply('From backup.')))
const ring = new RequestRing()
const breaker = new CircuitBreaker({ threshold: 1 })
const shim = startShim(settingsFrom([chatModel(primary.url, { slug: 'primary', fallbacks: ['backup'] }), chatModel(backup.url, { slug: 'backup' })]), { ring, breaker })
afterAll(() => {
  shim.close()
  primary.close()
  backup.close()
})
const messages = (model: string) => fetch(`${shim.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }) })

test('a short rate limit as the first event is a 429, as such a status is (the client retries; no fallback)', async () => {
  primaryScript = [{ error: { message: 'Rate limit exceeded', code: 429 } }]
  const before = backup.requests.length
  const response = await messages('primary')
  expect(response.status).toBe(429)
  expect(backup.requests.length - before).toBe(0)
})

test('an upstream error as the first event: the fallback answers, whole; the record is its answer', async () => {
  primaryScript = [{ error: { message: 'upstream overloaded', code: 'server_error' } }]
  const before = backup.requests.length
  const response = await messages('primary')
  expect(response.status).toBe(200)
  expect(response.headers.get('x-codex-shim-routed-to')).toBe('backup')
  const text = await response.text()
  const said = [...text.matchAll(/"text_delta","text":"([^"]*)"/g)].map((match) => match[1]).join('')
  expect(said).toBe('From backup.')
  expect(text).toContain('message_stop')
  expect(backup.requests.length - before).toBe(1)
  await Bun.sleep(20)
  const row = ring.list().at(-1)!
  expect(row).toMatchObject({ status: 200, tokens: { input: 100, output: 20 } })
  // The breaker heard of the failure: at a threshold of 1, the model now cools down.
  expect(breaker.coolingDown().map((entry) => entry.slug)).toEqual(['primary'])
})
