/**
 * A fast path's answer that fails after its 200 must still be recorded as failed: the watchdog tells
 * why (the upstream's own error event, a cut, silence) before the answer's end reaches the tracker,
 * and an answer that finished is told nothing (an audit found every such row a plain success).
 */
import { expect, test } from 'bun:test'
import { CHAT_PASSTHROUGH } from '../../src/dialects/chat/from-events.ts'
import { MESSAGES_PASSTHROUGH } from '../../src/dialects/messages/from-events.ts'
import { RESPONSES_PASSTHROUGH } from '../../src/dialects/responses/errors.ts'
import type { ShimError } from '../../src/errors.ts'
import { watchPassthrough, type PassthroughDialect } from '../../src/sse/watch.ts'

const CHAT_DELTA = 'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
const MESSAGES_DELTA = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}\n\n'
const RESPONSES_DELTA = 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hel"}\n\n'

/** The failures told and what the tracker saw, in order, for an upstream that sends `parts` (then `end`s). */
async function watched(dialect: PassthroughDialect, parts: string[], options: { end?: 'close' | 'silence' } = {}) {
  const seen: string[] = []
  const failures: ShimError[] = []
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(new TextEncoder().encode(part))
      if (options.end !== 'silence') controller.close()
    },
  })
  const tracker = { chunk: () => {}, end: () => seen.push('end') }
  const onFailure = (failure: ShimError) => (failures.push(failure), seen.push('failure'))
  await new Response(watchPassthrough(body, dialect, { idleTimeoutMs: options.end === 'silence' ? 50 : 0, tracker, onFailure })).text()
  return { failures, seen }
}

test.each([
  ['chat', CHAT_PASSTHROUGH, CHAT_DELTA + 'data: {"error":{"message":"Upstream overloaded","type":"server_error","code":null}}\n\n', 'server_error'],
  ['chat, its own code', CHAT_PASSTHROUGH, CHAT_DELTA + 'data: {"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}\n\n', 'rate_limit_exceeded'],
  ['messages', MESSAGES_PASSTHROUGH, MESSAGES_DELTA + 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n', 'overloaded_error'],
  ['responses', RESPONSES_PASSTHROUGH, RESPONSES_DELTA + 'event: response.failed\ndata: {"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"boom"}}}\n\n', 'server_error'],
])('%s: an answer ended by the upstream\'s error event is told, with its code, before the end', async (_name, dialect, stream, code) => {
  const { failures, seen } = await watched(dialect, [stream])
  expect(failures.map((failure) => failure.details.code)).toEqual([code])
  expect(seen).toEqual(['failure', 'end'])
})

test.each([
  ['chat', CHAT_PASSTHROUGH, CHAT_DELTA],
  ['messages', MESSAGES_PASSTHROUGH, MESSAGES_DELTA],
  ['responses', RESPONSES_PASSTHROUGH, RESPONSES_DELTA],
])('%s: an upstream that closes mid-answer or falls silent is told as the error sent to the client', async (_name, dialect, delta) => {
  const cut = await watched(dialect, [delta])
  expect(cut.failures.map((failure) => failure.kind)).toEqual(['upstream_stream'])
  expect(cut.seen).toEqual(['failure', 'end'])
  const silent = await watched(dialect, [delta], { end: 'silence' })
  expect(silent.failures.map((failure) => failure.kind)).toEqual(['upstream_timeout'])
})

test('responses: a bare error event then the end is told once, with the code it carried', async () => {
  const error = 'event: error\ndata: {"type":"error","code":"context_length_exceeded","message":"Too long."}\n\n'
  const { failures } = await watched(RESPONSES_PASSTHROUGH, [RESPONSES_DELTA, error])
  expect(failures.map((failure) => failure.details.code)).toEqual(['context_length_exceeded'])
})

test.each([
  ['chat', CHAT_PASSTHROUGH, 'data: {"choices":[{"index":0,"delta":{"content":"an error"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'],
  ['messages', MESSAGES_PASSTHROUGH, MESSAGES_DELTA + 'event: message_stop\ndata: {"type":"message_stop"}\n\n'],
  ['responses', RESPONSES_PASSTHROUGH, 'event: response.completed\ndata: {"type":"response.completed","response":{"status":"completed","error":null}}\n\n'],
])('%s: a finished answer is told no failure', async (_name, dialect, stream) => {
  expect((await watched(dialect, [stream])).failures).toEqual([])
})
