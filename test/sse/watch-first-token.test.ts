/**
 * What a fast path tells its tracker of the first token, per dialect: the first delta with content
 * (as the translated routes count a canonical delta), never a stream's preamble or an error event.
 */
import { expect, test } from 'bun:test'
import { CHAT_PASSTHROUGH } from '../../src/dialects/chat/from-events.ts'
import { MESSAGES_PASSTHROUGH } from '../../src/dialects/messages/from-events.ts'
import { RESPONSES_PASSTHROUGH } from '../../src/dialects/responses/errors.ts'
import { isTokenEvent, watchPassthrough, type PassthroughDialect } from '../../src/sse/watch.ts'

/** The `firstToken` flag of each chunk the tracker was told of, one upstream read per part. */
async function flags(dialect: PassthroughDialect, parts: string[]): Promise<boolean[]> {
  const queue = [...parts]
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = queue.shift()
      if (part === undefined) controller.close()
      else controller.enqueue(new TextEncoder().encode(part))
    },
  })
  const seen: boolean[] = []
  await new Response(watchPassthrough(body, dialect, { idleTimeoutMs: 0, tracker: { chunk: (_size, firstToken) => seen.push(firstToken === true), end: () => {} } })).text()
  return seen
}

const chat = (delta: object) => `data: ${JSON.stringify({ choices: [{ index: 0, delta }] })}\n\n`
const event = (data: { type: string }) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`

test('chat: the role chunk is preamble; the first content is the token, told once', async () => {
  expect(await flags(CHAT_PASSTHROUGH, [chat({ role: 'assistant', content: '' }), chat({ content: 'Hel' }), chat({ content: 'lo' }) + 'data: [DONE]\n\n'])).toEqual([false, true, false])
})

test('messages: message_start is preamble; the first content_block_delta is the token', async () => {
  expect(await flags(MESSAGES_PASSTHROUGH, [event({ type: 'message_start' }) + event({ type: 'content_block_start' }), event({ type: 'content_block_delta' }), event({ type: 'message_stop' })])).toEqual([false, true, false])
})

test.each([
  ['chat', CHAT_PASSTHROUGH, [chat({ role: 'assistant', content: '' }), 'data: {"error":{"message":"boom","type":"server_error","code":null}}\n\n']],
  ['messages', MESSAGES_PASSTHROUGH, [event({ type: 'message_start' }), 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n']],
  ['responses', RESPONSES_PASSTHROUGH, [event({ type: 'response.created' }), 'event: response.failed\ndata: {"type":"response.failed","response":{"error":{"code":"server_error","message":"boom"}}}\n\n']],
  ['chat, cut before a token', CHAT_PASSTHROUGH, [chat({ role: 'assistant', content: '' })]],
] as const)('%s: an answer that fails before any token tells no first token', async (_name, dialect, parts) => {
  expect(await flags(dialect, [...parts])).not.toContain(true)
})

test.each([
  [{ type: 'response.output_text.delta', delta: 'x' }, true],
  [{ type: 'response.function_call_arguments.delta', delta: '{' }, true],
  [{ type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '' } }, true],
  [{ type: 'message_delta', delta: { stop_reason: 'end_turn' } }, false],
  [{ choices: [{ delta: { tool_calls: [{ index: 0 }] } }] }, true],
  [{ choices: [{ delta: { reasoning_content: 'hm' } }] }, true],
  [{ choices: [{ delta: {}, finish_reason: 'stop' }] }, false],
  [{ error: { message: 'delta' } }, false],
])('isTokenEvent(%j) is %p', (data, token) => {
  expect(isTokenEvent(data)).toBe(token)
})
