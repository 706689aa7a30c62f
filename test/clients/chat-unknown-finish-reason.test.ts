/** A finish_reason the table does not know (TGI once said "eos_token" for a normal stop) must end the answer normally in every dialect, not as cut off. */
import { afterAll, expect, test } from 'bun:test'
import { chunk, startFakeChatUpstream, stream, usageChunk } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const upstream = startFakeChatUpstream(() => stream([chunk({ role: 'assistant', content: 'Done.' }), chunk({}, 'made_up_reason'), usageChunk()]))
const shim = startShim(settingsFrom([chatModel(upstream.url, { slug: 'tgi', model: 'llama' })]))
afterAll(() => { shim.close(); upstream.close() })

test('Messages client: an unknown finish_reason is a normal stop, not max_tokens', async () => {
  const res = await fetch(`${shim.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'tgi', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }) })
  const body = await res.json() as { stop_reason: string }
  expect(body.stop_reason).toBe('end_turn')
})

test('Responses client: an unknown finish_reason completes', async () => {
  const res = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tgi', input: 'hi' }) })
  const body = await res.json() as { status: string; incomplete_details: unknown }
  expect(body.status).toBe('completed')
})
