import { describe, expect, test } from 'bun:test'
import type { ResponsesEvent } from '../../src/canonical/types.ts'
import { createChatChunkEncoder } from '../../src/dialects/chat/from-events.ts'
import { createMessagesEncoder } from '../../src/dialects/messages/from-events.ts'

// Hand-written: the ways a Responses upstream may deliver a function call's arguments. The ChatGPT
// backend sends them only whole (on output_item.done); others on the added item, in deltas, or in
// deltas that stop short of function_call_arguments.done. Each client must end with the whole.
const ARGS = '{"cmd":"ls -la"}'
const call = (args: string) => ({ type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'exec_command', arguments: args, status: 'completed' })
const ref = { output_index: 0, item_id: 'fc_1' }
const completed = { type: 'response.completed', response: { id: 'resp_1', object: 'response', created_at: 1, model: 'm', status: 'completed', output: [] } }
const added = (args: string) => ({ type: 'response.output_item.added', output_index: 0, item: { ...call(args), status: 'in_progress' } })
const done = { type: 'response.output_item.done', output_index: 0, item: call(ARGS) }
const delta = (text: string) => ({ type: 'response.function_call_arguments.delta', ...ref, delta: text })
const argumentsDone = { type: 'response.function_call_arguments.done', ...ref, arguments: ARGS }
const SHAPES: [string, Record<string, unknown>[]][] = [
  ['only in output_item.done (the ChatGPT backend)', [added(''), done, completed]],
  ['only on the added item', [added(ARGS), done, completed]],
  ['deltas that stop short of function_call_arguments.done', [added(''), delta('{"cmd":'), argumentsDone, done, completed]],
  ['part on the added item, the rest whole', [added('{"cmd"'), argumentsDone, done, completed]],
  ['all in deltas (nothing sent twice)', [added(''), delta('{"cmd":'), delta('"ls -la"}'), argumentsDone, done, completed]],
  ['never announced: output_item.done alone', [done, completed]],
]

function chatArguments(events: Record<string, unknown>[]): string[] {
  const encode = createChatChunkEncoder({ model: 'm', includeUsage: false, id: 'chatcmpl_1', created: 1 })
  const chunks = (events as ResponsesEvent[]).flatMap(encode).filter((message) => message.data !== '[DONE]').map((message) => JSON.parse(message.data))
  const finish = chunks.findIndex((chunk) => chunk.choices[0]?.finish_reason)
  expect(chunks[finish]!.choices[0].finish_reason).toBe('tool_calls')
  // Every argument chunk comes before the finish chunk.
  const calls = chunks.slice(0, finish).flatMap((chunk) => chunk.choices[0].delta.tool_calls ?? [])
  expect(chunks.slice(finish).some((chunk) => chunk.choices[0]?.delta?.tool_calls)).toBe(false)
  expect(calls[0]).toMatchObject({ index: 0, id: 'call_1', type: 'function', function: { name: 'exec_command' } })
  return calls.map((part: { function: { arguments: string } }) => part.function.arguments)
}

function messagesInput(events: Record<string, unknown>[]): string[] {
  const encode = createMessagesEncoder({ model: 'm', id: 'msg_1' })
  const out = (events as ResponsesEvent[]).flatMap(encode).map((message) => JSON.parse(message.data))
  const start = out.findIndex((event) => event.type === 'content_block_start')
  const stop = out.findIndex((event) => event.type === 'content_block_stop')
  expect(out[start].content_block).toMatchObject({ type: 'tool_use', id: 'call_1', name: 'exec_command', input: {} })
  expect(out.at(-2).delta.stop_reason).toBe('tool_use')
  return out.slice(start, stop).filter((event) => event.type === 'content_block_delta').map((event) => event.delta.partial_json)
}

describe('a function call\'s arguments, however the upstream delivered them, reach a streamed client whole', () => {
  test.each(SHAPES)('Chat: %s', (_, events) => {
    expect(chatArguments(events).join('')).toBe(ARGS)
  })
  test.each(SHAPES)('Messages: %s', (_, events) => {
    expect(messagesInput(events).join('')).toBe(ARGS)
  })

  test('deltas that disagree with the whole are not taken back or doubled: what was sent stands', () => {
    const events = [added(''), delta('{"cmd":"pwd"}'), argumentsDone, done, completed]
    expect(chatArguments(events).join('')).toBe('{"cmd":"pwd"}')
    expect(messagesInput(events).join('')).toBe('{"cmd":"pwd"}')
  })
})
