/**
 * One misbehaving upstream for the fault-injection suite. It speaks the three
 * wire formats the shim talks to (Chat Completions chunks, Anthropic Messages
 * events, the ChatGPT backend's Responses events) and answers each request
 * with a scripted fault: an HTTP error with or without `retry-after`, no
 * headers at all, a stream that closes or is reset mid-answer, a mid-stream
 * error event, garbage and invalid JSON lines, one 10 MB event, silence, or
 * an endless stream that only produces as fast as it is read.
 */
import type { Json } from './chat-upstream.ts'

export type Wire = 'chat' | 'anthropic' | 'chatgpt'

export type Fault =
  | { kind: 'ok'; text?: string }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'no-headers' }
  | { kind: 'close-mid-stream' }
  | { kind: 'reset-mid-stream' }
  | { kind: 'error-event' }
  | { kind: 'malformed' }
  | { kind: 'huge-event'; bytes: number }
  | { kind: 'silent-mid-stream' }
  | { kind: 'endless'; eventBytes: number }

export const UPSTREAM_ERROR_MESSAGE = 'Upstream overloaded mid-answer'

const sse = (event: string | null, data: Json | string) => `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`

/** The wire text of an answer, cut into the pieces each fault needs. */
export interface WireScript {
  start: string
  delta: (text: string) => string
  finish: (text: string) => string
  errorEvent: string
  errorBody: (status: number) => Json
}

const chunk = (delta: Json, finish: string | null = null) => ({ id: 'chatcmpl-f', object: 'chat.completion.chunk', created: 1_790_000_000, model: 'fake-model', choices: [{ index: 0, delta, finish_reason: finish }] })

export const WIRES: Record<Wire, WireScript> = {
  chat: {
    start: sse(null, chunk({ role: 'assistant', content: '' })),
    delta: (text) => sse(null, chunk({ content: text })),
    finish: () => sse(null, chunk({}, 'stop')) + sse(null, { ...chunk({}), choices: [], usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } }) + sse(null, '[DONE]'),
    errorEvent: sse(null, { error: { message: UPSTREAM_ERROR_MESSAGE, type: 'server_error', code: null } }),
    errorBody: (status) => ({ error: { message: `upstream said ${status}`, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }),
  },
  anthropic: {
    start:
      sse('message_start', { type: 'message_start', message: { id: 'msg_f', type: 'message', role: 'assistant', model: 'claude-fake', content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } }) +
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    delta: (text) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
    finish: () =>
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }) +
      sse('message_stop', { type: 'message_stop' }),
    errorEvent: sse('error', { type: 'error', error: { type: 'overloaded_error', message: UPSTREAM_ERROR_MESSAGE } }),
    errorBody: (status) => ({ type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message: `upstream said ${status}` } }),
  },
  chatgpt: {
    start:
      sse('response.created', { type: 'response.created', response: { id: 'resp_f', status: 'in_progress', output: [] } }) +
      sse('response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: 'msg_f', role: 'assistant', status: 'in_progress', content: [] } }) +
      sse('response.content_part.added', { type: 'response.content_part.added', item_id: 'msg_f', output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } }),
    delta: (text) => sse('response.output_text.delta', { type: 'response.output_text.delta', item_id: 'msg_f', output_index: 0, content_index: 0, delta: text }),
    finish: (text) =>
      sse('response.output_item.done', { type: 'response.output_item.done', output_index: 0, item: { type: 'message', id: 'msg_f', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] } }) +
      sse('response.completed', { type: 'response.completed', response: { id: 'resp_f', status: 'completed', output: [], usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 } } }),
    errorEvent: sse('response.failed', { type: 'response.failed', response: { id: 'resp_f', status: 'failed', output: [], error: { code: 'server_error', message: UPSTREAM_ERROR_MESSAGE } } }),
    errorBody: (status) => ({ detail: `upstream said ${status}` }),
  },
}

export interface FaultUpstream {
  /** Base URL for settings (`…/v1`) or the ChatGPT backend. */
  base: string
  /** A second port whose connections are reset mid-answer (raw TCP). */
  resetBase: string
  requests: number
  /** Upstream responses whose reader went away (the shim aborted them). */
  aborted: number
  /** Bytes the endless stream has produced so far. */
  produced: number
  /** The fault for the next request; `queue` is consumed first (e.g. one 503, then the answer). */
  fault: Fault
  queue: Fault[]
  close: () => void
}

