import { describe, expect, test } from 'bun:test'
import { decodeBody, streamOf } from '../../../src/canonical/decode.ts'
import type { ResponsesEvent, ResponseTerminalEvent } from '../../../src/canonical/types.ts'
import { createChatChunkEncoder } from '../../../src/dialects/chat/from-events.ts'
import { createMessagesEncoder } from '../../../src/dialects/messages/from-events.ts'
import { createResponsesDecoder } from '../../../src/dialects/responses/stream.ts'
import { collect } from '../../support/golden.ts'

/**
 * Hand-written (no capture has all of these in one answer): a ChatGPT-backend
 * style stream with its housekeeping (`keepalive`, `codex.rate_limits`), a
 * hosted web search's progress events, a refusal part, raw reasoning text and
 * an event type the Responses API does not define.
 */
const sse = (value: Record<string, unknown>) => `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`
const created = { id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-x', output: [] }
const search = { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'bun' } }
const message = { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'hi', annotations: [] }] }
const UPSTREAM: Record<string, unknown>[] = [
  { type: 'response.created', sequence_number: 0, response: created },
  { type: 'keepalive' },
  { type: 'codex.rate_limits', primary: { used_percent: 3 } },
  { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...search, status: 'in_progress' } },
  { type: 'response.web_search_call.in_progress', sequence_number: 2, output_index: 0, item_id: 'ws_1' },
  { type: 'response.web_search_call.searching', sequence_number: 3, output_index: 0, item_id: 'ws_1' },
  { type: 'response.invented_by_a_future_api.delta', sequence_number: 4, delta: 'x' },
  { type: 'response.web_search_call.completed', sequence_number: 5, output_index: 0, item_id: 'ws_1' },
  { type: 'response.output_item.done', sequence_number: 6, output_index: 0, item: search },
  { type: 'response.output_item.added', sequence_number: 7, output_index: 1, item: { ...message, status: 'in_progress', content: [] } },
  { type: 'response.reasoning_text.delta', sequence_number: 8, output_index: 1, item_id: 'msg_1', content_index: 0, delta: 'raw' },
  { type: 'response.content_part.added', sequence_number: 9, output_index: 1, item_id: 'msg_1', content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
  { type: 'response.output_text.delta', sequence_number: 10, output_index: 1, item_id: 'msg_1', content_index: 0, delta: 'hi', logprobs: [] },
  { type: 'response.refusal.delta', sequence_number: 11, output_index: 1, item_id: 'msg_1', content_index: 1, delta: 'no' },
  { type: 'response.output_item.done', sequence_number: 12, output_index: 1, item: message },
  // The ChatGPT backend's terminal event carries no output: the decoder fills it from the committed items.
  { type: 'response.completed', sequence_number: 13, response: { ...created, status: 'completed', output: [], usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 } } },
]

async function decode(lines: string): Promise<ResponsesEvent[]> {
  return collect(decodeBody(streamOf([new TextEncoder().encode(lines)]), (emit) => createResponsesDecoder(emit, { model: 'gpt-x' })).events())
}

describe('Responses upstream → canonical events', () => {
  test('housekeeping and types the API lacks are dropped; the rest passes as it came', async () => {
    const events = await decode(UPSTREAM.map(sse).join('') + 'data: not json\n\n: comment\n\n')
    const expected = UPSTREAM.filter((event) => !['keepalive', 'codex.rate_limits', 'response.invented_by_a_future_api.delta'].includes(event.type as string))
    expect(events.slice(0, -1)).toEqual(expected.slice(0, -1) as ResponsesEvent[])
    const completed = events.at(-1)!
    expect(completed.type).toBe('response.completed')
    expect((completed as ResponseTerminalEvent).response.output).toEqual([search, message])
  })

  test('an `error` event is not passed on; its message names the failure when the stream then ends', async () => {
    const events = await decode([UPSTREAM[0]!, { type: 'error', code: 'server_error', message: 'backend exploded' }].map(sse).join(''))
    expect(events.map((event): string => event.type)).not.toContain('error')
    const failed = events.at(-1) as ResponseTerminalEvent
    expect(failed.type).toBe('response.failed')
    expect(failed.response.error).toEqual({ code: 'server_error', message: 'The upstream reported an error: backend exploded' })
  })

  test.each([
    ['flat', { type: 'error', code: 'context_length_exceeded', message: 'Your input exceeds the context window.' }],
    ['nested', { type: 'error', error: { type: 'invalid_request_error', code: 'context_length_exceeded', message: 'Your input exceeds the context window.' } }],
  ])('an `error` event\'s code carries on into the failure, and its message, in the %s shape too', async (_shape, error) => {
    const failed = (await decode([UPSTREAM[0]!, error].map(sse).join(''))).at(-1) as ResponseTerminalEvent
    expect(failed.type).toBe('response.failed')
    expect(failed.response.error).toEqual({ code: 'context_length_exceeded', message: 'The upstream reported an error: Your input exceeds the context window.' })
  })

  test('translated clients see the same answer with or without the relayed events, and the refusal too', async () => {
    const events = await decode(UPSTREAM.map(sse).join(''))
    const quiet = events.filter((event) => !event.type.startsWith('response.web_search_call.'))
    expect(quiet.length).toBeLessThan(events.length)
    const chat = (list: ResponsesEvent[]) => {
      const encode = createChatChunkEncoder({ model: 'alias', includeUsage: true, id: 'chatcmpl_1', created: 1 })
      return list.flatMap(encode)
    }
    const messages = (list: ResponsesEvent[]) => {
      const encode = createMessagesEncoder({ model: 'alias', id: 'msg_x' })
      return list.flatMap(encode)
    }
    expect(chat(events)).toEqual(chat(quiet))
    expect(messages(events)).toEqual(messages(quiet))
    // A refusal is never dropped: Chat's own refusal field, Messages text.
    expect(chat(events).some((chunk) => chunk.data.includes('"refusal":"no"'))).toBe(true)
    expect(messages(events).some((chunk) => chunk.data.includes('"text":"no"'))).toBe(true)
    // Raw reasoning text still reaches both, as reasoning.
    expect(chat(events).some((chunk) => chunk.data.includes('"reasoning_content":"raw"'))).toBe(true)
    expect(messages(events).map((chunk) => chunk.event)).toContain('message_stop')
  })
})
