/**
 * Codex shows its own "ran out of room" message, and stops retrying, only for a
 * `response.failed` whose code is `context_length_exceeded` (spec §d.4). Kimi (Moonshot)
 * and Gemini's OpenAI endpoint word an over-long prompt in ways the shim does not
 * recognise: both reach Codex as a generic 400 ("upstream_error") instead.
 * Messages verbatim from MoonshotAI/kimi-cli#2011 and google-gemini/gemini-cli#6678.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { chunk, startFakeChatUpstream, stream, textReply, type ChatReply } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'
import { startFakeAnthropicUpstream, type MessagesReply } from '../fakes/anthropic-upstream.ts'

let next: () => ChatReply = () => stream(textReply('hi'))
const upstream = startFakeChatUpstream(() => next())
let nextClaude: () => MessagesReply
const claude = startFakeAnthropicUpstream(() => nextClaude())
const shim = startShim(settingsFrom([chatModel(upstream.url), { slug: 'opus', model: 'claude-opus-4-1', provider: 'anthropic', base_url: claude.url, api_key: 'k' }]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); upstream.close(); claude.close() })

/** What Codex reads: the stream's terminal event (or the HTTP error before it). */
async function codexSees(model = 'fake'): Promise<string> {
  const response = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input: 'hi', stream: true, store: false }) })
  const text = await response.text()
  if (response.status !== 200) return `HTTP ${response.status} ${JSON.parse(text).error.code}`
  const last = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6))).at(-1)
  return `${last.type} ${last.response?.error?.code ?? ''}`.trim()
}

const KIMI = { error: { message: 'Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)', type: 'invalid_request_error' } }
const GEMINI = JSON.stringify([{ error: { code: 400, message: 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } }])
const DEEPSEEK = { error: { message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens.", type: 'invalid_request_error' } }

describe('an over-long prompt reaches Codex as context_length_exceeded', () => {
  test('control: DeepSeek/OpenAI wording', async () => {
    next = () => ({ kind: 'error', status: 400, body: DEEPSEEK })
    expect(await codexSees()).toBe('response.failed context_length_exceeded')
  })
  test('Kimi (Moonshot) before the stream', async () => {
    next = () => ({ kind: 'error', status: 400, body: KIMI })
    expect(await codexSees()).toBe('response.failed context_length_exceeded')
  })
  test('Gemini OpenAI endpoint before the stream', async () => {
    next = () => ({ kind: 'error', status: 400, body: GEMINI })
    expect(await codexSees()).toBe('response.failed context_length_exceeded')
  })
  test('Kimi wording mid-stream (error chunk after a 200)', async () => {
    next = () => stream([chunk({ role: 'assistant', content: 'Work' }), { error: KIMI.error }])
    expect(await codexSees()).toBe('response.failed context_length_exceeded')
  })
  test('Anthropic: input + the max_tokens codex-shim chose exceed the window (docker/docker-agent#569)', async () => {
    // codex-shim itself sends max_tokens 32000 for Opus 4.x (64000 for Sonnet 4): any input past 168k (136k) tokens gets this.
    nextClaude = () => ({ kind: 'error', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'input length and `max_tokens` exceed context limit: 178959 + 32000 > 200000, decrease input length or `max_tokens` and try again' } } })
    expect(await codexSees('opus')).toBe('response.failed context_length_exceeded')
  })
  test('SDK client: non-streamed Kimi overflow is a 400 with code context_length_exceeded', async () => {
    next = () => ({ kind: 'error', status: 400, body: KIMI })
    const error = await client.responses.create({ model: 'fake', input: 'hi' }).catch((e) => e)
    expect(error.code).toBe('context_length_exceeded')
  })
})
