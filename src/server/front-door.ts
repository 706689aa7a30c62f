import { aggregateEvents, unfinishedAnswerError } from '../canonical/aggregate.ts'
import { TERMINAL_EVENT_TYPES, type ResponseObject, type ResponsesEvent, type ResponsesRequest } from '../canonical/types.ts'
import { ShimError } from '../errors.ts'
import type { PassthroughDialect } from '../sse/watch.ts'
import { providerOf } from '../routing/model-list.ts'
import { pinCanonical } from '../routing/pinned.ts'
import type { AliasSettings } from '../settings/schema.ts'
import { SSE_HEADERS } from '../sse/encode.ts'
import { expandStoredContext } from '../responses-store/expand.ts'
import { recordFromEvents } from '../responses-store/recorder.ts'
import { refuseUnsupportedStateFields } from '../responses-store/refuse.ts'
import { shouldStore } from '../responses-store/store.ts'
import { readBody } from './body.ts'
import { requestContext, type RouteContext, type RouteHandler } from './context.ts'

/**
 * What the front door needs to know about one client dialect. Each door
 * (Responses, Chat Completions, Messages) is one of these objects; the
 * pipeline below serves all three.
 */
export interface ClientDoor<Request> {
  readonly dialect: 'responses' | 'chat' | 'messages'
  /** Validates the body; a 400 naming the field for anything wrong. */
  parse(json: unknown): Request
  model(request: Request): string
  stream(request: Request): boolean
  /** Refuses, naming the field, what a translated route could not carry faithfully. */
  assertTranslatable(request: Request): void
  toCanonical(request: Request): ResponsesRequest
  /** An alias's pinned options on the raw body, for the fast path. */
  pin(json: Record<string, unknown>, alias: AliasSettings | undefined): Record<string, unknown>
  /** One encoder per streamed answer: canonical event → SSE text in this dialect. */
  encoder(request: Request): (event: ResponsesEvent) => string
  /** The non-streamed answer in this dialect. */
  final(response: ResponseObject, request: Request): unknown
  errorResponse(error: ShimError): Response
  /** How this dialect's clients must hear the fast path's failures mid-stream. */
  readonly passthrough: PassthroughDialect
  /** Some errors before the stream must still arrive as a stream (Codex reads context overflow only from `response.failed`). */
  streamedError?(error: ShimError, request: Request): Response | null
}

/**
 * The one pipeline: parse → resolve (aliases, router, fallbacks: one hook)
 * → the provider's `forward` when it speaks the client's dialect, else
 * `open` → encode (streamed) or aggregate (not). Errors render in the
 * client's dialect before any byte is sent; after that, as its error event.
 */
function noteTerminal(summary: RouteContext['summary'], response: ResponseObject): void {
  summary.usage = response.usage ?? undefined
  if (response.error) summary.errorCode = response.error.code
}

function tap(events: ReadableStream<ResponsesEvent>, look: (event: ResponsesEvent) => void): ReadableStream<ResponsesEvent> {
  return events.pipeThrough(new TransformStream({ transform: (event, controller) => (look(event), controller.enqueue(event)) }))
}

function hostOf(baseUrl: string): string | null {
  try {
    return baseUrl ? new URL(baseUrl).host : null
  } catch {
    return null
  }
}

export function frontDoor<Request>(door: ClientDoor<Request>): RouteHandler {
  return async (context) => {
    try {
      return await serve(door, context)
    } catch (error) {
      if (error instanceof ShimError) {
        context.summary.outcome = error.kind
        context.summary.errorCode = error.details.code ?? error.kind
        return door.errorResponse(error)
      }
      throw error
    }
  }
}

async function serve<Request>(door: ClientDoor<Request>, context: RouteContext): Promise<Response> {
  const { summary } = context
  summary.dialect = door.dialect
  const body = await readBody(context.request)
  summary.bytesIn = body.text.length
  const request = door.parse(body.json)
  const stream = door.stream(request)
  summary.stream = stream
  let canonical: ResponsesRequest | undefined
  const toCanonical = () => (canonical ??= door.toCanonical(request))
  const route = await context.resolve(door.model(request), { canonical: toCanonical, headers: context.request.headers })
  const provider = providerOf(route.model)
  const upstream = requestContext(context)
  summary.slug = route.slug
  summary.upstream = provider.label(route.model)
  summary.provider = route.model.provider_label
  summary.upstreamHost = hostOf(route.model.base_url)
  summary.servedModel = route.model.slug
  summary.price = route.model.price

  const fastPath = Boolean(provider.forward) && provider.dialect === door.dialect
  // The stateful half of the Responses API, for upstreams that keep no state of their own:
  // earlier responses and items are expanded from the shim's memory, and this one is recorded.
  let record: ((event: ResponsesEvent) => void) | null = null
  if (door.dialect === 'responses' && context.store && !(fastPath && provider.keepsState)) {
    const responses = toCanonical()
    refuseUnsupportedStateFields(responses, { translated: !fastPath })
    const expanded = expandStoredContext(responses, context.store)
    if (expanded.request !== responses) canonical = expanded.request
    if (shouldStore(responses) && !fastPath) record = recordFromEvents(context.store, expanded.resolvedInput, responses, { model: route.slug })
  }

  if (fastPath && provider.forward) {
    summary.upstream += ' (fast path)'
    summary.usageDialect = door.dialect
    const expanded = canonical !== undefined && canonical !== (request as unknown)
    const json = door.pin((expanded ? canonical : body.json) as Record<string, unknown>, route.alias)
    return provider.forward({ json, text: route.alias || expanded ? null : body.text, stream, passthrough: door.passthrough, onUsage: (usage) => (summary.usage = usage) }, route, upstream)
  }

  door.assertTranslatable(request)
  let opened
  try {
    opened = await provider.open(pinCanonical(toCanonical(), route.alias), route, upstream)
  } catch (error) {
    const streamed = stream && error instanceof ShimError ? door.streamedError?.(error, request) : null
    if (streamed) return streamed
    throw error
  }
  if (stream) {
    context.keepAlive()
    const encode = door.encoder(request)
    // The terminal event carries the usage and any failure, for the ledger; one set lookup per event.
    const encoded = opened.encoded((event) => {
      if (TERMINAL_EVENT_TYPES.has(event.type)) noteTerminal(summary, (event as { response: ResponseObject }).response)
      record?.(event)
      return encode(event)
    })
    return new Response(encoded, { status: 200, headers: { ...SSE_HEADERS, ...opened.headers } })
  }
  const aggregated = await aggregateEvents(record ? tap(opened.events(), record) : opened.events())
  noteTerminal(summary, aggregated.response)
  const failure = unfinishedAnswerError(aggregated)
  if (failure) throw failure
  return new Response(JSON.stringify(door.final(aggregated.response, request)), { status: 200, headers: { 'content-type': 'application/json', ...opened.headers } })
}
