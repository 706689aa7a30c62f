import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { events, messageEvents, signThinking, startFakeAnthropicUpstream, type ScriptBlock } from '../fakes/anthropic-upstream.ts'
import type { Json } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { clientDir, runClaude } from '../support/spawn-client.ts'

/**
 * Issue #11 item 1: Claude Code on the Anthropic fast path, thinking on, with
 * a slug that is not the upstream model id. The fake validates like
 * Anthropic: a replayed thinking block must carry the signature it issued for
 * that text, and when thinking is on the last assistant turn of a tool loop
 * must open with its thinking block, else 400. Claude Code drops thinking it
 * believes another model made, so the loop only finishes when every answer
 * names the model the client asked for.
 */

const SLUG = 'my-claude'
// Opus 4.7 takes adaptive thinking only (a budget is a 400 there, and the fake holds that rule).
const UPSTREAM_MODEL = 'claude-opus-4-7-20251109'

const userBlocks = (body: Json): Json[] => body.messages.filter((m: Json) => m.role === 'user').flatMap((m: Json) => (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content))
const userText = (body: Json) => userBlocks(body).map((b: Json) => b.text ?? '').join('\n')
const answered = (body: Json) => userBlocks(body).some((b: Json) => b.type === 'tool_result')

/** A reply as the real API streams it: `message_start` names the model the upstream was asked for. */
function reply(body: Json, blocks: ScriptBlock[]) {
  const list = messageEvents(blocks, { usage: { input_tokens: 321, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } })
  list[0]!.message.model = body.model
  return events(list)
}

const upstream = startFakeAnthropicUpstream((body) => {
  const text = userText(body)
  if (text.includes('SCENARIO-CC-BASH')) {
    if (!answered(body)) return reply(body, [{ thinking: 'I will create the file with Bash.' }, { tool: { id: 'toolu_cc', name: 'Bash', input: { command: 'echo from-claude-code > cc.txt', description: 'Create cc.txt' } } }])
    return reply(body, [{ thinking: 'The file exists now.' }, { text: 'CLAUDE-ANTHROPIC-DONE' }])
  }
  if (text.includes('SCENARIO-SDK')) {
    if (!answered(body)) return reply(body, [{ thinking: 'I need the weather tool.' }, { text: 'Checking.' }, { tool: { id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } } }])
    return reply(body, [{ thinking: 'The tool said sunny.' }, { text: 'Paris is sunny.' }])
  }
  return reply(body, [{ text: 'A title' }])
})
const shim = startShim(settingsFrom([{ slug: SLUG, model: UPSTREAM_MODEL, provider: 'anthropic', base_url: upstream.url, api_key: 'sk-ant-upstream' }]))
afterAll(() => {
  shim.close()
  upstream.close()
})

const inference = (keyword: string) => upstream.requests.filter((r) => r.body.tools?.length && userText(r.body).includes(keyword)).map((r) => r.body)

