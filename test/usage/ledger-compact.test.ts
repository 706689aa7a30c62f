/**
 * `POST /v1/responses/compact` sends the whole conversation upstream for a summary: often the
 * largest request of a task. It set no dialect on the request's summary, so the handler wrote no
 * ledger row for it (and no line on the control page): its tokens and cost were missing.
 */
import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { RequestRing } from '../../src/ui/request-ring.ts'
import { openLedger } from '../../src/usage/ledger.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { freshDir, storedRows } from './_support.ts'

const upstream = startFakeChatUpstream(() => stream(textReply('Goal: ship it. Done: tests. Left: docs.')))
const path = join(freshDir('compact'), 'usage.db')
const ledger = openLedger({ path, flushMs: 60_000 })
const ring = new RequestRing()
const shim = startShim(settingsFrom([{ slug: 'fast', model: 'm', provider: 'generic-chat-completion-api', base_url: upstream.url, price: { input: 1, output: 2 } }]), { ledger, ring })
afterAll(() => {
  shim.close()
  ledger.close()
  upstream.close()
})

test('a compaction through a translated route is one ledger row with the upstream\'s figures and cost', async () => {
  const response = await fetch(`${shim.url}/v1/responses/compact`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'ship it' }] }] }),
  })
  expect(response.status).toBe(200)
  await response.json()
  await ledger.flushed()
  const rows = storedRows(path)
  expect(rows).toHaveLength(1)
  // The fake's usage chunk: 100 prompt tokens, 20 completion tokens.
  expect(rows[0]).toMatchObject({ dialect: 'responses', slug: 'fast', provider: 'generic-chat-completion-api', served_model: 'fast', status: 200, input_tokens: 100, output_tokens: 20, usage_estimated: false })
  expect(rows[0]!.cost_usd).toBeCloseTo((100 * 1 + 20 * 2) / 1e6, 12)
  expect(ring.list().map((entry) => entry.slug)).toEqual(['fast'])
})
