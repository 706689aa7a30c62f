import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { openLedger } from '../../src/usage/ledger.ts'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { freshDir, storedRows } from './_support.ts'
import { fileHolds, PLANTED_KEY, PLANTED_PROMPT, tokensOf, withUsage } from './_ledger-clients.ts'

/**
 * Issue #20: real clients through the shim leave ledger rows whose token
 * figures are exactly what the fake upstreams reported (normalised: input
 * includes cached and cache-write tokens), a Codex tool loop is one task, and
 * neither a prompt nor a key reaches the database file.
 */

describe('SDK clients → in-process shim → fakes: one ledger row each, figures as reported', () => {
  const CHAT_USAGE = { prompt: 1234, completion: 56, cached: 1000, reasoning: 12 }
  const chatUpstream = startFakeChatUpstream(() => stream(withUsage(textReply('Hello from chat.'), CHAT_USAGE)))
  const anthropicUpstream = startFakeAnthropicUpstream(() => events(messageEvents([{ text: 'Hello from Claude.' }], { usage: { input_tokens: 321, cache_read_input_tokens: 2048, cache_creation_input_tokens: 512 } })))
  const path = join(freshDir('clients'), 'usage.db')
  const ledger = openLedger({ path, flushMs: 60_000 })
  const shim = startShim(
    settingsFrom([
      { slug: 'fake', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: chatUpstream.url, api_key: PLANTED_KEY },
      { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUpstream.url, api_key: PLANTED_KEY },
    ]),
    { ledger },
  )
  afterAll(() => {
    shim.close()
    ledger.close()
    chatUpstream.close()
    anthropicUpstream.close()
  })
  const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'client-key-unused', maxRetries: 0 })
  const anthropic = new Anthropic({ baseURL: shim.url, apiKey: 'client-key-unused', maxRetries: 0 })

  test('openai chat (fast path), openai responses (translated to chat), Anthropic messages (fast path)', async () => {
    const chat = await openai.chat.completions.create({ model: 'fake', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: PLANTED_PROMPT }] })
    let chatText = ''
    for await (const chunk of chat) chatText += chunk.choices[0]?.delta.content ?? ''
    expect(chatText).toBe('Hello from chat.')

    const responses = await openai.responses.stream({ model: 'fake', input: PLANTED_PROMPT }).finalResponse()
    expect(responses.output_text).toBe('Hello from chat.')
    expect(responses.usage).toMatchObject({ input_tokens: 1234, output_tokens: 56, input_tokens_details: { cached_tokens: 1000 }, output_tokens_details: { reasoning_tokens: 12 } })

    const message = await anthropic.messages.stream({ model: 'claude', max_tokens: 1000, messages: [{ role: 'user', content: PLANTED_PROMPT }] }).finalMessage()
    expect(message.usage).toMatchObject({ input_tokens: 321, cache_read_input_tokens: 2048, cache_creation_input_tokens: 512, output_tokens: 42 })

    await ledger.flushed()
    const rows = storedRows(path)
    expect(rows.map((row) => [row.dialect, row.slug, row.provider, row.status])).toEqual([
      ['chat', 'fake', 'generic-chat-completion-api', 200],
      ['responses', 'fake', 'generic-chat-completion-api', 200],
      ['messages', 'claude', 'anthropic', 200],
    ])
    const [chatRow, responsesRow, messagesRow] = rows
    const chatFigures = { input: 1234, cached: 1000, cacheWrite: null, output: 56, reasoning: 12, estimated: false }
    expect(tokensOf(chatRow!)).toEqual(chatFigures)
    expect(tokensOf(responsesRow!)).toEqual(chatFigures)
    // Anthropic's input_tokens leaves out cache reads and writes; the row's input counts them (321 + 2048 + 512).
    expect(tokensOf(messagesRow!)).toEqual({ input: 2881, cached: 2048, cacheWrite: 512, output: 42, reasoning: null, estimated: false })
    for (const row of rows) expect(row.upstream_host).toMatch(/^127\.0\.0\.1:\d+$/)
  })

  test('the database file holds neither the prompt nor a key', () => {
    ledger.close()
    expect(existsSync(path)).toBe(true)
    expect(readFileSync(path).length).toBeGreaterThan(0)
    // The raw bytes are searchable: what a row does hold is there in plain text.
    expect(fileHolds(path, 'generic-chat-completion-api')).toBe(true)
    for (const secret of [PLANTED_KEY, PLANTED_PROMPT, 'client-key-unused', 'Hello from']) expect(fileHolds(path, secret)).toBe(false)
  })
})

