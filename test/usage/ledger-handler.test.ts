/**
 * Issue #20, the rows the other client tests do not reach: the ChatGPT
 * passthrough (fast path, usage sniffed from the backend's events), a failed
 * request and an aborted stream, each through the full handler with a real
 * ledger and a real SDK client.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import OpenAI from 'openai'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { openLedger } from '../../src/usage/ledger.ts'
import { startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'
import { chunk, startFakeChatUpstream, stream, textReply, type ChatReply } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { freshDir, storedRows } from './_support.ts'

const backend = startFakeChatgpt()
let reply: () => ChatReply = () => stream(textReply('unused'))
const chatUpstream = startFakeChatUpstream(() => reply())
process.env.CODEX_SHIM_CHATGPT_BASE_URL = backend.base
writeAuth(join(process.env.CODEX_HOME!, 'auth.json'), { access: backend.validAccess, refresh: 'rt-ledger' })
const path = join(freshDir('handler'), 'usage.db')
const ledger = openLedger({ path, flushMs: 60_000 })
const shim = startShim(settingsFrom([{ slug: 'fake', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: chatUpstream.url }]), { ledger, chatgpt: new ChatgptService(), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } })
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  ledger.close()
  backend.close()
  chatUpstream.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
})

// The ledger's first prune runs on its worker as the first request lands: a plain flush() could meet its lock.
const lastRow = async () => {
  await ledger.flushed()
  return storedRows(path).at(-1)!
}

describe('ledger rows through the full handler', () => {
  test('the ChatGPT passthrough: figures as the backend reported them, cached and reasoning included', async () => {
    const response = await openai.responses.stream({ model: 'gpt-5.5', input: 'hi', store: false }).finalResponse()
    expect(response.output_text).toBe('Hello from ChatGPT.')
    const row = await lastRow()
    expect({ dialect: row.dialect, slug: row.slug, provider: row.provider, status: row.status }).toEqual({ dialect: 'responses', slug: 'gpt-5.5', provider: 'chatgpt', status: 200 })
    // backendEvents reports 900 input (800 cached), 30 output (10 reasoning).
    expect([row.input_tokens, row.cached_input_tokens, row.output_tokens, row.reasoning_tokens, row.usage_estimated]).toEqual([900, 800, 30, 10, false])
  })

  test('a failed request leaves one row with the status the client got and the error code', async () => {
    reply = () => ({ kind: 'error', status: 400, body: { error: { message: 'context too long', type: 'invalid_request_error', code: 'context_length_exceeded' } } })
    const before = storedRows(path).length
    const failure = await openai.chat.completions.create({ model: 'fake', messages: [{ role: 'user', content: 'x' }] }).catch((error) => error)
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError)
    const rows = (await ledger.flushed(), storedRows(path))
    expect(rows.length).toBe(before + 1)
    expect({ status: rows.at(-1)!.status, error: rows.at(-1)!.error_code, input: rows.at(-1)!.input_tokens }).toEqual({ status: 400, error: 'context_length_exceeded', input: null })
  })

  test('a stream the client aborts leaves one row with status 499', async () => {
    let release!: () => void
    reply = () => stream([chunk({ role: 'assistant', content: 'first ' }), chunk({ content: 'never sent' })], { pauseAfter: 1, resume: new Promise<void>((resolve) => (release = resolve)) })
    const before = storedRows(path).length
    const controller = new AbortController()
    const answer = await openai.chat.completions.create({ model: 'fake', stream: true, messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })
    for await (const part of answer) {
      expect(part.choices[0]?.delta.content).toBe('first ')
      controller.abort()
    }
    // The upstream stays paused: only the client's going away can end this request.
    const abortedBefore = chatUpstream.aborted
    for (let i = 0; i < 200 && (await ledger.flushed(), storedRows(path).length) === before; i++) await Bun.sleep(20)
    const rows = storedRows(path)
    release()
    expect(rows.length).toBe(before + 1)
    expect(rows.at(-1)!.status).toBe(499)
    // The prompt and the part that streamed were billed, and no usage came: estimated, and marked so.
    expect(rows.at(-1)!.usage_estimated).toBeTruthy()
    expect(rows.at(-1)!.input_tokens).toBeGreaterThan(0)
    expect(rows.at(-1)!.output_tokens).toBeGreaterThan(0)
    // …and it reached the upstream too: its request was aborted.
    for (let i = 0; i < 100 && chatUpstream.aborted === abortedBefore; i++) await Bun.sleep(20)
    expect(chatUpstream.aborted).toBe(abortedBefore + 1)
  })
})
