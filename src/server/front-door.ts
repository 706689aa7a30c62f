import { aggregateEvents, failedAnswerError, unfinishedAnswerError } from '../canonical/aggregate.ts'
import { firstChunkOf } from '../canonical/decode.ts'
import { isCompactionTrigger, openCompactionTrigger } from './compaction-trigger.ts'
import { leftOutToolsNote } from '../canonical/flatten-tools.ts'
import { isTerminalEvent, type ResponseObject, type ResponsesEvent, type ResponsesRequest } from '../canonical/types.ts'
import { isContextLengthError, readErrorBody } from '../canonical/upstream-error.ts'
import { ShimError } from '../errors.ts'
import type { ProviderStream } from '../providers/types.ts'
import type { PassthroughDialect } from '../sse/watch.ts'
import type { StreamTracker } from '../sse/tracker.ts'
import { fallbackChain, hasFallbacks, isUsedUpQuota, withFallbacks } from '../routing/fallbacks.ts'
import { providerOf } from '../routing/model-list.ts'
import { pinCanonical } from '../routing/pinned.ts'
import type { Route } from '../routing/resolve.ts'
import type { AliasSettings } from '../settings/schema.ts'
import { SSE_HEADERS } from '../sse/encode.ts'
import { expandStoredContext, inlineHeldReferences, type ExpandedRequest } from '../responses-store/expand.ts'
import { recordFromEvents } from '../responses-store/recorder.ts'
import { refuseUnsupportedStateFields } from '../responses-store/refuse.ts'
import { hasItemReference, shouldStore, touchesStore } from '../responses-store/store.ts'
import { readBounded } from '../upstream/http.ts'
import { retryDelayForStatus, sleepUnlessAborted, type RetryPolicy } from '../upstream/retry.ts'
import { readBody } from './body.ts'
import { requestContext, type RouteContext, type RouteHandler } from './context.ts'
import { baseUrlHost } from '../upstream/base-url.ts'

/**
 * What the front door needs to know about one client dialect. Each door
 * (Responses, Chat Completions, Messages) is one of these objects; the
 * pipeline below serves all three.
 */
export interface ClientDoor<Request> {
  readonly dialect: 'responses' | 'chat' | 'messages'
  /**
   * The model and stream flag, checked without validating the whole body
   * (a 400 naming the field): all a fast path reads, its upstream speaking
   * the client's dialect and judging the rest. The whole body is then
   * validated only for what reads it: translation, the router, and the
   * Responses store when the request asks anything of it.
   */
  envelope(json: unknown): { model: string; stream: boolean }
  /** Validates the whole body, which `envelope` accepted (and walked for its depth); a 400 naming the field for anything wrong. */
  parse(json: unknown): Request
  /** Refuses, naming the field, what a translated route could not carry faithfully. */
  assertTranslatable(request: Request): void
  /** What a translated route leaves out without a word in the canonical request (tools the client's provider runs), by name. */
  leftOut?(request: Request): string[]
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
  /**
   * An answer that fails in the upstream's first read before any of it began (a 200 whose first
   * event is a rate limit, as OpenRouter sends one; Anthropic's overload) is answered with the
   * error's status, which the client's SDK retries, rather than a 200 whose stream says it
   * failed, which it does not.
   */
  readonly failsBeforeStatus?: boolean
}

function noteTerminal(summary: RouteContext['summary'], response: ResponseObject): void {
  summary.usage = response.usage ?? undefined
  if (response.error) summary.errorCode = response.error.code
}


// Copied into each Response (faster from a Headers object than from a plain one); never mutated.
const SHARED_SSE_HEADERS = new Headers(SSE_HEADERS)

/** The response header naming the model that served: the router's choice or a fallback, else the route's own model. */
export const ROUTED_TO_HEADER = 'x-codex-shim-routed-to'

