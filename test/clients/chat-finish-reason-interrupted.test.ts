/**
 * DeepSeek documents `finish_reason: "insufficient_system_resource"` ("the request is interrupted
 * due to insufficient resource of the inference system"); OpenRouter normalises a provider failure
 * to `finish_reason: "error"`. Either means the answer was cut off. The shim's finish-reason table
 * used to treat any reason it did not know as success, so the cut answer ended in
 * `response.completed` and Codex / the SDKs took the half answer (or a half-written tool call) as final.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { chunk, startFakeChatUpstream, stream, usageChunk, type ChatReply } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

let next: () => ChatReply
const upstream = startFakeChatUpstream(() => next())
const shim = startShim(settingsFrom([chatModel(upstream.url, { slug: 'deepseek', model: 'deepseek-chat' })]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); upstream.close() })

async function finalFor(reason: string) {
  next = () => stream([chunk({ role: 'assistant', content: 'The fix is to change the fir' }), chunk({}, reason), usageChunk()])
  return client.responses.stream({ model: 'deepseek', input: 'fix it' }).finalResponse().catch((error: Error) => error)
}

describe('an answer the upstream says it interrupted does not end as completed', () => {
  for (const reason of ['insufficient_system_resource', 'error']) {
    test(`finish_reason: ${reason} → response.failed (server_error, which Codex retries)`, async () => {
      const final = await finalFor(reason)
      expect(final).toMatchObject({ status: 'failed', output: [], error: { code: 'server_error' } })
      expect((final as { error: { message: string } }).error.message).toContain(`finish_reason "${reason}"`)
    })
  }

  test('a finish_reason the shim does not know (TGI\'s eos_token was one) ends the answer normally', async () => {
    const final = await finalFor('eos_token_v2')
    expect(final).not.toBeInstanceOf(Error)
    expect(final).toMatchObject({ status: 'completed' })
  })
})