describe('Claude Code (claude -p, pinned) → Anthropic fast path, thinking on, slug ≠ model', () => {
  test('a 2-turn Bash loop: thinking + tool_use, then the tool result and the signed thinking replayed, then text', async () => {
    const run = await runClaude({ baseUrl: shim.url, model: SLUG, prompt: 'SCENARIO-CC-BASH create cc.txt', cwd: clientDir('claude-code-anthropic'), args: ['--output-format', 'stream-json', '--verbose'] })
    expect({ code: run.code, timedOut: run.timedOut, stderr: run.code ? run.stderr : '' }).toEqual({ code: 0, timedOut: false, stderr: '' })
    expect(readFileSync(join(run.dir, 'cc.txt'), 'utf8').trim()).toBe('from-claude-code')

    // What Claude Code saw: every assistant message under the name it asked for, and the final answer.
    const lines = run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Json)
    const assistant = lines.filter((line) => line.type === 'assistant')
    expect(assistant.length).toBeGreaterThanOrEqual(2)
    expect(new Set(assistant.map((line) => line.message.model))).toEqual(new Set([SLUG]))
    expect(lines.find((line) => line.type === 'result')).toMatchObject({ subtype: 'success', is_error: false, result: expect.stringContaining('CLAUDE-ANTHROPIC-DONE') })

    // What the upstream saw: the real model id, thinking on, and turn 2 replaying turn 1 as issued.
    const [first, second, ...rest] = inference('SCENARIO-CC-BASH')
    expect(rest).toEqual([])
    expect(first!.model).toBe(UPSTREAM_MODEL)
    expect(['enabled', 'adaptive']).toContain(first!.thinking?.type)
    expect(first!.tools.map((t: Json) => t.name)).toContain('Bash')
    expect(second!.thinking).toEqual(first!.thinking)
    const turns = second!.messages.filter((m: Json) => m.role !== 'system')
    const replayed = turns.findLast((m: Json) => m.role === 'assistant')
    expect(replayed.content.map((b: Json) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(replayed.content[0]).toEqual({ type: 'thinking', thinking: 'I will create the file with Bash.', signature: signThinking('I will create the file with Bash.') })
    expect(replayed.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_cc', name: 'Bash' })
    expect(turns.at(-1).content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_cc' })
  }, 120_000)

  test('the fake is strict: the same turn 2 with the thinking block stripped is refused with Anthropic\'s 400', async () => {
    const second = inference('SCENARIO-CC-BASH')[1]
    expect(second).toBeDefined()
    const stripped = structuredClone(second!)
    for (const message of stripped.messages) if (message.role === 'assistant' && Array.isArray(message.content)) message.content = message.content.filter((b: Json) => b.type !== 'thinking')
    const headers = upstream.requests.find((r) => r.body === second)!.headers
    const response = await fetch(`${shim.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'client', 'anthropic-version': '2023-06-01', 'anthropic-beta': headers['anthropic-beta'] ?? '' },
      body: JSON.stringify({ ...stripped, model: SLUG }),
    })
    expect(response.status).toBe(400)
    const body = (await response.json()) as Json
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect(body.error.message).toContain('a final `assistant` message must start with a thinking block')
  })
})

describe('@anthropic-ai/sdk → Anthropic fast path, slug ≠ model: replaying exactly what it received', () => {
  const client = new Anthropic({ baseURL: shim.url, apiKey: 'client-key-unused', maxRetries: 0 })
  const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]

  test('turn 1 streams under the slug; turn 2 replays its thinking (with signature) and tool_use and gets 200', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'SCENARIO-SDK weather in Paris?' }]
    const seen: Anthropic.RawMessageStreamEvent[] = []
    const stream = client.messages.stream({ model: SLUG, max_tokens: 8000, tools, messages, thinking: { type: 'adaptive' } })
    stream.on('streamEvent', (event) => seen.push(event))
    const first = await stream.finalMessage()
    const start = seen.find((event) => event.type === 'message_start')
    expect(start?.type === 'message_start' && start.message.model).toBe(SLUG)
    expect(first.model).toBe(SLUG)
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use'])
    expect(first.content[0]).toMatchObject({ type: 'thinking', thinking: 'I need the weather tool.', signature: signThinking('I need the weather tool.') })

    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_w', content: 'sunny' }] })
    const second = await client.messages.create({ model: SLUG, max_tokens: 8000, tools, messages, thinking: { type: 'adaptive' } })
    expect(second.model).toBe(SLUG)
    expect(second.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Paris is sunny.' })
    // Exactly what the SDK received went upstream, with the upstream's model id.
    const sent = inference('SCENARIO-SDK').at(-1)!
    expect(sent.model).toBe(UPSTREAM_MODEL)
    expect(sent.messages[1].content).toEqual(JSON.parse(JSON.stringify(first.content)))
  })

  test('a non-streamed answer also names the slug', async () => {
    const message = await client.messages.create({ model: SLUG, max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] })
    expect(message.model).toBe(SLUG)
    expect(upstream.requests.at(-1)!.body.model).toBe(UPSTREAM_MODEL)
  })
})
