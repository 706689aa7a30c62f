import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import OpenAI from 'openai'
import { openLedger } from '../../src/usage/ledger.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { freshDir, storedRows } from './_support.ts'

/**
 * A chat client that streams without stream_options.include_usage (most do) on the chat fast path:
 * the upstream, like OpenAI, then reports no usage, and the ledger guessed from the stream's bytes
 * (a 44-character reply counted as 471 tokens: an audit). The shim now asks the upstream for the
 * usage, records it, and keeps the usage chunk from the client, which did not ask for it.
 */
// "paced": each chunk its own write, 5 ms apart, so the usage chunk comes alone in its read.
const upstream = startFakeChatUpstream((body) => stream(textReply('Forty-four characters of answer text, give or take.'), JSON.stringify(body.messages).includes('paced') ? { delayMs: 5 } : {}))
const path = join(freshDir('chat-usage'), 'usage.db')
const ledger = openLedger({ path, flushMs: 60_000 })
const shim = startShim(settingsFrom([{ slug: 'fast', model: 'm', provider: 'generic-chat-completion-api', base_url: upstream.url, price: { input: 1, output: 2 } }]), { ledger })
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  ledger.close()
  upstream.close()
})

test('the ledger has the upstream\'s own figures, and the client no chunk it did not ask for', async () => {
  const chunks = await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: true })
  const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
  for await (const chunk of chunks) seen.push(chunk)
  expect(seen.every((chunk) => chunk.choices.length > 0)).toBe(true)
  expect(seen.some((chunk) => chunk.usage)).toBe(false)
  expect(upstream.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true })
  await ledger.flushed()
  const row = storedRows(path).at(-1)!
  // The fake's usage chunk: 100 prompt tokens, 20 completion tokens.
  expect({ input: row.input_tokens, output: row.output_tokens, estimated: row.usage_estimated }).toEqual({ input: 100, output: 20, estimated: false })
})

test('a client that asked for usage still gets its chunk', async () => {
  const chunks = await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
  let usage: unknown = null
  for await (const chunk of chunks) if (chunk.usage) usage = chunk.usage
  expect(usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 20 })
})

test('a usage chunk that comes alone, in its own read, is kept from the client and the stream goes on to its end (it stalled for good)', async () => {
  const chunks = await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'paced' }], stream: true })
  const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
  for await (const chunk of chunks) seen.push(chunk)
  expect(seen.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Forty-four characters of answer text, give or take.')
  expect(seen.at(-1)!.choices[0]!.finish_reason).toBe('stop')
  expect(seen.some((chunk) => chunk.usage)).toBe(false)
  await ledger.flushed()
  expect(storedRows(path).at(-1)!.input_tokens).toBe(100)
})