/** The answer as one JSON object, for a request with stream: false. */
function wholeAnswer(wire: Exclude<Wire, 'chatgpt'>, text: string): Json {
  if (wire === 'chat') return { id: 'chatcmpl-fault', object: 'chat.completion', created: 1, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }
  return { id: 'msg_fault', type: 'message', role: 'assistant', model: 'claude-fake', content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 2 } }
}

function wireFor(path: string): Wire {
  if (path.endsWith('/chat/completions')) return 'chat'
  if (path.endsWith('/messages')) return 'anthropic'
  return 'chatgpt'
}

export function startFaultUpstream(): FaultUpstream {
  const state: FaultUpstream = { base: '', resetBase: '', requests: 0, aborted: 0, produced: 0, fault: { kind: 'ok' }, queue: [], close: () => {} }
  const encoder = new TextEncoder()
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname
      // The ChatGPT model list is not under test here: answer it plainly, uncounted.
      if (request.method === 'GET') return Response.json({ models: [] })
      const sent = (await request.json().catch(() => ({}))) as { stream?: unknown; model?: string }
      state.requests++
      const wire = wireFor(path)
      const script = WIRES[wire]
      const fault = state.queue.shift() ?? state.fault
      const headers = { 'content-type': 'text/event-stream' }
      switch (fault.kind) {
        case 'status':
          return Response.json(script.errorBody(fault.status), { status: fault.status, headers: fault.headers })
        case 'no-headers':
          request.signal.addEventListener('abort', () => state.aborted++)
          return new Promise<Response>(() => {})
        case 'ok':
          // The backend's compaction answers one JSON object, as the real one does.
          if (path.endsWith('/responses/compact')) return Response.json({ id: 'resp_compact', object: 'response.compaction', output: [{ type: 'compaction', id: 'cmp_1', encrypted_content: 'opaque-compaction' }], usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 } })
          // Asked for one object (the chat and Messages APIs honour stream: false; the ChatGPT backend only streams).
          if (sent.stream !== true && wire !== 'chatgpt') return Response.json(wholeAnswer(wire, fault.text ?? 'Hello'))
          return new Response(script.start + script.delta(fault.text ?? 'Hel') + script.delta('lo') + script.finish('Hello'), { headers })
        case 'close-mid-stream':
          return new Response(script.start + script.delta('Hel') + script.delta('lo'), { headers })
        case 'error-event':
          return new Response(script.start + script.delta('Hel') + script.errorEvent, { headers })
        case 'malformed':
          return new Response(
            script.start + 'this line is not SSE at all\n\n' + script.delta('Hel') + 'data: {"half": \n\n' + ': a comment\n\n' + 'data: not json either\n\n' + script.delta('lo') + script.finish('Hello'),
            { headers },
          )
        case 'huge-event': {
          const big = 'x'.repeat(fault.bytes)
          return new Response(script.start + script.delta(big) + script.finish(big), { headers })
        }
        case 'silent-mid-stream':
          return new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(encoder.encode(script.start + script.delta('Hel')))
              },
              cancel() {
                state.aborted++
              },
            }),
            { headers },
          )
        case 'endless': {
          const event = encoder.encode(script.delta('y'.repeat(fault.eventBytes)))
          let sentStart = false
          return new Response(
            new ReadableStream(
              {
                pull(controller) {
                  if (!sentStart) {
                    sentStart = true
                    controller.enqueue(encoder.encode(script.start))
                  }
                  state.produced += event.byteLength
                  controller.enqueue(event)
                },
                cancel() {
                  state.aborted++
                },
              },
              { highWaterMark: 0 },
            ),
            { headers },
          )
        }
        case 'reset-mid-stream':
          return new Response('use resetBase for this fault', { status: 500 })
      }
    },
  })
  // Bun.serve always ends a response cleanly; a reset needs a raw socket.
  const answered = new WeakSet<object>()
  const raw = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket, data) {
        if (answered.has(socket)) return
        answered.add(socket)
        state.requests++
        const head = data.toString('latin1')
        const path = head.slice(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1))
        const script = WIRES[wireFor(path)]
        const payload = script.start + script.delta('Hel') + script.delta('lo')
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n')
        socket.write(`${Buffer.byteLength(payload).toString(16)}\r\n${payload}\r\n`)
        setTimeout(() => socket.terminate(), 20)
      },
      open() {},
      close() {},
      error() {},
    },
  })
  state.base = `http://127.0.0.1:${server.port}/v1`
  state.resetBase = `http://127.0.0.1:${raw.port}/v1`
  state.close = () => {
    server.stop(true)
    raw.stop(true)
  }
  return state
}
