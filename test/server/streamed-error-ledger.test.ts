import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { startFakeChatUpstream } from '../fakes/chat-upstream.ts'
import { memoryLog, startShim, settingsFrom } from '../support/shim.ts'
import { freshDir, storedRows } from '../usage/_support.ts'

/**
 * A streamed Responses request on a translated route whose upstream refuses a prompt too long:
 * the client rightly gets a 200 carrying `response.failed` (Codex reads context overflow only
 * from that event), but a routing audit found the ledger recording it as a success, with token
 * counts estimated from the bytes and a cost. The row must carry the error and no usage.
 */
const overflow = { error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', code: 'context_length_exceeded' } }
const upstream = startFakeChatUpstream(() => ({ kind: 'error', status: 400, body: overflow }))
const path = join(freshDir('streamed-error'), 'usage.db')
const ledger = openLedger({ path, flushMs: 60_000 })
const { logger, lines } = memoryLog()
const price = { input: 1, output: 2 }
const shim = startShim(
  settingsFrom([
    { slug: 'c', model: 'c-model', provider: 'generic-chat-completion-api', base_url: upstream.url, price },
    // A fallback with no larger window: the chain does not take it, and the same stream must result.
    { slug: 'chained', model: 'c-model', provider: 'generic-chat-completion-api', base_url: upstream.url, price, max_context_limit: 8192, fallbacks: ['small'] },
    { slug: 'small', model: 's-model', provider: 'generic-chat-completion-api', base_url: upstream.url, price, max_context_limit: 4096 },
  ]),
  { ledger, log: logger, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
)
afterAll(() => {
  shim.close()
  ledger.close()
  upstream.close()
})

async function ask(model: string, stream: boolean) {
  const response = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, stream, input: 'x'.repeat(4000) }) })
  const text = await response.text()
  await ledger.flushed()
  const row = storedRows(path).at(-1)!
  return {
    status: response.status,
    failed: text.includes('event: response.failed'),
    row: { status: row.status, error: row.error_code, input: row.input_tokens, output: row.output_tokens, estimated: row.usage_estimated, cost: row.cost_usd, ttft: row.ttft_ms },
  }
}

describe('a context overflow reported as a stream is a failure in the ledger', () => {
  test.each(['c', 'chained'])('model %s: 200 with response.failed; the row has the error code and no usage', async (model) => {
    expect(await ask(model, true)).toEqual({
      status: 200,
      failed: true,
      // A priced row with no counts costs 0, as a failure before the stream does (below).
      // No token went out: no time to one.
      row: { status: 200, error: 'context_length_exceeded', input: null, output: null, estimated: false, cost: 0, ttft: null },
    })
    expect(lines.at(-1)).toContain('outcome=context_length_exceeded')
  })

  test('the same overflow not streamed: a 400, recorded alike', async () => {
    expect(await ask('c', false)).toEqual({
      status: 400,
      failed: false,
      row: { status: 400, error: 'context_length_exceeded', input: null, output: null, estimated: false, cost: 0, ttft: null },
    })
  })
})
