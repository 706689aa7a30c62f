import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { counterIds } from '../../../src/canonical/builder.ts'
import { decodeBody, streamOf } from '../../../src/canonical/decode.ts'
import { flattenTools } from '../../../src/canonical/flatten-tools.ts'
import type { ResponsesEvent, ResponsesTool } from '../../../src/canonical/types.ts'
import { createChatDecoder } from '../../../src/dialects/chat/stream.ts'
import { createMessagesEncoder } from '../../../src/dialects/messages/from-events.ts'
import { collect } from '../../support/golden.ts'

// Anthropic never starts a block before the previous one stopped, and the SDK's stream helper
// relies on it; canonical items from a Chat upstream may overlap.
const fixtures = join(import.meta.dir, '../../fixtures/chat')
const tools = JSON.parse(readFileSync(join(import.meta.dir, '../../fixtures/responses/tools.json'), 'utf8')) as ResponsesTool[]
const names = readdirSync(fixtures).filter((name) => name.endsWith('.sse')).map((name) => name.replace('.sse', ''))

async function canonical(name: string): Promise<ResponsesEvent[]> {
  const bytes = new Uint8Array(readFileSync(join(fixtures, `${name}.sse`)))
  return collect(decodeBody(streamOf([bytes]), (emit) => createChatDecoder(emit, { model: 'm', tools: flattenTools(tools), ids: counterIds(), now: () => 0 })).events())
}

function encode(events: ResponsesEvent[]): Record<string, any>[] {
  const encoder = createMessagesEncoder({ model: 'm', id: 'msg_x' })
  return events.flatMap(encoder).map((message) => JSON.parse(message.data))
}

/** Each block's start, deltas and stop, with nothing of another block in between. */
function expectOneAtATime(events: Record<string, any>[]): void {
  let open: number | null = null
  let next = 0
  for (const event of events) {
    if (event.type === 'content_block_start') {
      expect(open).toBeNull()
      expect(event.index).toBe(next++)
      open = event.index
    } else if (event.type === 'content_block_delta') expect(event.index).toBe(open!)
    else if (event.type === 'content_block_stop') {
      expect(event.index).toBe(open!)
      open = null
    }
  }
  // A failed stream ends with an `error` event wherever it is, as Anthropic's does.
  if (events.at(-1)?.type !== 'error') expect(open).toBeNull()
}

describe('Messages encoder: one content block at a time', () => {
  test.each(names)('%s', async (name) => expectOneAtATime(encode(await canonical(name))))

  test('calls interleaved by index upstream come out whole, one after another, in order', async () => {
    const events = await canonical('parallel-tool-calls-interleaved')
    // The canonical items overlap here: the first call's arguments were partial when the second began.
    const added = events.findIndex((event) => event.type === 'response.output_item.added' && event.output_index === 1)
    const firstDone = events.findIndex((event) => event.type === 'response.output_item.done' && event.output_index === 0)
    expect(added).toBeLessThan(firstDone)
    const out = encode(events)
    const inputs: Record<number, string> = {}
    for (const event of out) if (event.type === 'content_block_delta') inputs[event.index] = (inputs[event.index] ?? '') + event.delta.partial_json
    expect(out.filter((event) => event.type === 'content_block_start').map((event) => event.content_block.id)).toEqual(['call_a', 'call_b'])
    expect(inputs).toEqual({ 0: '{"cmd":"pwd"}', 1: '{"cmd":"date"}' })
    expect(out.at(-1)!.type).toBe('message_stop')
  })

  test('text that arrives while a call is open waits for it; a custom call finishing meanwhile too', () => {
    const encoder = createMessagesEncoder({ model: 'm', id: 'msg_x' })
    const item = (output_index: number, item: Record<string, unknown>, done = false) => ({ type: done ? 'response.output_item.done' : 'response.output_item.added', output_index, item }) as unknown as ResponsesEvent
    const call = { type: 'function_call', id: 'fc', call_id: 'call_a', name: 'f', arguments: '' }
    const message = { type: 'message', id: 'msg', role: 'assistant', content: [] }
    const custom = { type: 'custom_tool_call', id: 'ctc', call_id: 'call_c', name: 'apply_patch', input: 'x' }
    const events = [
      { type: 'response.created', response: { usage: null } },
      item(0, call),
      { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc', delta: '{"a":' },
      item(1, message),
      { type: 'response.output_text.delta', output_index: 1, item_id: 'msg', content_index: 0, delta: 'hi' },
      item(2, custom),
      item(2, custom, true),
      { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc', delta: '1}' },
      item(0, { ...call, arguments: '{"a":1}' }, true),
      item(1, { ...message, content: [{ type: 'output_text', text: 'hi' }] }, true),
      { type: 'response.completed', response: { status: 'completed', output: [], usage: null } },
    ] as unknown as ResponsesEvent[]
    const out = events.flatMap(encoder).map((event) => JSON.parse(event.data))
    expectOneAtATime(out)
    expect(out.filter((event) => event.type === 'content_block_start').map((event) => event.content_block.type)).toEqual(['tool_use', 'text', 'tool_use'])
    expect(out.at(-2)!.delta.stop_reason).toBe('tool_use')
  })
})
