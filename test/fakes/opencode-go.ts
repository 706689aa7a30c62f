/**
 * A fake OpenCode Go (`https://opencode.ai/zen/go/v1`, spec/integrations.md §3).
 * It checks the key (Bearer on /models and /chat/completions, x-api-key on
 * /messages), refuses any inference request without `x-opencode-session` with
 * the real `MissingSessionID` body, validates bodies like the real wires
 * (chat-upstream.ts and anthropic-upstream.ts validators), and serves each
 * model on chat, messages, both, or answers 429 / 500 / hangs, on cue.
 * Streaming requests (a real client through the shim) go to a script.
 * Error bodies other than MissingSessionID are hand-written (no capture).
 */
import type { MessagesReply } from './anthropic-upstream.ts'
import { validateMessagesRequest } from './anthropic-upstream.ts'
import { completionOf, validateChatRequest, type ChatReply, type Json } from './chat-upstream.ts'

/** How one endpoint treats a model. */
export type Serving = 'ok' | 'reject' | 'rate-limit' | 'server-error' | 'hang'

export interface FakeGoModel {
  id: string
  chat: Serving
  messages: Serving
}

export interface RecordedGoRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: Json | null
}

/** Exactly what OpenCode Go answers without the header (anomalyco/opencode#47763). */
export const MISSING_SESSION_BODY = {
  type: 'error',
  error: {
    type: 'MissingSessionID',
    message: 'Error from provider (Console Go): Request is missing x-opencode-session and cannot be routed efficiently. Please see https://opencode.ai/docs/go/#where-can-i-use-it',
  },
}

export interface FakeOpencodeGo {
  /** The base URL, ending in /zen/go/v1 like the real one. */
  url: string
  requests: RecordedGoRequest[]
  /** The catalog; tests change it between refreshes. */
  models: FakeGoModel[]
  /** Requests whose client went away while we hung. */
  readonly aborted: number
  /** Resolves once a request matching `test` arrives after this call. */
  waitFor(test: (request: RecordedGoRequest) => boolean): Promise<void>
  close(): void
}

const goError = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
  Response.json({ type: 'error', error: { type, message } }, { status, headers })

export function startFakeOpencodeGo(options: {
  key: string
  models: FakeGoModel[]
  chatScript?: (body: Json) => ChatReply
  messagesScript?: (body: Json) => MessagesReply
}): FakeOpencodeGo {
  const requests: RecordedGoRequest[] = []
  const waiters: { test: (request: RecordedGoRequest) => boolean; resolve: () => void }[] = []
  const state = { aborted: 0, models: options.models }
  const record = (entry: RecordedGoRequest) => {
    requests.push(entry)
    for (const waiter of [...waiters]) {
      if (waiter.test(entry)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const headers = Object.fromEntries(request.headers)
      const path = url.pathname.replace(/^\/zen\/go\/v1/, '')
      let body: Json | null = null
      if (request.method === 'POST') {
        try {
          body = (await request.json()) as Json
        } catch {
          record({ method: request.method, path, headers, body })
          return goError(400, 'InvalidRequestError', 'Request body is not valid JSON')
        }
      }
      record({ method: request.method, path, headers, body })
      if (!url.pathname.startsWith('/zen/go/v1/')) return goError(404, 'NotFoundError', 'Not found')

      if (request.method === 'GET' && path === '/models') {
        if (headers.authorization !== `Bearer ${options.key}`) return goError(401, 'AuthError', 'Invalid API key.')
        return Response.json({ object: 'list', data: state.models.map((model) => ({ id: model.id, object: 'model', created: 1_790_000_000, owned_by: 'opencode' })) })
      }
      if (request.method !== 'POST' || (path !== '/chat/completions' && path !== '/messages')) return goError(404, 'NotFoundError', 'Not found')
      const endpoint = path === '/messages' ? 'messages' : 'chat'
      const presented = endpoint === 'messages' ? headers['x-api-key'] ?? headers.authorization?.replace(/^Bearer /, '') : headers.authorization?.replace(/^Bearer /, '')
      if (presented !== options.key) return goError(401, 'AuthError', 'Invalid API key.')
      if (!headers['x-opencode-session']) return Response.json(MISSING_SESSION_BODY, { status: 400 })

      const invalid = endpoint === 'chat' ? validateChatRequest(body!) : validateMessagesRequest(body!, headers)
      if (invalid) return goError(400, 'InvalidRequestError', invalid)
      const model = state.models.find((entry) => entry.id === body!.model)
      if (!model) return goError(404, 'ModelError', `Model ${String(body!.model)} not found`)

      switch (model[endpoint]) {
        case 'reject':
          return goError(400, 'ModelError', `Model ${model.id} is not supported on ${path}`)
        case 'rate-limit':
          return goError(429, 'RateLimitError', 'Rate limit exceeded, retry later', { 'retry-after': '30' })
        case 'server-error':
          return goError(502, 'ProviderError', 'Upstream provider unavailable')
        case 'hang':
          request.signal.addEventListener('abort', () => state.aborted++)
          return new Promise<Response>(() => {})
        case 'ok':
          return endpoint === 'chat' ? chatAnswer(body!, options.chatScript) : messagesAnswer(body!, options.messagesScript)
        default: {
          const never: never = model[endpoint]
          throw new Error(`unknown serving ${String(never)}`)
        }
      }
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}/zen/go/v1`,
    requests,
    get models() {
      return state.models
    },
    set models(models: FakeGoModel[]) {
      state.models = models
    },
    get aborted() {
      return state.aborted
    },
    waitFor(test) {
      return new Promise<void>((resolve) => waiters.push({ test, resolve }))
    },
    close: () => server.stop(true),
  }
}

const encoder = new TextEncoder()

function chatAnswer(body: Json, script: ((body: Json) => ChatReply) | undefined): Response {
  if (body.stream !== true) {
    return Response.json({ id: 'chatcmpl-go', object: 'chat.completion', created: 1_790_000_000, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'H' }, finish_reason: 'length' }], usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 } })
  }
  const reply = script?.(body) ?? { kind: 'error', status: 500, body: { error: { message: 'no script for streaming requests' } } }
  if (reply.kind === 'error') return new Response(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json' } })
  if (reply.kind !== 'stream') return Response.json(completionOf([]), { status: 500 })
  const text = reply.chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('') + 'data: [DONE]\n\n'
  return new Response(encoder.encode(text), { headers: { 'content-type': 'text/event-stream' } })
}

function messagesAnswer(body: Json, script: ((body: Json) => MessagesReply) | undefined): Response {
  if (body.stream !== true) {
    return Response.json({ id: 'msg_go', type: 'message', role: 'assistant', model: body.model, content: [{ type: 'text', text: 'H' }], stop_reason: 'max_tokens', stop_sequence: null, usage: { input_tokens: 8, output_tokens: 1 } })
  }
  const reply = script?.(body) ?? { kind: 'error', status: 500, body: { type: 'error', error: { type: 'api_error', message: 'no script for streaming requests' } } }
  if (reply.kind === 'error') return new Response(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json' } })
  const text = reply.events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')
  return new Response(encoder.encode(text), { headers: { 'content-type': 'text/event-stream' } })
}
