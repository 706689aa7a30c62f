/**
 * The fast paths' watchdog knows an answer ended by the dialect's terminal event, and only by
 * one: the same words inside the answer's text, or an error event a client would not take as the
 * end, must not pass for it (a streaming audit found both).
 */
import { expect, test } from 'bun:test'
import { CHAT_PASSTHROUGH } from '../../src/dialects/chat/from-events.ts'
import { MESSAGES_PASSTHROUGH } from '../../src/dialects/messages/from-events.ts'
import { RESPONSES_PASSTHROUGH } from '../../src/dialects/responses/errors.ts'
import { watchPassthrough, type PassthroughDialect } from '../../src/sse/watch.ts'

async function through(dialect: PassthroughDialect, ...parts: string[]): Promise<string> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(new TextEncoder().encode(part))
      controller.close()
    },
  })
  return new Response(watchPassthrough(body, dialect, { idleTimeoutMs: 0 })).text()
}

test.each([
  ['chat', CHAT_PASSTHROUGH, 'data: {"choices":[{"index":0,"delta":{"content":"An SSE stream ends with data: [DONE] and then"}}]}\n\n', '"error"'],
  ['messages', MESSAGES_PASSTHROUGH, 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"streams end with event: message_stop, or event: error"}}\n\n', 'event: error'],
  ['responses', RESPONSES_PASSTHROUGH, 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"the end is event: response.completed"}\n\n', 'event: response.failed'],
])('%s: a terminal marker inside the answer\'s text does not pass for the end; the broken stream is reported', async (_name, dialect, event, failure) => {
  const out = await through(dialect, event)
  expect(out.startsWith(event)).toBe(true)
  expect(out.slice(event.length)).toContain(failure)
})

test.each([
  ['chat', CHAT_PASSTHROUGH, 'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n'],
  ['chat, CRLF and an id line first', CHAT_PASSTHROUGH, 'id: 1\r\ndata: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\r\n\r\nid: 2\r\ndata: [DONE]\r\n\r\n'],
  ['messages', MESSAGES_PASSTHROUGH, 'event: message_stop\ndata: {"type":"message_stop"}\n\n'],
  ['responses', RESPONSES_PASSTHROUGH, 'event: response.completed\ndata: {"type":"response.completed","response":{"status":"completed"}}\n\n'],
])('%s: the real terminal event still ends the answer cleanly', async (_name, dialect, stream) => {
  expect(await through(dialect, stream)).toBe(stream)
})

test('responses: a bare error event then the end becomes response.failed carrying its message and code (Codex ignores bare error events)', async () => {
  const error = 'event: error\ndata: {"type":"error","code":"context_length_exceeded","message":"Your input exceeds the context window.","param":null}\n\n'
  const out = await through(RESPONSES_PASSTHROUGH, 'event: response.created\ndata: {"type":"response.created","response":{}}\n\n', error)
  const failed = out.split('\n\n').find((event) => event.startsWith('event: response.failed'))!
  const data = JSON.parse(failed.slice(failed.indexOf('data: ') + 6))
  expect(data.response.error).toEqual({ code: 'context_length_exceeded', message: 'Your input exceeds the context window.' })
})

/** Like `through`, but the upstream's connection breaks after the parts (a reset). */
async function throughBroken(dialect: PassthroughDialect, ...parts: string[]): Promise<string> {
  const queue = [...parts]
  const body = new ReadableStream<Uint8Array>({
    // One part per read, then the error (an error raised at once would drop the parts still queued).
    pull(controller) {
      const part = queue.shift()
      if (part !== undefined) controller.enqueue(new TextEncoder().encode(part))
      else controller.error(Object.assign(new Error('The socket connection was closed unexpectedly.'), { code: 'ECONNRESET' }))
    },
  })
  return new Response(watchPassthrough(body, dialect, { idleTimeoutMs: 0 })).text()
}

