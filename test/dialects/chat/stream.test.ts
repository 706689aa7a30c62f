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
  return collect(decodeBody(streamOf(chunks), (emit) => createChatDecoder(emit, { model: 'deepseek', tools: plan, ids, now: () => 1_790_000_000_000 })).events())
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
