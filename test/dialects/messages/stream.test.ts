import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { counterIds } from '../../../src/canonical/builder.ts'
import { decodeBody, streamOf } from '../../../src/canonical/decode.ts'
import { flattenTools } from '../../../src/canonical/flatten-tools.ts'
import type { ResponsesEvent, ResponsesTool } from '../../../src/canonical/types.ts'
import { createMessagesDecoder } from '../../../src/dialects/messages/stream.ts'
import { decodeThinking } from '../../../src/dialects/messages/thinking-signature.ts'
import { signThinking } from '../../fakes/anthropic-upstream.ts'
import { collect, expectGolden, randomSplit } from '../../support/golden.ts'

const fixtures = join(import.meta.dir, '../../fixtures/messages')
const golden = join(import.meta.dir, '../../golden/messages-to-responses')
const tools = JSON.parse(readFileSync(join(import.meta.dir, '../../fixtures/responses/tools.json'), 'utf8')) as ResponsesTool[]
const names = readdirSync(fixtures).filter((name) => name.endsWith('.sse')).map((name) => name.replace('.sse', ''))

// The json_schema tool is named only where the request asked for a format (the structured-* fixtures), as the provider does.
async function decode(chunks: Uint8Array[], options: { structured?: boolean; offered?: ResponsesTool[] } = {}): Promise<ResponsesEvent[]> {
  const ids = counterIds()
  const structuredOutputTool = options.structured ? 'json_output' : undefined
  // The production path: parse and decode in one stage, as providers run it.
  return collect(decodeBody(streamOf(chunks), (emit) => createMessagesDecoder(emit, { model: 'claude', tools: flattenTools(options.offered ?? tools), structuredOutputTool, ids, now: () => 1_790_000_000_000 })).events())
}

const asSse = (events: ResponsesEvent[]) => events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')
const read = (name: string) => new Uint8Array(readFileSync(join(fixtures, `${name}.sse`)))
const terminal = (events: ResponsesEvent[]) => events.at(-1) as { type: string; response: any }

describe('messages events → responses events', () => {
  test.each(names)('%s', async (name) => {
    const structured = name.startsWith('structured-')
    const whole = asSse(await decode([read(name)], { structured }))
    expectGolden(join(golden, `${name}.sse`), whole)
    for (const seed of [11, 12, 13]) expect(asSse(await decode(randomSplit(read(name), seed), { structured }))).toBe(whole)
  })

  test('the thinking signature lands in encrypted_content, decodable for the next turn', async () => {
    const events = await decode([read('thinking-text-tool-use')])
    const response = terminal(events).response
    expect(response.output.map((item: any) => item.type)).toEqual(['reasoning', 'message', 'function_call'])
    expect(response.output[0].summary[0].text).toBe('List files first.')
    expect(decodeThinking(response.output[0].encrypted_content)).toEqual({ type: 'thinking', thinking: 'List files first.', signature: signThinking('List files first.') })
    expect(response.usage).toEqual({ input_tokens: 1250, input_tokens_details: { cached_tokens: 1000, cache_write_tokens: 200 }, output_tokens: 42, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1292 })
  })

  test('namespace calls split back; freeform input unwrapped from split JSON', async () => {
    const parallel = terminal(await decode([read('parallel-tool-use-and-namespace')])).response
    expect(parallel.output[1]).toMatchObject({ type: 'function_call', name: 'echo_tool', namespace: 'mcp__tiny', arguments: '{"text":"hi"}' })
    const patch = terminal(await decode([read('apply-patch-split-json')])).response
    expect(patch.output[0]).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: a.txt\n+ünïcode "quoted"\n*** End Patch\n' })
  })

  test.each([
    ['error-after-200', 'response.failed', 'server_error'],
    ['context-error-mid-stream', 'response.failed', 'context_length_exceeded'],
    ['stream-cut-before-message-stop', 'response.failed', 'server_error'],
    ['max-tokens-incomplete', 'response.incomplete', undefined],
  ])('%s → %s', async (name, type, code) => {
    const end = terminal(await decode([read(name)]))
    expect(end.type).toBe(type)
    if (code) expect(end.response.error.code).toBe(code)
    else expect(end.response.incomplete_details).toEqual({ reason: 'max_output_tokens' })
  })

  test('a stop at the context window (model_context_window_exceeded) is an answer cut short, as max_tokens is: incomplete, never completed', async () => {
    const text = readFileSync(join(fixtures, 'max-tokens-incomplete.sse'), 'utf8').replace('"stop_reason":"max_tokens"', '"stop_reason":"model_context_window_exceeded"')
    expect(text).toContain('model_context_window_exceeded')
    const end = terminal(await decode([new TextEncoder().encode(text)]))
    expect(end.type).toBe('response.incomplete')
    expect(end.response.incomplete_details).toEqual({ reason: 'max_output_tokens' })
  })

  test('the schema tool answer becomes message text', async () => {
    const response = terminal(await decode([read('structured-output-tool')], { structured: true })).response
    expect(response.output).toMatchObject([{ type: 'message', content: [{ type: 'output_text', text: '{"title":"Fix the parser"}' }] }])
  })

  const textDeltas = (events: ResponsesEvent[]) => events.filter((event) => event.type === 'response.output_text.delta').map((event) => (event as { delta: string }).delta)

  test('prose beside the schema tool\'s answer (other tools offered) is a reasoning summary: only the JSON is output_text, streamed or not', async () => {
    const events = await decode([read('structured-output-between-prose')], { structured: true })
    expect(textDeltas(events).join('')).toBe('{"title":"Fix the build"}')
    expect(terminal(events).response.output).toMatchObject([
      { type: 'reasoning', summary: [{ text: 'Answer now.' }] },
      { type: 'reasoning', summary: [{ text: 'Here is the title.' }] },
      { type: 'message', content: [{ type: 'output_text', text: '{"title":"Fix the build"}' }] },
      { type: 'reasoning', summary: [{ text: 'Tell me if you want another.' }] },
    ])
    expect(terminal(events).response.output[1].encrypted_content).toBeUndefined()
  })

  test('prose held for a schema tool that does not come is sent whole as its message, before the call that came instead', async () => {
    const events = await decode([read('structured-format-prose-before-call')], { structured: true })
    expect(textDeltas(events)).toEqual(['Let me look at the build first.'])
    const added = events.filter((event) => event.type === 'response.output_item.added').map((event) => (event as { item: { type: string } }).item.type)
    expect(added).toEqual(['message', 'function_call'])
    expect(terminal(events).response.output).toMatchObject([{ type: 'message', content: [{ text: 'Let me look at the build first.' }] }, { type: 'function_call', name: 'exec_command' }])
  })

  test('nothing is held without a schema tool, nor when it is forced (no other tool offered): text streams as it comes', async () => {
    const unformatted = await decode([read('structured-format-prose-before-call')])
    expect(textDeltas(unformatted).length).toBeGreaterThan(1)
    const forced = await decode([read('structured-format-prose-before-call')], { structured: true, offered: [] })
    expect(textDeltas(forced)).toEqual(textDeltas(unformatted))
  })
})
