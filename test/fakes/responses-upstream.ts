/**
 * A fake OpenAI Responses API (`POST /v1/responses`). It validates like the
 * real one: unknown top-level fields are a 400 naming them, a
 * `function_call_output` needs its call in the effective input (the request's,
 * or a stored response's when `previous_response_id` names one), and
 * `previous_response_id` is refused for a response created with
 * `store: false`. It streams the full event set with split deltas: reasoning
 * summary parts, content parts, output text, function-call arguments and
 * `response.completed` with usage; `stream: false` gets the final object.
 */

export type Json = Record<string, any>

export type UrlCitationSpec = { url: string; title: string; start_index: number; end_index: number }
export type OutputSpec = { reasoning: string; encrypted?: string } | { text: string; citations?: UrlCitationSpec[] } | { refusal: string } | { call: { call_id: string; name: string; arguments: Json | string } } | { custom: { call_id: string; name: string; input: string } }

export type ResponsesReply =
  | { kind: 'output'; items: OutputSpec[]; usage?: Json; model?: string }
  | { kind: 'error'; status: number; body: Json; headers?: Record<string, string> }
  | { kind: 'events'; events: Json[]; close?: boolean }

export interface RecordedResponsesRequest {
  body: Json
  headers: Record<string, string>
}

const KNOWN_FIELDS = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'reasoning', 'text', 'stream', 'store', 'include',
  'prompt_cache_key', 'max_output_tokens', 'temperature', 'top_p', 'service_tier', 'metadata', 'user', 'previous_response_id',
  'truncation', 'background', 'conversation', 'max_tool_calls', 'top_logprobs', 'stream_options', 'prompt', 'safety_identifier', 'prompt_cache_retention',
  // Codex sends it to every Responses provider.
  'client_metadata',
])

const CALL_TYPES: Record<string, string> = { function_call_output: 'function_call', custom_tool_call_output: 'custom_tool_call' }

function invalid(message: string, param: string | null, code: string | null = null, status = 400) {
  return Response.json({ error: { message, type: 'invalid_request_error', param, code } }, { status })
}

const pieces = (text: string, size: number) => {
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out.length ? out : ['']
}