const CUT_TERMINALS = [
  ['chat', CHAT_PASSTHROUGH, 'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n', 'data: {"choices":[{"index":0,"delta":{},"finish_rea', 'data: {"error"'],
  ['messages', MESSAGES_PASSTHROUGH, 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n', 'event: message_stop\ndata: ', 'event: error'],
  ['responses', RESPONSES_PASSTHROUGH, 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"hi"}\n\n', 'event: response.completed\ndata: {"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":10,"output_tokens"', 'event: response.failed'],
] as const

test.each(CUT_TERMINALS)('%s: an upstream that closes partway through its terminal event is reported, and the half event is not sent', async (_name, dialect, whole, half, failure) => {
  const out = await through(dialect, whole, half)
  expect(out.startsWith(whole)).toBe(true)
  expect(out).not.toContain(half)
  expect(out.slice(whole.length).startsWith(failure)).toBe(true)
})

test.each(CUT_TERMINALS)('%s: a connection that breaks partway through an event ends in the failure event alone, with no half event before it', async (_name, dialect, whole, half, failure) => {
  const out = await throughBroken(dialect, whole, half)
  expect(out.startsWith(whole)).toBe(true)
  expect(out).not.toContain(half)
  // What follows the whole events is the client's own failure event alone (Chat's closes with [DONE]).
  const rest = out.slice(whole.length)
  expect(rest.startsWith(failure)).toBe(true)
  expect(rest.trimEnd().split(/\n\n/).filter((event) => event !== 'data: [DONE]')).toHaveLength(1)
})

test.each([
  ['chat', CHAT_PASSTHROUGH, 'data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n', 'data: [DONE]'],
  ['messages', MESSAGES_PASSTHROUGH, 'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n', 'event: message_stop\ndata: {"type":"message_stop"}\n'],
  ['responses', RESPONSES_PASSTHROUGH, 'event: response.output_text.done\ndata: {"type":"response.output_text.done","text":"hi"}\n\n', 'event: response.completed\ndata: {"type":"response.completed","response":{"status":"completed"}}'],
])('%s: a last event that is whole but for its blank line goes out with it, and the answer ends cleanly', async (_name, dialect, before, last) => {
  const out = await through(dialect, before, last)
  expect(out).toBe(`${before}${last}${last.endsWith('\n') ? '\n' : '\n\n'}`)
})

test('the tail of an event too large to hold, already partly sent, goes on whole at the end (not held back)', async () => {
  const event = `event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response: { id: 'r', status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'a'.repeat(200) }] }] } })}\n`
  const parts = ['event: response.created\ndata: {"type":"response.created"}\n\n', event.slice(0, -50), event.slice(-50)]
  const body = new ReadableStream<Uint8Array>({ start(controller) { for (const part of parts) controller.enqueue(new TextEncoder().encode(part)); controller.close() } })
  const out = await new Response(watchPassthrough(body, RESPONSES_PASSTHROUGH, { idleTimeoutMs: 0, maxHeldBytes: 100 })).text()
  expect(out).toBe(parts.join(''))
})

test.each([
  ['messages', MESSAGES_PASSTHROUGH, 'event:message_delta\ndata: {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}\n\nevent:message_stop\ndata: {"type": "message_stop"}\n\n'],
  ['responses', RESPONSES_PASSTHROUGH, 'event:response.completed\ndata: {"type": "response.completed", "response": {"status": "completed"}}\n\n'],
  ['responses, CRLF', RESPONSES_PASSTHROUGH, 'event:response.completed\r\ndata: {"type": "response.completed", "response": {"status": "completed"}}\r\n\r\n'],
])('%s: a terminal event spelled `event:` without its space, with spaced JSON, ends the answer cleanly (no error appended)', async (_name, dialect, stream) => {
  expect(await through(dialect, stream)).toBe(stream)
})

test('messages: those spellings inside the answer\'s text still do not pass for the end', async () => {
  const event = 'event:content_block_delta\ndata: {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "ends with \\"type\\": \\"message_stop\\" after\\nevent:message_stop"}}\n\n'
  const out = await through(MESSAGES_PASSTHROUGH, event)
  expect(out.slice(event.length)).toContain('event: error')
})
