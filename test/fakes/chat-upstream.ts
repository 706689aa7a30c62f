/**
 * A fake OpenAI-compatible Chat Completions server. It validates requests as
 * the real API does (roles, tool_call ids answered by tool messages right
 * after, no unknown fields, tools only with their companions) and answers
 * with scripted streams that include the awkward parts real upstreams send:
 * arguments split over many chunks, usage in a trailing chunk with no
 * choices, `[DONE]`, errors after a 200.
 */

export type Json = Record<string, any>

export type ChatReply =
  | { kind: 'stream'; chunks: Json[]; done?: boolean; delayMs?: number; hangAfter?: boolean; pauseAfter?: number; resume?: Promise<void>; headers?: Record<string, string> }
  | { kind: 'raw'; body: string; status?: number; headers?: Record<string, string>; delayMs?: number }
  | { kind: 'error'; status: number; body: Json | string; headers?: Record<string, string> }
  | { kind: 'hang' }

export interface RecordedRequest {
  body: Json
  headers: Record<string, string>
  path: string
}

const KNOWN_FIELDS = new Set([
  'model', 'messages', 'stream', 'stream_options', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_tokens',
  'max_completion_tokens', 'temperature', 'top_p', 'reasoning_effort', 'verbosity', 'response_format', 'prompt_cache_key',
  'service_tier', 'stop', 'seed', 'n', 'user', 'metadata', 'frequency_penalty', 'presence_penalty', 'logprobs', 'top_logprobs',
])

/** Returns the first reason the real API would reject this body, or null. */
export function validateChatRequest(body: Json): string | null {
  for (const key of Object.keys(body)) if (!KNOWN_FIELDS.has(key)) return `Unrecognized request argument supplied: ${key}`
  if (typeof body.model !== 'string' || !body.model) return 'you must provide a model parameter'
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "'messages' must be a non-empty array"
  if (body.stream_options && body.stream !== true) return 'stream_options is only allowed when stream is true'
  if (body.parallel_tool_calls !== undefined && !body.tools?.length) return "parallel_tool_calls is only allowed when 'tools' are specified"
  if (body.tool_choice !== undefined && !body.tools?.length) return "tool_choice is only allowed when 'tools' are specified"
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (tool.type !== 'function' || typeof tool.function?.name !== 'string') return `tools[${i}]: expected {type:"function", function:{name}}`
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.function.name)) return `tools[${i}].function.name: '${tool.function.name}' does not match '^[a-zA-Z0-9_-]{1,64}$'`
    if (tool.function.parameters && tool.function.parameters.type !== 'object') return `tools[${i}].function.parameters must be an object schema`
  }
  let awaiting: string[] = []
  for (const [i, message] of body.messages.entries()) {
    const role = message.role
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(role)) return `messages[${i}].role: invalid value '${role}'`
    for (const key of Object.keys(message)) {
      if (!['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'reasoning_content', 'refusal', 'annotations', 'audio', 'function_call'].includes(key)) return `messages[${i}]: unknown field ${key}`
    }
    if (role === 'tool') {
      if (!awaiting.includes(message.tool_call_id)) return `messages[${i}]: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'`
      awaiting = awaiting.filter((id) => id !== message.tool_call_id)
      if (typeof message.content !== 'string') return `messages[${i}].content: tool content must be a string here`
      continue
    }
    if (awaiting.length) return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${awaiting.join(', ')}`
    if (role === 'assistant') {
      if (message.content !== null && message.content !== undefined && typeof message.content !== 'string') return `messages[${i}].content: assistant content must be a string or null`
      if (!message.content && !message.tool_calls?.length) return `messages[${i}]: assistant message needs content or tool_calls`
      for (const call of message.tool_calls ?? []) {
        if (typeof call.id !== 'string' || call.type !== 'function' || typeof call.function?.arguments !== 'string') return `messages[${i}].tool_calls: malformed call`
        awaiting.push(call.id)
      }
    } else if (role === 'user') {
      if (Array.isArray(message.content)) {
        for (const part of message.content) if (!['text', 'image_url', 'file'].includes(part.type)) return `messages[${i}].content: invalid part type '${part.type}'`
      } else if (typeof message.content !== 'string') return `messages[${i}].content must be a string or an array`
    } else if (typeof message.content !== 'string') return `messages[${i}].content must be a string`
  }
  if (awaiting.length) return `tool_call_ids without response messages: ${awaiting.join(', ')}`
  return null
}

// ---- reply builders ---------------------------------------------------------

let counter = 0
const base = () => ({ id: `chatcmpl-fake${++counter}`, object: 'chat.completion.chunk', created: 1_790_000_000, model: 'fake-model' })

export function chunk(delta: Json, finish: string | null = null): Json {
  return { ...base(), choices: [{ index: 0, delta, finish_reason: finish }] }
}

export function usageChunk(prompt = 100, completion = 20, extra: Json = {}): Json {
  return { ...base(), choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...extra } }
}

/** Splits a string into pieces of at most `size` characters. */
export function pieces(text: string, size: number): string[] {
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out.length ? out : ['']
}

export function textReply(text: string, options: { size?: number; reasoning?: string } = {}): Json[] {
  return [
    chunk({ role: 'assistant', content: '' }),
    ...(options.reasoning ? pieces(options.reasoning, 7).map((piece) => chunk({ reasoning_content: piece })) : []),
    ...pieces(text, options.size ?? 5).map((piece) => chunk({ content: piece })),
    chunk({}, 'stop'),
    usageChunk(),
  ]
}

/** Tool calls with their arguments split into small pieces, the way OpenAI streams them. */
export function toolCallReply(calls: { id: string; name: string; arguments: Json | string }[], options: { size?: number; text?: string } = {}): Json[] {
  const out: Json[] = [chunk({ role: 'assistant', content: null })]
  if (options.text) for (const piece of pieces(options.text, 6)) out.push(chunk({ content: piece }))
  calls.forEach((call, index) => {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)
    out.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }))
    for (const piece of pieces(args, options.size ?? 4)) out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }))
  })
  out.push(chunk({}, 'tool_calls'), usageChunk(200, 30))
  return out
}

export function stream(chunks: Json[], options: Omit<Extract<ChatReply, { kind: 'stream' }>, 'kind' | 'chunks'> = {}): ChatReply {
  return { kind: 'stream', chunks, ...options }
}

// ---- the server ---------------------------------------------------------------

export interface FakeChatUpstream {
  url: string
  requests: RecordedRequest[]
  /** Requests whose client went away before the reply finished. */
  aborted: number
  close: () => void
}

export function startFakeChatUpstream(respond: (body: Json, index: number) => ChatReply | Promise<ChatReply>): FakeChatUpstream {
  const requests: RecordedRequest[] = []
  const state = { aborted: 0 }
  const encoder = new TextEncoder()
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      if (request.method !== 'POST' || !url.pathname.endsWith('/chat/completions')) return Response.json({ error: { message: 'not found' } }, { status: 404 })
      const body = (await request.json()) as Json
      const headers = Object.fromEntries(request.headers)
      requests.push({ body, headers, path: url.pathname })
      const invalid = validateChatRequest(body)
      if (invalid) return Response.json({ error: { message: invalid, type: 'invalid_request_error', param: null, code: null } }, { status: 400 })
      const reply = await respond(body, requests.length - 1)
      if (reply.kind === 'error') {
        const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
        return new Response(payload, { status: reply.status, headers: { 'content-type': 'application/json', ...reply.headers } })
      }
      if (reply.kind === 'hang') {
        request.signal.addEventListener('abort', () => state.aborted++)
        return new Promise<Response>(() => {})
      }
      if (reply.kind === 'raw') {
        if (reply.delayMs) await Bun.sleep(reply.delayMs)
        return new Response(reply.body, { status: reply.status ?? 200, headers: { 'content-type': 'text/event-stream', ...reply.headers } })
      }
      if (body.stream !== true) return Response.json(completionOf(reply.chunks))
      let cancelled = false
      // As OpenAI: the usage-only chunk comes only when stream_options.include_usage asks for it.
      const includeUsage = body.stream_options?.include_usage === true
      const body$ = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const [index, item] of reply.chunks.entries()) {
            if (cancelled) return
            if (!includeUsage && item.usage && Array.isArray(item.choices) && item.choices.length === 0) continue
            if (reply.pauseAfter === index && reply.resume) await reply.resume
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(item)}\n\n`))
            if (reply.delayMs) await Bun.sleep(reply.delayMs)
          }
          if (reply.done !== false) controller.enqueue(encoder.encode('data: [DONE]\n\n'))
          if (reply.hangAfter) return
          controller.close()
        },
        cancel() {
          cancelled = true
          state.aborted++
        },
      })
      return new Response(body$, { headers: { 'content-type': 'text/event-stream', ...reply.headers } })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    requests,
    get aborted() {
      return state.aborted
    },
    close: () => server.stop(true),
  }
}

