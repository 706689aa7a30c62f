import { aggregateEvents, unfinishedAnswerError } from '../../canonical/aggregate.ts'
import { ResponseBuilder } from '../../canonical/builder.ts'
import { streamOf } from '../../canonical/decode.ts'
import type { ResponsesEvent, ResponsesRequest } from '../../canonical/types.ts'
import { assertTranslatable, parseResponsesRequest } from '../../dialects/responses/api.ts'
import { RESPONSES_PASSTHROUGH, responsesErrorResponse, responsesFailure } from '../../dialects/responses/errors.ts'
import { readWhole } from '../../providers/http.ts'
import { watchPassthrough } from '../../sse/watch.ts'
import { ShimError } from '../../errors.ts'
import { providerFor } from '../../providers/index.ts'
import type { ProviderStream } from '../../providers/types.ts'
import { pinCanonical } from '../../routing/pinned.ts'
import { resolveAnyRoute, type Route } from '../../routing/resolve.ts'
import { backendBody, isCodexClient } from '../../providers/chatgpt.ts'
import { clientResponseHeaders } from '../../chatgpt/backend.ts'
import { createResponsesDecoder } from '../../dialects/responses/stream.ts'
import { decodeSse } from '../../canonical/decode.ts'
import { encodeEventsAsSse, formatEvent, SSE_HEADERS } from '../../sse/encode.ts'
import { readBody } from '../body.ts'
import { providerContext, type RouteContext } from '../context.ts'
import { json } from './info.ts'
import { compactHistory } from './compact.ts'

/** Opens the routed provider for a parsed request; logs the route on the summary. */
export async function openRoute(context: RouteContext, request: ResponsesRequest, resolved?: Route): Promise<ProviderStream> {
  const route = resolved ?? (await resolveAnyRoute(context.deps.settings, request.model, context.deps.chatgpt))
  const provider = providerFor(route, { chatgpt: context.deps.chatgpt })
  context.summary.slug = route.slug
  context.summary.upstream = provider.label
  return provider.open(pinCanonical(request, route.alias), providerContext(context))
}

/** A stream that is only `response.failed`: how Codex must hear some errors (spec §d.4). */
function failedStream(model: string, error: ShimError): ReadableStream<ResponsesEvent> {
  const events: ResponsesEvent[] = []
  const builder = new ResponseBuilder((event) => events.push(event), { model })
  builder.fail(responsesFailure(error))
  return streamOf(events)
}

function sse(events: ReadableStream<ResponsesEvent>, headers: Record<string, string> = {}): Response {
  return new Response(events.pipeThrough(encodeEventsAsSse()), { status: 200, headers: { ...SSE_HEADERS, ...headers } })
}

/** `POST /v1/responses`: Codex's front door. */
export async function responses(context: RouteContext): Promise<Response> {
  const body = await readBody(context.request)
  const request = parseResponsesRequest(body.json)
  const stream = request.stream === true
  context.summary.stream = stream
  const route = await resolveAnyRoute(context.deps.settings, request.model, context.deps.chatgpt)
  if (route.model.provider === 'chatgpt' && context.deps.chatgpt) return chatgptPassthrough(context, route, request, route.alias ? null : body.text, stream)
  assertTranslatable(request)
  let opened: ProviderStream
  try {
    opened = await openRoute(context, request, route)
  } catch (error) {
    // Codex shows its own "ran out of room" message only for a response.failed event.
    if (stream && error instanceof ShimError && error.kind === 'context_length_exceeded') return sse(failedStream(request.model, error))
    throw error
  }
  if (stream) {
    context.keepAlive()
    // The hot path: parse, decode and encode fused in one stage when the provider offers it.
    if (opened.encoded) return new Response(opened.encoded(formatEvent), { status: 200, headers: { ...SSE_HEADERS, ...opened.headers } })
    return sse(opened.events, opened.headers)
  }
  const aggregated = await aggregateEvents(opened.events)
  const failure = unfinishedAnswerError(aggregated)
  if (failure) return responsesErrorResponse(failure)
  return json(aggregated.response, 200, opened.headers)
}

/** `POST /v1/responses/compact` (older Codex clients): summarise the history upstream. */
export async function compact(context: RouteContext): Promise<Response> {
  const body = await readBody(context.request)
  const request = parseResponsesRequest(body.json)
  context.summary.stream = false
  const route = await resolveAnyRoute(context.deps.settings, request.model, context.deps.chatgpt)
  if (route.model.provider === 'chatgpt' && context.deps.chatgpt) {
    // The backend compacts itself: forward untouched (model name aside) and return its answer as is.
    context.summary.slug = route.slug
    context.summary.upstream = 'chatgpt (passthrough)'
    const payload = route.model.model === request.model ? body.text : JSON.stringify({ ...(body.json as object), model: route.model.model })
    const upstream = await context.deps.chatgpt.send(payload, providerContext(context), '/codex/responses/compact')
    return new Response(await readWhole(upstream, { idleTimeoutMs: context.deps.idleTimeoutMs, label: 'The ChatGPT backend' }), { status: upstream.status, headers: { 'content-type': 'application/json', ...clientResponseHeaders(upstream.headers) } })
  }
  assertTranslatable(request)
  const output = await compactHistory(request, (summaryRequest) => openRoute(context, summaryRequest))
  return json({ id: `resp_compact_${crypto.randomUUID().replaceAll('-', '')}`, object: 'response.compaction', created_at: Math.floor(Date.now() / 1000), output })
}

/**
 * Responses client → ChatGPT subscription: the byte-level fast path. The body
 * goes out patched only where the backend requires it (the original bytes
 * when nothing needed patching); the backend's SSE comes back untouched, with
 * its `x-codex-*` headers (rate limits, turn state) and without `openai-model`.
 */
async function chatgptPassthrough(context: RouteContext, route: Route, request: ResponsesRequest, rawText: string | null, stream: boolean): Promise<Response> {
  const service = context.deps.chatgpt!
  context.summary.slug = route.slug
  context.summary.upstream = 'chatgpt (passthrough)'
  const body = await backendBody(service, route.model, pinCanonical(request, route.alias), rawText, context.request.headers)
  const upstream = await service.send(body, providerContext(context))
  const headers = clientResponseHeaders(upstream.headers)
  // A 429 keeps the backend's body: Codex turns usage_limit_reached into its own message with the reset time.
  if (upstream.status === 429) return new Response(upstream.body, { status: 429, headers: { 'content-type': 'application/json', ...headers } })
  if (!upstream.body) throw new ShimError('upstream_stream', 'The ChatGPT backend answered with no body.')
  if (stream) {
    context.keepAlive()
    // Codex gets the bytes untouched. Other clients (the openai SDK throws on unknown event
    // types) get the same events minus the backend's own keepalive and codex.rate_limits.
    const body = isCodexClient(context.request.headers)
      ? watchPassthrough(upstream.body, RESPONSES_PASSTHROUGH, { idleTimeoutMs: context.deps.idleTimeoutMs })
      : decodeSse(upstream.body, (emit) => createResponsesDecoder(emit, { model: route.slug }), { idleTimeoutMs: context.deps.idleTimeoutMs }).encoded(formatEvent)
    return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...headers } })
  }
  const events = decodeSse(upstream.body, (emit) => createResponsesDecoder(emit, { model: route.slug }), { idleTimeoutMs: context.deps.idleTimeoutMs }).events()
  const aggregated = await aggregateEvents(events)
  const failure = unfinishedAnswerError(aggregated)
  if (failure) return responsesErrorResponse(failure)
  return json(aggregated.response, 200, headers)
}
