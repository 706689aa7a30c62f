import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { counterIds } from '../../../src/canonical/builder.ts'
import { decodeBody, streamOf } from '../../../src/canonical/decode.ts'
import { flattenTools } from '../../../src/canonical/flatten-tools.ts'
import type { ResponsesEvent, ResponsesTool } from '../../../src/canonical/types.ts'
import { createChatDecoder } from '../../../src/dialects/chat/stream.ts'
import { collect, expectGolden, randomSplit } from '../../support/golden.ts'

const fixtures = join(import.meta.dir, '../../fixtures/chat')
const golden = join(import.meta.dir, '../../golden/chat-to-responses')
const tools = JSON.parse(readFileSync(join(import.meta.dir, '../../fixtures/responses/tools.json'), 'utf8')) as ResponsesTool[]
const names = readdirSync(fixtures).filter((name) => name.endsWith('.sse')).map((name) => name.replace('.sse', ''))

export async function decodeChatBytes(chunks: Uint8Array[]): Promise<ResponsesEvent[]> {
  const plan = flattenTools(tools)
  const ids = counterIds()
  // The production path: parse and decode in one stage, as providers run it.
  return collect(decodeBody(streamOf(chunks), (emit) => createChatDecoder(emit, { model: 'deepseek', upstreamModel: 'upstream-model', tools: plan, ids, now: () => 1_790_000_000_000 })).events())
}

function asSse(events: ResponsesEvent[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')
}

describe('chat chunks → responses events', () => {
  test.each(names)('%s', async (name) => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, `${name}.sse`)))
    const whole = asSse(await decodeChatBytes([bytes]))
    expectGolden(join(golden, `${name}.sse`), whole)
    // The same stream cut into small random pieces (through UTF-8 and CRLF) decodes identically.
    for (const seed of [1, 2, 3]) expect(asSse(await decodeChatBytes(randomSplit(bytes, seed)))).toBe(whole)
  })

  test.each(names)('%s: well-formed (one terminal event, gap-free indexes and sequence numbers, done per added item)', async (name) => {
    const events = await decodeChatBytes([new Uint8Array(readFileSync(join(fixtures, `${name}.sse`)))])
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i))
    const terminals = events.filter((event) => ['response.completed', 'response.incomplete', 'response.failed'].includes(event.type))
    expect(terminals).toHaveLength(1)
    expect(events.at(-1)).toBe(terminals[0]!)
    const added = events.filter((event) => event.type === 'response.output_item.added').map((event) => (event as { output_index: number }).output_index)
    expect(added).toEqual(added.map((_, i) => i))
    const done = events.filter((event) => event.type === 'response.output_item.done').map((event) => (event as { output_index: number }).output_index)
    if (terminals[0]!.type !== 'response.failed') expect(done.sort()).toEqual(added)
    expect(typeof (terminals[0] as { response: { id: unknown } }).response.id).toBe('string')
  })
})

describe('hostile annotations (a review of the citations work)', () => {
  test('citations count against the answer cap, and their ranges are clamped', async () => {
    const { createChatDecoder } = await import('../../../src/dialects/chat/stream.ts')
    const saved = process.env.CODEX_SHIM_MAX_ANSWER_BYTES
    process.env.CODEX_SHIM_MAX_ANSWER_BYTES = '1000'
    try {
      const events: Record<string, any>[] = []
      const decoder = createChatDecoder((event) => events.push(event as never), { model: 'm', tools: flattenTools(undefined) })
      decoder.push({ data: JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content: 'hi' } }] }) })
      decoder.push({ data: JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { annotations: [{ type: 'url_citation', url_citation: { url: 'https://a', start_index: -5, end_index: 1e300 } }] } }] }) })
      const first = events.find((event) => event.type === 'response.output_text.annotation.added')!
      expect(first.annotation).toEqual({ type: 'url_citation', url: 'https://a', title: '', start_index: 0, end_index: 0x7fffffff })
      const url = `https://x/${'a'.repeat(10_000)}`
      for (let i = 0; i < 20; i++) decoder.push({ data: JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { annotations: [{ type: 'url_citation', url_citation: { url, start_index: 0, end_index: 2 } }] } }] }) })
      decoder.push({ data: '[DONE]' })
      decoder.end()
      // Without the charge, 200 KB of citations rode past a 1,000-byte cap into response.completed.
      expect(events.at(-1)!.type).toBe('response.failed')
    } finally {
      if (saved === undefined) delete process.env.CODEX_SHIM_MAX_ANSWER_BYTES
      else process.env.CODEX_SHIM_MAX_ANSWER_BYTES = saved
    }
  })

  test('a Responses upstream\'s annotations that are no list do not break the Chat answer', async () => {
    const { responseToChatCompletion } = await import('../../../src/dialects/chat/from-events.ts')
    const response = { id: 'r', object: 'response', created_at: 1, status: 'completed', model: 'm', output: [{ type: 'message', id: 'msg', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'hi', annotations: {} }, { type: 'output_text', text: '!', annotations: [{ type: 'url_citation', url: 'u', title: 't', start_index: -3, end_index: 1 }] }] }] }
    const completion = responseToChatCompletion(response as never, { model: 'm', id: 'c', created: 1 })
    expect(completion.choices![0]!.message).toMatchObject({ content: 'hi!', annotations: [{ type: 'url_citation', url_citation: { url: 'u', title: 't', start_index: 2, end_index: 3 } }] })
  })
})


describe('parallel calls: each ends when the next begins, if its arguments are whole', () => {
  const decodeChunks = (chunks: object[]) => {
    const events: Record<string, any>[] = []
    const decoder = createChatDecoder((event) => events.push(event as never), { model: 'm', tools: flattenTools(undefined), ids: counterIds() })
    for (const chunk of chunks) decoder.push({ data: JSON.stringify(chunk) })
    decoder.push({ data: '[DONE]' })
    decoder.end()
    return events
  }
  const call = (index: number, piece: Record<string, unknown>) => ({ choices: [{ index: 0, delta: { tool_calls: [{ index, ...piece }] } }] })

  test('a delta for a call already done: whitespace is nothing, anything else fails rather than break its JSON', () => {
    const head = [call(0, { id: 'a', function: { name: 'f', arguments: '{"x":1}' } }), call(1, { id: 'b', function: { name: 'f', arguments: '{}' } })]
    const quiet = decodeChunks([...head, call(0, { function: { arguments: ' \n' } })])
    expect(quiet.at(-1)!.type).toBe('response.completed')
    expect(quiet.at(-1)!.response.output.map((item: any) => item.arguments)).toEqual(['{"x":1}', '{}'])
    const loud = decodeChunks([...head, call(0, { function: { arguments: ',"y":2}' } })])
    expect(loud.at(-1)!.type).toBe('response.failed')
    expect(loud.at(-1)!.response.error.message).toContain('tool call a')
  })
})