export function frontDoor<Request>(door: ClientDoor<Request>): RouteHandler {
  return async (context) => {
    try {
      return await serve(door, context)
    } catch (error) {
      if (error instanceof ShimError) {
        noteFailure(context.summary, error)
        return routed(door.errorResponse(error), context.summary.servedModel)
      }
      throw error
    }
  }
}

/** One client request on its way through the pipeline: what every route of a fallback chain shares. */
interface Turn<Request> {
  readonly door: ClientDoor<Request>
  readonly context: RouteContext
  /** The whole body validated, on first use (`requestOf`): a fast path may never need it. */
  request: Request | undefined
  readonly body: { json: unknown; text: string }
  readonly stream: boolean
  /** The request in canonical form, as the client sent it (built on first use). */
  canonical: ResponsesRequest | undefined
  /** The stored context expanded (`previous_response_id`, `item_reference`), once, for routes that need it. */
  expanded: ExpandedRequest | undefined
  /** The last route tried was translated (the Responses door reports some of its errors as a stream). */
  translated: boolean
  /** The auto router's: told the answer's id, whichever route of the chain gave it (Route.rememberAnswer). */
  rememberAnswer?: (answerId: string) => void
}

/** A translated route, opened: its canonical events and, when the answer is to be stored, the recorder. */
interface Opened {
  stream: ProviderStream
  record: ((event: ResponsesEvent) => void) | null
  /** The client's stream, made while the route was opened when its status waits on the upstream's first read. */
  encoded?: ReadableStream<Uint8Array>
}

function requestOf<Request>(turn: Turn<Request>): Request {
  return (turn.request ??= turn.door.parse(turn.body.json))
}

/**
 * The request as the router reads it: with `previous_response_id` and item
 * references expanded from the store when it holds them, so a tool round trip
 * that sends only its results is seen with the task it belongs to (and keyed
 * with it). Expanding is what a stateless route does anyway, once per turn;
 * an id the store does not hold (the upstream keeps its own) is read as sent.
 */
function routingView<Request>(turn: Turn<Request>): ResponsesRequest {
  const canonical = toCanonical(turn)
  const store = turn.context.store
  if (turn.door.dialect !== 'responses' || !store || !touchesStore(canonical)) return canonical
  try {
    return (turn.expanded ??= expandStoredContext(canonical, store)).request
  } catch {
    return canonical
  }
}

/**
 * A response this route cannot continue on its own: one a state-keeping upstream made (its fast
 * path passed the id through) and the shim never held. Its context is read from that upstream.
 */
async function readInUpstreamResponse(id: string, context: RouteContext): Promise<void> {
  const { importUpstreamResponse, stateKeepers } = await import('./upstream-responses.ts')
  const keepers = stateKeepers(context.models.settings)
  if (keepers.length) await importUpstreamResponse(id, context.store, keepers, requestContext(context))
}

/**
 * A response another state-keeping upstream made (OpenAI's, continued on Azure after a fallback),
 * which this one has just refused as not found: its context, read from the upstream that holds it,
 * to send whole instead. Null, and the refusal stands, when no other upstream knows it either.
 */
async function contextFromElsewhere<Request>(turn: Turn<Request>, refused: Response): Promise<ResponsesRequest | null> {
  const { context, body } = turn
  const id = (body.json as { previous_response_id?: unknown }).previous_response_id
  if (typeof id !== 'string' || readErrorBody(await readBounded(refused.clone() as Response)).code !== 'previous_response_not_found') return null
  try {
    await readInUpstreamResponse(id, context)
  } catch {
    return null
  }
  // No state-keeping upstream to read it from: nothing was read in.
  if (!context.store.get(id)) return null
  turn.expanded = expandStoredContext(toCanonical(turn), context.store)
  return turn.expanded.request
}

/** Whether the request continues a response the shim's own store holds (not one its upstream made). */
function heldByShim(json: unknown, store: NonNullable<RouteContext['store']>): boolean {
  const id = (json as { previous_response_id?: unknown }).previous_response_id
  return typeof id === 'string' && store.get(id) !== undefined
}