/** The event stream the real API sends for these output items. */
export function responseEvents(id: string, model: string, items: OutputSpec[], usage: Json, options: { encrypted?: boolean } = {}): { events: Json[]; response: Json } {
  const events: Json[] = []
  let seq = 0
  const push = (event: Json) => events.push({ ...event, sequence_number: seq++ })
  const base = { id, object: 'response', created_at: 1_790_000_000, model, status: 'in_progress', output: [] as Json[], usage: null }
  push({ type: 'response.created', response: base })
  push({ type: 'response.in_progress', response: base })
  const output: Json[] = []
  items.forEach((spec, index) => {
    const ref = { output_index: index }
    if ('reasoning' in spec) {
      // As the real API: with store false, the encrypted reasoning comes back only when `include` asks for it.
      const item = { id: `rs_${id}_${index}`, type: 'reasoning', summary: [] as Json[], ...(options.encrypted !== false && { encrypted_content: spec.encrypted ?? `enc:${spec.reasoning.length}` }) }
      push({ type: 'response.output_item.added', ...ref, item })
      push({ type: 'response.reasoning_summary_part.added', ...ref, item_id: item.id, summary_index: 0, part: { type: 'summary_text', text: '' } })
      for (const delta of pieces(spec.reasoning, 6)) push({ type: 'response.reasoning_summary_text.delta', ...ref, item_id: item.id, summary_index: 0, delta })
      push({ type: 'response.reasoning_summary_text.done', ...ref, item_id: item.id, summary_index: 0, text: spec.reasoning })
      push({ type: 'response.reasoning_summary_part.done', ...ref, item_id: item.id, summary_index: 0, part: { type: 'summary_text', text: spec.reasoning } })
      const done = { ...item, summary: [{ type: 'summary_text', text: spec.reasoning }] }
      push({ type: 'response.output_item.done', ...ref, item: done })
      output.push(done)
    } else if ('text' in spec) {
      const item = { id: `msg_${id}_${index}`, type: 'message', role: 'assistant', status: 'in_progress', content: [] as Json[] }
      push({ type: 'response.output_item.added', ...ref, item })
      push({ type: 'response.content_part.added', ...ref, item_id: item.id, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } })
      for (const delta of pieces(spec.text, 5)) push({ type: 'response.output_text.delta', ...ref, item_id: item.id, content_index: 0, delta, logprobs: [] })
      // Citations follow the text they cite, one annotation event each (web search answers).
      const annotations = (spec.citations ?? []).map((citation) => ({ type: 'url_citation', ...citation }))
      annotations.forEach((annotation, annotation_index) => push({ type: 'response.output_text.annotation.added', ...ref, item_id: item.id, content_index: 0, annotation_index, annotation }))
      push({ type: 'response.output_text.done', ...ref, item_id: item.id, content_index: 0, text: spec.text, logprobs: [] })
      const part = { type: 'output_text', text: spec.text, annotations }
      push({ type: 'response.content_part.done', ...ref, item_id: item.id, content_index: 0, part })
      const done = { ...item, status: 'completed', content: [part] }
      push({ type: 'response.output_item.done', ...ref, item: done })
      output.push(done)
    } else if ('refusal' in spec) {
      // A refusal is a message whose one part is a refusal, streamed with its own delta events.
      const item = { id: `msg_${id}_${index}`, type: 'message', role: 'assistant', status: 'in_progress', content: [] as Json[] }
      push({ type: 'response.output_item.added', ...ref, item })
      push({ type: 'response.content_part.added', ...ref, item_id: item.id, content_index: 0, part: { type: 'refusal', refusal: '' } })
      for (const delta of pieces(spec.refusal, 7)) push({ type: 'response.refusal.delta', ...ref, item_id: item.id, content_index: 0, delta })
      push({ type: 'response.refusal.done', ...ref, item_id: item.id, content_index: 0, refusal: spec.refusal })
      const part = { type: 'refusal', refusal: spec.refusal }
      push({ type: 'response.content_part.done', ...ref, item_id: item.id, content_index: 0, part })
      const done = { ...item, status: 'completed', content: [part] }
      push({ type: 'response.output_item.done', ...ref, item: done })
      output.push(done)
    } else if ('call' in spec) {
      const args = typeof spec.call.arguments === 'string' ? spec.call.arguments : JSON.stringify(spec.call.arguments)
      const item = { id: `fc_${id}_${index}`, type: 'function_call', status: 'in_progress', call_id: spec.call.call_id, name: spec.call.name, arguments: '' }
      push({ type: 'response.output_item.added', ...ref, item })
      for (const delta of pieces(args, 4)) push({ type: 'response.function_call_arguments.delta', ...ref, item_id: item.id, delta })
      push({ type: 'response.function_call_arguments.done', ...ref, item_id: item.id, arguments: args })
      const done = { ...item, status: 'completed', arguments: args }
      push({ type: 'response.output_item.done', ...ref, item: done })
      output.push(done)
    } else {
      const item = { id: `ctc_${id}_${index}`, type: 'custom_tool_call', status: 'in_progress', call_id: spec.custom.call_id, name: spec.custom.name, input: '' }
      push({ type: 'response.output_item.added', ...ref, item })
      for (const delta of pieces(spec.custom.input, 9)) push({ type: 'response.custom_tool_call_input.delta', ...ref, item_id: item.id, delta })
      push({ type: 'response.custom_tool_call_input.done', ...ref, item_id: item.id, input: spec.custom.input })
      const done = { ...item, status: 'completed', input: spec.custom.input }
      push({ type: 'response.output_item.done', ...ref, item: done })
      output.push(done)
    }
  })
  const response = { ...base, status: 'completed', output, usage }
  push({ type: 'response.completed', response })
  return { events, response }
}

export interface FakeResponsesUpstream {
  url: string
  requests: RecordedResponsesRequest[]
  /** `GET` and `DELETE` calls on stored responses, as `METHOD /path?query`. */
  storedCalls: string[]
  aborted: number
  close: () => void
}

export interface FakeResponsesOptions {
  apiKey?: string
  /**
   * What `GET /responses/{id}/input_items` lists for a response made with `previous_response_id`:
   * its whole context (`context`, the default), or only the input its own request sent (`own`).
   * Public descriptions disagree, so the proxy must read both.
   */
  inputItems?: 'context' | 'own'
  /** An answer to every `GET`/`DELETE` on stored responses instead of the store's (an outage). */
  storedFailure?: () => Response | null
}

interface StoredFakeResponse {
  response: Json
  /** What `GET /responses/{id}?stream=true` replays. */
  events: Json[]
  /** The whole context the response was made from: earlier input and output, then its own input. */
  context: Json[]
  own: Json[]
  store: boolean
}

/** Input items as the API lists them: each with an id (given one when the request had none) and a status. */
function withIds(items: Json[], responseId: string): Json[] {
  return items.map((item, index) => ({ id: `${item.type === 'function_call_output' ? 'fco' : 'msg'}_in_${responseId}_${index}`, ...(item.type === undefined && { type: 'message' }), ...item, ...(item.status === undefined && { status: 'completed' }) }))
}

