import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { settingsFrom, startShim } from '../support/shim.ts'

// POSIX: the fake cursor-agent is a script run by its shebang.

/**
 * The Cursor subscription through a fake `cursor-agent` executable, from the
 * official SDKs: each client hears exactly the genuine deltas once, and the
 * agent's own tool calls never arrive as calls the client would run again.
 */
const FINAL = 'Let me look around. hahahaNow I\'ll edit it.Done: README.md has two lines.'
const workspace = join(process.env.CODEX_SHIM_TEST_ROOT!, 'cursor-workspace')
let shim: ReturnType<typeof startShim>
let openai: OpenAI
let anthropic: Anthropic

beforeAll(() => {
  mkdirSync(workspace, { recursive: true })
  process.env.CURSOR_AGENT_BIN = join(import.meta.dir, '../fakes/bin/cursor-agent')
  shim = startShim(settingsFrom([{ slug: 'composer', model: 'composer-2.5', provider: 'cursor-agent', workspace }]))
  openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  anthropic = new Anthropic({ baseURL: shim.url, apiKey: 'unused', maxRetries: 0 })
})
afterAll(() => {
  shim.close()
  delete process.env.CURSOR_AGENT_BIN
})

describe('cursor-agent through every client dialect', () => {
  test('openai SDK responses.stream(): the text once, tools as reasoning, usage', async () => {
    const runner = openai.responses.stream({ model: 'composer', input: 'Add a line to README.md' })
    let text = ''
    runner.on('response.output_text.delta', (event) => (text += event.delta))
    const final = await runner.finalResponse()
    expect(text).toBe(FINAL)
    expect(final.model).toBe('composer')
    expect(final.output.some((item) => item.type === 'function_call')).toBe(false)
    expect(final.output.filter((item) => item.type === 'reasoning').length).toBeGreaterThan(0)
    expect(final.usage?.input_tokens).toBeGreaterThan(0)
  })

  test('openai SDK chat stream', async () => {
    const completion = await openai.chat.completions.stream({ model: 'composer', messages: [{ role: 'user', content: 'Add a line to README.md' }] }).finalChatCompletion()
    expect(completion.choices[0]!.message.content).toBe(FINAL)
    expect(completion.choices[0]!.message.tool_calls ?? []).toEqual([])
  })

  test('Anthropic SDK stream helper', async () => {
    const message = await anthropic.messages.stream({ model: 'composer', max_tokens: 1000, messages: [{ role: 'user', content: 'Add a line to README.md' }] }).finalMessage()
    expect(message.content.filter((block) => block.type === 'text').map((block) => (block as Anthropic.TextBlock).text).join('')).toBe(FINAL)
    expect(message.content.some((block) => block.type === 'tool_use')).toBe(false)
  })

  test('an unknown Cursor model is a 400 naming the model and the ones available', async () => {
    const local = startShim(settingsFrom([{ slug: 'bad', model: 'no-such-model', provider: 'cursor-agent', workspace }]))
    const error = await new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'x', maxRetries: 0 }).responses.create({ model: 'bad', input: 'hi' }).catch((e) => e)
    local.close()
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.message).toContain('no-such-model')
    expect(error.message).toContain('composer-2.5')
  })
})