function toCanonical<Request>(turn: Turn<Request>): ResponsesRequest {
  return (turn.canonical ??= turn.door.toCanonical(requestOf(turn)))
}

/**
 * The one pipeline: the envelope (model, stream) → resolve (aliases, router,
 * fallbacks: one hook) → the provider's `forward` when it speaks the client's
 * dialect (the rest of the body is the upstream's to judge), else the whole
 * body validated and `open` → encode (streamed) or aggregate (not). Errors
 * render in the client's dialect before any byte is sent; after that, as its
 * error event.
 */
async function serve<Request>(door: ClientDoor<Request>, context: RouteContext): Promise<Response> {
  const { summary } = context
  summary.dialect = door.dialect
  const body = await readBody(context.request)
  summary.bytesIn = body.bytes
  const envelope = door.envelope(body.json)
  const stream = envelope.stream
  summary.stream = stream
  const turn: Turn<Request> = { door, context, request: undefined, body, stream, canonical: undefined, expanded: undefined, translated: false }
  const route = await context.resolve(envelope.model, { canonical: () => routingView(turn), headers: context.request.headers })
  turn.rememberAnswer = route.rememberAnswer

  let answer: Response | Opened
  try {
    answer = hasFallbacks(route) ? await openWithFallbacks(turn, route) : await openRoute(turn, route)
  } catch (error) {
    if (!(error instanceof ShimError)) throw error
    const streamed = stream && turn.translated && turn.request ? door.streamedError?.(error, turn.request) : null
    if (!streamed) throw error
    noteFailure(summary, error)
    // An empty report, not none: the ledger estimates a 200's tokens from its bytes when no usage
    // came, and this upstream answered nothing to bill. The row keeps null counts, as other failures.
    summary.usage = {}
    return routed(streamed, summary.servedModel)
  }
  if (answer instanceof Response) return routed(answer, summary.servedModel)
  return routed(await translatedAnswer(turn, answer), summary.servedModel)
}

/**
 * The route, then its fallbacks in order, for what fails before the first
 * byte (the open or forward resolving). Models the breaker holds open are
 * skipped. Only routes that name fallbacks come here.
 */
async function openWithFallbacks<Request>(turn: Turn<Request>, route: Route): Promise<Response | Opened> {
  const { context } = turn
  const log = context.deps.log.withTag('fallback')
  const chain = await fallbackChain(route, (slug) => context.models.resolve(slug), log)
  // The last route answers as it would alone: nothing to judge.
  const result = await withFallbacks(chain, (next, control) => openRoute(turn, next, control.last ? undefined : control.fallsBack), { breaker: context.breaker, log })
  return result.value
}

/** A ShimError that ended the request, for the log line and the ledger, however the client hears it. */
export function noteFailure(summary: RouteContext['summary'], error: ShimError): void {
  summary.outcome = error.kind
  summary.errorCode = error.details.code ?? error.kind
}

/** An upstream error passed to the client as it came: the log line and the ledger still name it. */
function noteError(summary: RouteContext['summary'], code: string): void {
  summary.outcome = 'upstream_http'
  summary.errorCode = code
}

/** The summary names the route being tried; after fallbacks, the one that served. */
export function noteRoute(summary: RouteContext['summary'], route: Route, label: string): void {
  summary.slug = route.slug
  summary.upstream = label
  summary.provider = route.model.provider_label
  summary.upstreamHost = baseUrlHost(route.model.base_url)?.host ?? null
  summary.servedModel = route.routedTo ?? route.model.slug
  summary.price = route.model.price
  // The route tried last says it: a fallback's row (served or failed) is never the router's.
  summary.routedBy = route.fallback ? 'fallback' : route.routedTo ? 'router' : null
  // An earlier attempt's error (a fast path's 400 before a fallback served) is not this route's.
  summary.outcome = undefined
  summary.errorCode = undefined
}

