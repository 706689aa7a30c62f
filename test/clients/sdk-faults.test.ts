/**
 * Upstream faults as the official SDKs see them: the openai SDK (Chat
 * Completions and the Responses stream helper) and @anthropic-ai/sdk, each on
 * a fast path and a translated route, with the SDKs' own retries off so what
 * is measured is the shim. A broken or silent stream must surface as an error
 * the SDK raises, never a hang or a silently truncated answer; a retry the
 * shim made must be invisible; a long retry-after must reach the SDK.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFaultUpstream, UPSTREAM_ERROR_MESSAGE, type Fault } from '../fakes/fault-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

const upstream = startFaultUpstream()
const shim = startShim(
  settingsFrom([
    { slug: 'to-chat', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: upstream.base },
    { slug: 'to-claude', model: 'claude-fake', provider: 'anthropic', base_url: upstream.base, api_key: 'sk-ant-test' },
  ]),
  { idleTimeoutMs: 200, retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 1_000 } },
)
afterAll(() => {
  shim.close()
  upstream.close()
})
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
const anthropic = new Anthropic({ baseURL: shim.url, apiKey: 'unused', maxRetries: 0 })

type Ask = (model: string) => Promise<string>
const CLIENTS: Record<string, Ask> = {
  'openai chat.completions stream': async (model) => {
    let text = ''
    for await (const chunk of await openai.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += chunk.choices[0]?.delta.content ?? ''
    return text
  },
  'openai responses.stream': async (model) => {
    const final = await openai.responses.stream({ model, input: 'hi' }).finalResponse()
    if (final.status !== 'completed') throw new Error(final.error?.message ?? `response ${final.status}`)
    return final.output_text
  },
  'anthropic messages.stream': async (model) => {
    const final = await anthropic.messages.stream({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
    return final.content.map((block) => (block.type === 'text' ? block.text : '')).join('')
  },
}

async function ask(client: Ask, model: string, fault: Fault, queue: Fault[] = []): Promise<{ text?: string; error?: any }> {
  upstream.fault = fault
  upstream.queue.push(...queue)
  try {
    return { text: await client(model) }
  } catch (error) {
    return { error }
  } finally {
    upstream.fault = { kind: 'ok' }
    upstream.queue.length = 0
  }
}

for (const [name, client] of Object.entries(CLIENTS)) {
  for (const model of ['to-chat', 'to-claude']) {
    describe(`${name} → ${model}`, () => {
      test('a healthy answer', async () => {
        expect(await ask(client, model, { kind: 'ok' })).toEqual({ text: 'Hello' })
      })

      test('one 503 before the answer: the shim retries, the SDK sees only the answer', async () => {
        const before = upstream.requests
        expect(await ask(client, model, { kind: 'ok' }, [{ kind: 'status', status: 503 }])).toEqual({ text: 'Hello' })
        expect(upstream.requests - before).toBe(2)
      })

      test('a 429 with a long retry-after reaches the SDK as its rate-limit error, header included', async () => {
        const { error } = await ask(client, model, { kind: 'status', status: 429, headers: { 'retry-after': '30' } })
        expect(error?.status).toBe(429)
        expect(error?.headers?.get?.('retry-after') ?? error?.headers?.['retry-after']).toBe('30')
      })

      test('the stream closes mid-answer: the SDK raises, it does not return half an answer', async () => {
        const { text, error } = await ask(client, model, { kind: 'close-mid-stream' })
        expect(text).toBeUndefined()
        expect(String(error?.message)).toMatch(/closed the stream before/)
      })

      test("the upstream's error event mid-stream: the SDK raises with the upstream's message", async () => {
        const { error } = await ask(client, model, { kind: 'error-event' })
        expect(String(error?.message)).toContain(UPSTREAM_ERROR_MESSAGE)
      })

      test('silence past the idle timeout: the SDK raises instead of hanging', async () => {
        const { error } = await ask(client, model, { kind: 'silent-mid-stream' })
        expect(String(error?.message)).toMatch(/sent nothing for 200 ms/)
      })
    })
  }
}
