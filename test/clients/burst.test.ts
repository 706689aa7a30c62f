/**
 * A long answer that arrives all at once (an upstream that buffers, a cached answer): the first
 * token goes out before the rest of that read is translated (FIRST_TOKEN_ALONE_BEFORE). The real
 * SDKs read such a stream whole and in order through each translated route.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { FIRST_TOKEN_ALONE_BEFORE } from '../../src/canonical/decode.ts'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

// 480 pieces of 5 characters: every chunk is written at once, several times the threshold.
const TEXT = Array.from({ length: 240 }, (_, i) => `w${String(i).padStart(3, '0')} `).join('').repeat(2)
const upstream = startFakeChatUpstream(() => stream(textReply(TEXT, { size: 5 })))
const anthropic = startFakeAnthropicUpstream(() => events(messageEvents([{ thinking: 'Writing it all out.' }, { text: TEXT }])))
const shim = startShim(settingsFrom([chatModel(upstream.url), { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropic.url, api_key: 'sk-ant-upstream' }]))
afterAll(() => {
  shim.close()
  upstream.close()
  anthropic.close()
})

describe('a burst answer through the translated routes', () => {
  test('the burst is several times the size at which the first token goes out alone', () => {
    const sent = textReply(TEXT, { size: 5 }).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')
    expect(sent.length).toBeGreaterThan(4 * FIRST_TOKEN_ALONE_BEFORE)
  })

  test('openai SDK responses.stream(): every delta, in order, numbered without a gap', async () => {
    const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const runner = client.responses.stream({ model: 'fake', input: 'write it all' })
    const deltas: string[] = []
    const numbers: number[] = []
    runner.on('event', (event) => numbers.push(event.sequence_number))
    runner.on('response.output_text.delta', (event) => deltas.push(event.delta))
    const final = await runner.finalResponse()
    expect(deltas.join('')).toBe(TEXT)
    expect(final.output_text).toBe(TEXT)
    expect(final.status).toBe('completed')
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i))
  })

  test('openai SDK chat.completions.stream() (Chat → Anthropic): every content delta, in order, and the reasoning', async () => {
    const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const runner = client.chat.completions.stream({ model: 'claude', messages: [{ role: 'user', content: 'write it all' }] })
    const deltas: string[] = []
    const reasoning: string[] = []
    runner.on('content.delta', (event) => deltas.push(event.delta))
    // The SDK keeps only the last piece of a delta field it does not know: read the chunks.
    runner.on('chunk', (chunk) => reasoning.push((chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? ''))
    const final = await runner.finalChatCompletion()
    expect(deltas.join('')).toBe(TEXT)
    expect(final.choices[0]?.message.content).toBe(TEXT)
    expect(reasoning.join('')).toBe('Writing it all out.')
    expect(final.choices[0]?.finish_reason).toBe('stop')
  })

  test('Anthropic SDK messages.stream() (Messages → chat): every text delta, in order', async () => {
    const client = new Anthropic({ baseURL: shim.url, apiKey: 'unused', maxRetries: 0 })
    const runner = client.messages.stream({ model: 'fake', max_tokens: 4096, messages: [{ role: 'user', content: 'write it all' }] })
    const deltas: string[] = []
    runner.on('text', (delta) => deltas.push(delta))
    const final = await runner.finalMessage()
    expect(deltas.join('')).toBe(TEXT)
    expect(final.content).toHaveLength(1)
    expect(final.content[0]).toMatchObject({ type: 'text', text: TEXT })
    expect(final.stop_reason).toBe('end_turn')
  })
})