/**
 * Opens one route: the provider's `forward` when it speaks the client's
 * dialect (bytes passed through), else `open` on the canonical request.
 * Resolves before any byte reaches the client. In a fallback chain, an
 * upstream error a fast path would pass through as is is thrown instead when
 * `fallsBack` says a later route will be tried for it.
 */
async function openRoute<Request>(turn: Turn<Request>, route: Route, fallsBack?: (error: ShimError) => boolean): Promise<Response | Opened> {
  const { door, context, body, stream } = turn
  const { summary } = context
  const provider = await providerOf(route.model)
  const upstream = requestContext(context)
  const label = provider.label(route.model)
  noteRoute(summary, route, label)

  const fastPath = Boolean(provider.forward) && provider.dialect === door.dialect
  turn.translated = !fastPath
  // The stateful half of the Responses API, for upstreams that keep no state of their own:
  // earlier responses and items are expanded from the shim's memory, and this one is recorded.
  let input: ResponsesRequest | undefined
  let record: Opened['record'] = null
  // `input` only has the shim's referenced items inlined: a `previous_response_id` is still the upstream's to resolve.
  let referencesOnly = false
  if (door.dialect === 'responses' && context.store && !(fastPath && (provider.keepsState || !touchesStore(body.json)))) {
    const responses = toCanonical(turn)
    refuseUnsupportedStateFields(responses, { translated: !fastPath })
    if (!turn.expanded && typeof responses.previous_response_id === 'string' && !context.store.get(responses.previous_response_id)) await readInUpstreamResponse(responses.previous_response_id, context)
    const expanded = (turn.expanded ??= expandStoredContext(responses, context.store))
    if (expanded.request !== responses) input = expanded.request
    // A fast path that decodes the answer anyway (ChatGPT for clients other than Codex) records from its events too.
    if (shouldStore(responses)) record = recordFromEvents(context.store, expanded.resolvedInput, responses, { model: route.slug })
  } else if (door.dialect === 'responses' && context.store && fastPath && provider.keepsState && heldByShim(body.json, context.store)) {
    // An upstream that keeps its own responses does not know one the shim made (a stateless route
    // served the turn before: a fallback, a switch of model): that context is sent whole.
    const expanded = (turn.expanded ??= expandStoredContext(toCanonical(turn), context.store))
    input = expanded.request
  } else if (door.dialect === 'responses' && context.store && fastPath && provider.keepsState && hasItemReference(body.json)) {
    // Nor an item the shim made, referenced by id (the Vercel AI SDK's earlier turns): sent whole.
    const canonical = toCanonical(turn)
    const inlined = inlineHeldReferences(canonical, context.store)
    if (inlined !== canonical) {
      input = inlined
      referencesOnly = true
    }
  }

  if (fastPath && provider.forward) {
    summary.upstream += ' (fast path)'
    summary.usageDialect = door.dialect
    const forward = provider.forward
    const send = (whole: ResponsesRequest | undefined) =>
      forward({ json: door.pin((whole ?? body.json) as Record<string, unknown>, route.alias), text: route.alias || whole ? null : body.text, stream, passthrough: door.passthrough, onUsage: (usage) => (summary.usage = usage), onAnswerId: turn.rememberAnswer, onError: (code) => noteError(summary, code), onEvent: record ?? undefined }, route, upstream)
    let response = await send(input)
    if (response.status === 400 && provider.keepsState && (!input || referencesOnly) && door.dialect === 'responses') {
      const whole = await contextFromElsewhere(turn, response)
      if (whole) {
        await response.body?.cancel().catch(() => {})
        response = await send(whole)
      }
    }
    if (fallsBack && !response.ok) {
      const error = await passedThroughError(response.clone() as Response, label)
      // What no fallback takes (a refusal of the client's body, a prompt too long for every larger
      // window on offer, a short 429) reaches the client as the upstream wrote it, as without fallbacks.
      if (fallsBack(error)) throw error
    }
    return response
  }

  door.assertTranslatable(requestOf(turn))
  const note = door.leftOut && leftOutToolsNote(route.slug, door.leftOut(requestOf(turn)), label)
  if (note) upstream.log.info(note)
  summary.usageDialect = undefined
  const canonical = pinCanonical(input ?? toCanonical(turn), route.alias)
  for (let attempt = 0; ; attempt++) {
    // Codex's remote compaction (a provider named "OpenAI" pointed here) is answered, not passed on as a turn.
    const open = (request: ResponsesRequest) => provider.open(request, route, upstream)
    const opened: Opened = { stream: await (isCompactionTrigger(canonical) ? openCompactionTrigger(canonical, open) : open(canonical)), record }
    // A non-streamed answer reaches the client only once whole: its first read is judged like a held status's.
    if (stream && !door.failsBeforeStatus) return opened
    // Inside the route's attempt, so a failure in the first read is what an error status would be: retried
    // as one is before the first byte, then judged by the fallbacks and the breaker.
    try {
      if (stream) opened.encoded = await encodedAnswer(turn, opened)
      else opened.stream = await firstReadJudged(opened.stream)
      return opened
    } catch (error) {
      const delay = firstReadRetryDelay(error, attempt, context.deps.retry)
      if (delay === null) throw error
      upstream.onRetry?.(`its first event was an error (${(error as ShimError).details.code ?? (error as ShimError).status})`)
      await sleepUnlessAborted(delay, context.request.signal)
    }
  }
}

