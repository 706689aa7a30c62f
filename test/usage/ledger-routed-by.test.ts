import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { startFakeChatUpstream, stream, textReply, type ChatReply } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { freshDir, storedRows } from './_support.ts'

/**
 * Who chose the model, in the ledger's routed_by: a fallback's row said "router" with no router
 * configured whenever the fallback did not succeed (a routing audit). The route tried last says it.
 */
let primary: () => ChatReply = () => stream(textReply('primary answers'))
let backup: () => ChatReply = () => stream(textReply('backup answers'))
const primaryUpstream = startFakeChatUpstream(() => primary())
const backupUpstream = startFakeChatUpstream(() => backup())
const path = join(freshDir('routed-by'), 'usage.db')
const ledger = openLedger({ path, flushMs: 60_000 })
const shim = startShim(
  settingsFrom([
    { slug: 'c', model: 'c-model', provider: 'generic-chat-completion-api', base_url: primaryUpstream.url, fallbacks: ['d'] },
    { slug: 'big-context', model: 'c-model', provider: 'generic-chat-completion-api', base_url: primaryUpstream.url, fallbacks: ['d'], max_context_limit: 8192 },
    { slug: 'd', model: 'd-model', provider: 'generic-chat-completion-api', base_url: backupUpstream.url, max_context_limit: 200000 },
  ]),
  { ledger, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
)
afterAll(() => {
  shim.close()
  ledger.close()
  primaryUpstream.close()
  backupUpstream.close()
})

async function rowFor(expectedStatus: number) {
  const response = await fetch(`${shim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'c', messages: [{ role: 'user', content: 'hi' }] }) })
  expect(response.status).toBe(expectedStatus)
  await response.text()
  await ledger.flushed()
  const row = storedRows(path).at(-1)!
  return { slug: row.slug, served: row.served_model, routedBy: row.routed_by, status: row.status }
}

test('served by the model asked for: no routed_by', async () => {
  expect(await rowFor(200)).toEqual({ slug: 'c', served: 'c', routedBy: null, status: 200 })
})

test('served by its fallback: "fallback"', async () => {
  primary = () => ({ kind: 'error', status: 503, body: { error: { message: 'overloaded', type: 'server_error' } } })
  expect(await rowFor(200)).toEqual({ slug: 'c', served: 'd', routedBy: 'fallback', status: 200 })
})

test('the fallback failed too: still "fallback", never "router"', async () => {
  backup = () => ({ kind: 'error', status: 400, body: { error: { message: 'bad request', type: 'invalid_request_error' } } })
  expect(await rowFor(400)).toEqual({ slug: 'c', served: 'd', routedBy: 'fallback', status: 400 })
})

test('a fast path\'s 400 before a fallback served leaves no error code on the served row (a review found it kept)', async () => {
  primary = () => ({ kind: 'error', status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', code: 'context_length_exceeded' } } })
  backup = () => stream(textReply('backup answers'))
  const response = await fetch(`${shim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'big-context', messages: [{ role: 'user', content: 'hi' }] }) })
  expect(response.status).toBe(200)
  await response.text()
  await ledger.flushed()
  const row = storedRows(path).at(-1)!
  expect({ status: row.status, error: row.error_code, served: row.served_model, routedBy: row.routed_by }).toEqual({ status: 200, error: null, served: 'd', routedBy: 'fallback' })
})

test('a plain 400 with fallbacks configured still reaches the client as the upstream wrote it', async () => {
  const refusal = { error: { message: 'Invalid value for temperature: 3', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } }
  primary = () => ({ kind: 'error', status: 400, body: refusal })
  const response = await fetch(`${shim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'c', messages: [{ role: 'user', content: 'hi' }] }) })
  expect(response.status).toBe(400)
  expect(await response.json()).toEqual(refusal)
})