/** `GET /responses/{id}`, `GET /responses/{id}/input_items` and `DELETE /responses/{id}`, as the real API answers them. */
function storedResponseRoute(request: Request, url: URL, stored: Map<string, StoredFakeResponse>, mode: 'context' | 'own'): Response | null {
  const match = /\/responses\/([^/]+)(\/input_items)?$/.exec(url.pathname)
  if (!match || (request.method !== 'GET' && request.method !== 'DELETE')) return null
  const id = decodeURIComponent(match[1]!)
  const entry = stored.get(id)
  if (!entry || !entry.store) return invalid(`Response with id '${id}' not found.`, null, null, 404)
  if (request.method === 'DELETE') {
    if (match[2]) return null
    stored.delete(id)
    return Response.json({ id, object: 'response', deleted: true })
  }
  if (!match[2] && url.searchParams.get('stream') === 'true') {
    const after = Number(url.searchParams.get('starting_after') ?? -1)
    const text = entry.events.filter((event) => event.sequence_number > after).map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')
    return new Response(text, { headers: { 'content-type': 'text/event-stream' } })
  }
  if (!match[2]) return Response.json(entry.response)
  const limit = Number(url.searchParams.get('limit') ?? 20)
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalid(`Invalid 'limit': expected an integer between 1 and 100.`, 'limit')
  const listed = mode === 'own' ? entry.own : entry.context
  const ordered = url.searchParams.get('order') === 'asc' ? listed : [...listed].reverse()
  const after = url.searchParams.get('after')
  const start = after === null ? 0 : ordered.findIndex((item) => item.id === after) + 1
  if (after !== null && start === 0) return invalid(`Invalid 'after': no item with id '${after}'.`, 'after')
  const data = ordered.slice(start, start + limit)
  return Response.json({ object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < ordered.length })
}

export function startFakeResponsesUpstream(respond: (body: Json, index: number) => ResponsesReply | Promise<ResponsesReply>, options: FakeResponsesOptions = {}): FakeResponsesUpstream {
  const requests: RecordedResponsesRequest[] = []
  const storedCalls: string[] = []
  const stored = new Map<string, StoredFakeResponse>()
  const state = { aborted: 0, counter: 0 }
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      if (options.apiKey && request.headers.get('authorization') !== `Bearer ${options.apiKey}`) return Response.json({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, { status: 401 })
      if (request.method !== 'POST') {
        storedCalls.push(`${request.method} ${url.pathname}${url.search}`)
        const failure = options.storedFailure?.()
        if (failure) return failure
        const answer = storedResponseRoute(request, url, stored, options.inputItems ?? 'context')
        if (answer) return answer
      }
      if (request.method !== 'POST' || !url.pathname.endsWith('/responses')) return invalid(`Invalid URL (${request.method} ${url.pathname})`, null, null, 404)
      const body = (await request.json()) as Json
      requests.push({ body, headers: Object.fromEntries(request.headers) })
      for (const key of Object.keys(body)) if (!KNOWN_FIELDS.has(key)) return invalid(`Unknown parameter: '${key}'.`, key, 'unknown_parameter')
      if (typeof body.model !== 'string' || !body.model) return invalid("Missing required parameter: 'model'.", 'model')
      const input: Json[] = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : (body.input ?? [])
      let context: Json[] = []
      if (body.previous_response_id !== undefined) {
        const previous = stored.get(body.previous_response_id)
        if (!previous || !previous.store) return invalid(`Previous response with id '${body.previous_response_id}' not found.`, 'previous_response_id', 'previous_response_not_found')
        context = [...previous.context, ...previous.response.output]
      }
      const effective = [...context, ...input]
      for (const [i, item] of input.entries()) {
        const callType = CALL_TYPES[item.type]
        if (callType && !effective.some((other) => other.type === callType && other.call_id === item.call_id)) {
          return invalid(`No tool call found for function call output with call_id ${item.call_id}.`, `input[${i}]`)
        }
      }
      const reply = await respond(body, requests.length - 1)
      if (reply.kind === 'error') return Response.json(reply.body, { status: reply.status, headers: reply.headers })
      const id = `resp_fake${++state.counter}`
      const encoder = new TextEncoder()
      if (reply.kind === 'events') {
        const text = reply.events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')
        return new Response(text, { headers: { 'content-type': 'text/event-stream' } })
      }
      const usage = reply.usage ?? { input_tokens: 120, input_tokens_details: { cached_tokens: 20 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 8 }, total_tokens: 150 }
      const encrypted = body.store !== false || (Array.isArray(body.include) && body.include.includes('reasoning.encrypted_content'))
      const { events, response } = responseEvents(id, reply.model ?? `${body.model}-2026-01-01`, reply.items, usage, { encrypted })
      const own = withIds(input, id)
      stored.set(id, { events, response: { ...response, previous_response_id: body.previous_response_id ?? null, store: body.store !== false, instructions: body.instructions ?? null, metadata: body.metadata ?? {} }, context: [...context, ...own], own, store: body.store !== false })
      if (body.stream !== true) return Response.json(response)
      let cancelled = false
      return new Response(
        new ReadableStream<Uint8Array>({
          async start(controller) {
            for (const event of events) {
              if (cancelled) return
              controller.enqueue(encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`))
              await Bun.sleep(0)
            }
            controller.close()
          },
          cancel() {
            cancelled = true
            state.aborted++
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      )
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    requests,
    storedCalls,
    get aborted() {
      return state.aborted
    },
    close: () => server.stop(true),
  }
}