/** How long to wait before opening the route again after a failure in its first read; null when it goes on as it is. */
function firstReadRetryDelay(error: unknown, attempt: number, policy: RetryPolicy): number | null {
  if (!(error instanceof ShimError) || isUsedUpQuota(error)) return null
  return retryDelayForStatus(error.status, attempt, policy)
}

/**
 * An upstream error a fast path passes to its client as it came (the ChatGPT
 * backend's 429, whose body Codex reads for the reset time), as a ShimError:
 * what the fallback chain judges, and throws when a fallback will serve instead.
 */
async function passedThroughError(response: Response, label: string): Promise<ShimError> {
  const info = readErrorBody(await readBounded(response))
  const retryAfter = response.headers.get('retry-after') ?? undefined
  const message = `${label} returned HTTP ${response.status}: ${info.message.slice(0, 1000)}`
  // A prompt too long for this model: a fallback with a larger context may take it.
  if (isContextLengthError(info)) return new ShimError('context_length_exceeded', message, { status: response.status, code: 'context_length_exceeded' })
  // The ChatGPT backend names its usage window in `type` (`usage_limit_reached`), others in `code`.
  return new ShimError('upstream_http', message, { status: response.status, retryAfter, code: info.code ?? info.type })
}

/** Names the model that served, on every answer. */
function routed(response: Response, servedModel: string | undefined): Response {
  if (servedModel) response.headers.set(ROUTED_TO_HEADER, servedModel)
  return response
}

/**
 * A translated answer as the client's stream. For a door whose status waits on it (`failsBeforeStatus`),
 * only once the upstream's first read is in: a failure there, before any of the answer began, is
 * thrown as the error status it would have been. Nothing has been sent yet, and the first token
 * waits for that read anyway.
 */
async function encodedAnswer<Request>(turn: Turn<Request>, { stream: opened, record }: Opened): Promise<ReadableStream<Uint8Array>> {
  const { door, context } = turn
  const { summary } = context
  context.keepAlive()
  const encode = door.encoder(requestOf(turn))
  let failedFirst: ResponseObject['error'] | undefined
  let firstRead = door.failsBeforeStatus === true
  const tracker = firstRead && context.tracker ? new HeldTracker(context.tracker) : context.tracker
  // The terminal event carries the usage and any failure, for the ledger; one set lookup per event.
  const encoded = opened.encoded((event) => {
    if (isTerminalEvent(event)) {
      noteTerminal(summary, event.response)
      if (event.response.id) turn.rememberAnswer?.(event.response.id)
      if (firstRead && event.type === 'response.failed') failedFirst = event.response.error
    } else if (firstRead && event.type === 'response.output_item.added') firstRead = false // an answer began: it streams, failure and all
    record?.(event)
    return encode(event)
  }, tracker)
  const first = firstRead ? firstChunkOf(encoded) : undefined
  if (first) {
    await first
    firstRead = false
    if (failedFirst !== undefined) {
      // Never sent: the request's record is not told of it (a fallback may answer in its place).
      if (tracker instanceof HeldTracker) tracker.drop()
      void encoded.cancel(new Error('answered with an error status')).catch(() => {})
      throw failedAnswerError(failedFirst, { firstRead: true })
    }
  }
  if (tracker instanceof HeldTracker) tracker.release()
  return encoded
}