/**
 * An upstream that answers 200, sends the given SSE payloads, then cuts the
 * TCP connection (a reset, not a clean end): what a crashed or restarted
 * provider looks like. Raw TCP, because Bun.serve always ends responses cleanly.
 */
export function startResettingUpstream(chunks: Json[]): { url: string; close: () => void } {
  const server = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket) {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n')
        for (const item of chunks) {
          const payload = `data: ${JSON.stringify(item)}\n\n`
          socket.write(`${Buffer.byteLength(payload).toString(16)}\r\n${payload}\r\n`)
        }
        setTimeout(() => socket.terminate(), 20)
      },
      open() {},
      close() {},
      error() {},
    },
  })
  return { url: `http://127.0.0.1:${server.port}/v1`, close: () => server.stop(true) }
}

/** What the real API returns for `stream: false`: the chunks folded into one chat.completion. */
export function completionOf(chunks: Json[]): Json {
  let content = ''
  let reasoning = ''
  let finish: string | null = null
  let usage: Json | null = null
  const calls: Json[] = []
  for (const item of chunks) {
    if (item.usage) usage = item.usage
    const choice = item.choices?.[0]
    if (!choice) continue
    const delta = choice.delta ?? {}
    content += delta.content ?? ''
    reasoning += delta.reasoning_content ?? ''
    for (const piece of delta.tool_calls ?? []) {
      const call = (calls[piece.index] ??= { id: piece.id, type: 'function', function: { name: '', arguments: '' } })
      call.function.name += piece.function?.name ?? ''
      call.function.arguments += piece.function?.arguments ?? ''
    }
    finish = choice.finish_reason ?? finish
  }
  const message: Json = { role: 'assistant', content: content || null, refusal: null }
  if (reasoning) message.reasoning_content = reasoning
  if (calls.length) message.tool_calls = calls
  return { id: 'chatcmpl-fake', object: 'chat.completion', created: 1_790_000_000, model: 'fake-model', choices: [{ index: 0, message, finish_reason: finish ?? 'stop' }], usage }
}
