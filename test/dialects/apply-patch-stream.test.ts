import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { counterIds } from '../../src/canonical/builder.ts'
import { decodeBody, streamOf } from '../../src/canonical/decode.ts'
import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesEvent, ResponsesTool } from '../../src/canonical/types.ts'
import { createChatDecoder } from '../../src/dialects/chat/stream.ts'
import { createMessagesDecoder } from '../../src/dialects/messages/stream.ts'
import { collect, expectGolden, randomSplit } from '../support/golden.ts'

/**
 * apply_patch (a freeform tool) reaches chat and Anthropic upstreams as a
 * function taking {"input": "<patch>"}; its input must reach Codex as it
 * streams, not in one piece at the end. Hand-written upstream streams whose
 * tool arguments are cut into seeded random 1–7 character pieces, so every
 * kind of escape is split somewhere.
 */
const tools = JSON.parse(readFileSync(join(import.meta.dir, '../fixtures/responses/tools.json'), 'utf8')) as ResponsesTool[]
const golden = join(import.meta.dir, '../golden')

// Two files, two hunks in one, quotes, backslashes, a tab, non-ASCII and an emoji.
const PATCH = [
  '*** Begin Patch',
  '*** Update File: src/a.ts',
  '@@ function greet',
  '-  return "hi"',
  '+  return "héllo \\"world\\" 😀"',
  '@@ function path',
  '-  return "C:\\old"',
  '+  return "C:\\new\\dir"\t// tab',
  '*** Add File: notes.md',
  '+# notes',
  '*** End Patch',
  '',
].join('\n')
// JSON as a model writes it, with some characters as \u escapes (an emoji as a surrogate pair).
const ARGUMENTS = JSON.stringify({ input: PATCH }).replace('é', '\\u00e9').replace('😀', '\\ud83d\\ude00')

function chatStream(seed: number): string {
  const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`
  const chunk = (delta: unknown, finish: string | null = null) => data({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })
  return [
    chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_patch', type: 'function', function: { name: 'apply_patch', arguments: '' } }] }),
    ...randomSplit(ARGUMENTS, seed).map((piece) => chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] })),
    chunk({}, 'tool_calls'),
    'data: [DONE]\n\n',
  ].join('')
}

function messagesStream(seed: number): string {
  const event = (value: { type: string }) => `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`
  return [
    event({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], usage: { input_tokens: 10, output_tokens: 1 } } } as { type: string }),
    event({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_patch', name: 'apply_patch', input: {} } } as { type: string }),
    ...randomSplit(ARGUMENTS, seed).map((piece) => event({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: piece } } as { type: string })),
    event({ type: 'content_block_stop', index: 0 } as { type: string }),
    event({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 99 } } as { type: string }),
    event({ type: 'message_stop' }),
  ].join('')
}

const DECODERS = {
  chat: (emit: (event: ResponsesEvent) => void) => createChatDecoder(emit, { model: 'deepseek', tools: flattenTools(tools), ids: counterIds(), now: () => 1_790_000_000_000 }),
  messages: (emit: (event: ResponsesEvent) => void) => createMessagesDecoder(emit, { model: 'claude', tools: flattenTools(tools), ids: counterIds(), now: () => 1_790_000_000_000 }),
}

async function decode(dialect: keyof typeof DECODERS, chunks: Uint8Array[]): Promise<ResponsesEvent[]> {
  return collect(decodeBody(streamOf(chunks), DECODERS[dialect]).events())
}

const asSse = (events: ResponsesEvent[]) => events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')
const deltas = (events: ResponsesEvent[]) => events.filter((event) => event.type === 'response.custom_tool_call_input.delta').map((event) => (event as { delta: string }).delta)

describe('apply_patch input streams to Codex as the wrapped JSON arrives', () => {
  const cases = [
    { dialect: 'chat' as const, make: chatStream, file: 'chat-to-responses/apply-patch-random-splits.sse' },
    { dialect: 'messages' as const, make: messagesStream, file: 'messages-to-responses/apply-patch-random-splits.sse' },
  ]
  test.each(cases)('$dialect: golden, many deltas, their concatenation is the patch', async ({ dialect, make, file }) => {
    const bytes = new TextEncoder().encode(make(42))
    const events = await decode(dialect, [bytes])
    expectGolden(join(golden, file), asSse(events))
    const streamed = deltas(events)
    expect(streamed.length).toBeGreaterThan(20)
    expect(streamed.join('')).toBe(PATCH)
    const done = events.find((event) => event.type === 'response.output_item.done') as { item: { type: string; input: string } }
    expect(done.item).toMatchObject({ type: 'custom_tool_call', input: PATCH })
    // The first delta is out long before the arguments are complete.
    const firstDelta = events.findIndex((event) => event.type === 'response.custom_tool_call_input.delta')
    expect(streamed[0]!.length).toBeLessThan(PATCH.length / 4)
    expect(firstDelta).toBeLessThan(events.findIndex((event) => event.type === 'response.custom_tool_call_input.done'))
    // The same upstream bytes cut into random 1–7 byte reads (through UTF-8 and escapes) decode identically.
    for (const seed of [1, 2, 3]) expect(asSse(await decode(dialect, randomSplit(bytes, seed)))).toBe(asSse(events))
  })

  test.each(cases)('$dialect: any seeded split of the arguments yields the patch, with no delta ending in half a character', async ({ dialect, make }) => {
    for (let seed = 1; seed <= 25; seed++) {
      const streamed = deltas(await decode(dialect, [new TextEncoder().encode(make(seed))]))
      expect(streamed.join('')).toBe(PATCH)
      for (const delta of streamed) expect(/[\ud800-\udbff]$/.test(delta)).toBe(false)
    }
  })
})