/**
 * A non-streamed answer's first read, taken inside the route's attempt: a failure there, before any
 * of the answer began, is thrown as the error status it would have been (retries, fallbacks, the
 * breaker), as for a streamed door that holds its status. Without this the answer was read only
 * after the chain had returned, and such a failure never reached a fallback. The events read are
 * handed on, first, to the aggregation; a failure after the answer began is left to it.
 */
async function firstReadJudged(opened: ProviderStream): Promise<ProviderStream> {
  const reader = opened.events().getReader()
  const held: ResponsesEvent[] = []
  for (;;) {
    const next = await reader.read()
    if (next.done) break
    const event = next.value
    if (event.type === 'response.failed') {
      void reader.cancel(new Error('answered with an error status')).catch(() => {})
      throw failedAnswerError(event.response.error, { firstRead: true })
    }
    held.push(event)
    if (isTerminalEvent(event) || event.type === 'response.output_item.added') break
  }
  const events = new ReadableStream<ResponsesEvent>({
    start(controller) {
      for (const event of held) controller.enqueue(event)
    },
    async pull(controller) {
      const next = await reader.read()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
  return {
    headers: opened.headers,
    events: () => events,
    encoded: () => {
      throw new Error('firstReadJudged: a non-streamed answer is aggregated, never encoded') // a bug if reached
    },
  }
}

/**
 * The request's tracker, told nothing until the first read is judged: what a failed first read
 * made is never sent, and its cancel is no client leaving. Released, it passes on what it held.
 */
class HeldTracker implements StreamTracker {
  private held: (() => void)[] | null = []

  constructor(private readonly tracker: StreamTracker) {}

  chunk(size: number, firstToken?: boolean): void {
    if (this.held) this.held.push(() => this.tracker.chunk(size, firstToken))
    else this.tracker.chunk(size, firstToken)
  }

  end(outcome?: string): void {
    if (this.held) this.held.push(() => this.tracker.end(outcome))
    else this.tracker.end(outcome)
  }

  release(): void {
    const held = this.held ?? []
    this.held = null
    for (const told of held) told()
  }

  drop(): void {
    this.held = []
  }
}

/** A translated route's answer: encoded as the client's stream, or aggregated into its final object. */
async function translatedAnswer<Request>(turn: Turn<Request>, opened: Opened): Promise<Response> {
  const { door, context } = turn
  const request = requestOf(turn)
  const { summary } = context
  const { stream: upstream, record } = opened
  if (turn.stream) {
    const encoded = opened.encoded ?? (await encodedAnswer(turn, opened))
    return new Response(encoded, { status: 200, headers: upstream.headers ? { ...SSE_HEADERS, ...upstream.headers } : SHARED_SSE_HEADERS })
  }
  const aggregated = await aggregateEvents(upstream.events(), record ?? undefined)
  noteTerminal(summary, aggregated.response)
  if (aggregated.response.id) turn.rememberAnswer?.(aggregated.response.id)
  const failure = unfinishedAnswerError(aggregated)
  if (failure) throw failure
  return new Response(JSON.stringify(door.final(aggregated.response, request)), { status: 200, headers: { 'content-type': 'application/json', ...upstream.headers } })
}
