import { aggregateEvents, unfinishedAnswerError } from '../canonical/aggregate.ts'
import { decodeBody } from '../canonical/decode.ts'
import { isTerminalEvent, type ResponsesEvent, type ResponsesRequest } from '../canonical/types.ts'
import { refuseStopSequences } from '../canonical/unsupported.ts'
import { clientResponseHeaders } from '../chatgpt/backend.ts'
import { patchForBackend } from '../chatgpt/patch-body.ts'
import type { ChatgptService } from '../chatgpt/service.ts'
import { createResponsesDecoder } from '../dialects/responses/stream.ts'
import { ShimError } from '../errors.ts'
import type { ModelSettings } from '../settings/schema.ts'
import { formatEvent, SSE_HEADERS } from '../sse/encode.ts'
import { watchPassthrough } from '../sse/watch.ts'
import { readBounded, readWhole } from '../upstream/http.ts'
import { jsonObjectOf, notOneAnswer } from '../upstream/passthrough.ts'
import { providerStream, type ForwardBody, type ProviderImplementation, type ProviderStream, type ProviderTarget, type RequestContext } from './types.ts'
import { failureCodeTo, forwardedText } from './forwarded.ts'

/** True for requests from Codex itself (it identifies with an `originator` header). */
export function isCodexClient(headers: Headers): boolean {
  return Boolean(headers.get('originator'))
}

function serviceOf(context: RequestContext): ChatgptService {
  const service = context.services.chatgpt
  if (!service) throw new ShimError('auth_expired', 'The ChatGPT integration is off (CODEX_SHIM_DISABLE_CHATGPT) or there is no login; run `codex login`.')
  return service
}

/** The patched body to send: the original bytes when nothing needed changing. */
async function backendBody(service: ChatgptService, model: ModelSettings, request: Record<string, unknown>, rawText: string | null, clientHeaders: Headers): Promise<string> {
  const patched = patchForBackend(request, {
    model: model.model,
    clientIsCodex: isCodexClient(clientHeaders),
    efforts: await service.catalog.efforts(model.model).catch(() => null),
    pinnedEffort: model.reasoning_effort,
    pinnedServiceTier: model.service_tier,
  })
  return patched ? JSON.stringify(patched) : (rawText ?? JSON.stringify(request))
}

/** The backend's 429 is a usage window (`usage_limit_reached`), not a blip: never retried, told as is. */
async function usageLimitError(response: Response): Promise<ShimError> {
  const text = await readBounded(response)
  let code = 'rate_limit_exceeded'
  let message = text.slice(0, 500)
  try {
    const json = JSON.parse(text) as { error?: { type?: string; message?: string } }
    if (json.error?.type === 'usage_limit_reached') code = 'usage_limit_reached'
    message = json.error?.message ?? message
  } catch {}
  return new ShimError('upstream_http', `ChatGPT: ${message}`, { status: 429, code, retryAfter: response.headers.get('retry-after') ?? undefined })
}

/** Every other client reads the subscription's stream as canonical events. */
async function open(request: ResponsesRequest, { slug, model }: ProviderTarget, context: RequestContext): Promise<ProviderStream> {
  refuseStopSequences(request, 'the ChatGPT subscription')
  const service = serviceOf(context)
  const response = await service.send(await backendBody(service, model, request, null, context.clientHeaders), context)
  if (response.status === 429) throw await usageLimitError(response)
  if (!response.body) throw new ShimError('upstream_stream', 'The ChatGPT backend answered with no body.')
  return providerStream(decodeBody(response.body, (emit) => createResponsesDecoder(emit, { model: slug }), { idleTimeoutMs: context.idleTimeoutMs }), clientResponseHeaders(response.headers))
}

/**
 * Responses client → ChatGPT subscription: the byte-level fast path. The body
 * goes out patched only where the backend requires it (the original bytes
 * when nothing needed patching); the backend's SSE comes back untouched, with
 * its `x-codex-*` headers (rate limits, turn state) and without `openai-model`.
 */
async function forward(body: ForwardBody, { slug, model }: ProviderTarget, context: RequestContext): Promise<Response> {
  const service = serviceOf(context)
  const upstream = await service.send(await backendBody(service, model, body.json, body.text, context.clientHeaders), context)
  const headers = clientResponseHeaders(upstream.headers)
  // A 429 keeps the backend's body: Codex turns usage_limit_reached into its own message with the reset time.
  if (upstream.status === 429) return new Response(await readBounded(upstream), { status: 429, headers: { 'content-type': 'application/json', ...headers } })
  if (!upstream.body) throw new ShimError('upstream_stream', 'The ChatGPT backend answered with no body.')
  const decode = () => decodeBody(upstream.body!, (emit) => createResponsesDecoder(emit, { model: slug }), { idleTimeoutMs: context.idleTimeoutMs })
  // Decoded answers tell the ledger their usage and the response store their events, as translated routes do.
  const observe = (event: ResponsesEvent) => {
    if (isTerminalEvent(event) && event.response.usage) body.onUsage?.(event.response.usage)
    // An answer that failed after its 200 is recorded as failed, as on every other route.
    if (event.type === 'response.failed') body.onError?.(event.response.error?.code ?? 'server_error')
    body.onEvent?.(event)
  }
  if (body.stream) {
    context.keepAlive()
    // Codex gets the bytes untouched. Other clients get the events the Responses API defines: the
    // decoder drops the backend's keepalive, codex.rate_limits and error events, and unknown types.
    const stream = isCodexClient(context.clientHeaders) ? watchPassthrough(upstream.body, body.passthrough, { idleTimeoutMs: context.idleTimeoutMs, rename: slug, onUsage: body.onUsage, tracker: context.tracker, onFailure: failureCodeTo(body.onError) }) : decode().encoded((event) => (observe(event), formatEvent(event)), context.tracker)
    return new Response(stream, { status: 200, headers: { ...SSE_HEADERS, ...headers } })
  }
  // The backend only streams: a client that asked for one object gets the stream aggregated.
  const aggregated = await aggregateEvents(decode().events(), body.onEvent)
  if (aggregated.response.usage) body.onUsage?.(aggregated.response.usage)
  const failure = unfinishedAnswerError(aggregated)
  if (failure) throw failure
  return new Response(JSON.stringify(aggregated.response), { status: 200, headers: { 'content-type': 'application/json', ...headers } })
}

/** The backend compacts itself: forwarded untouched (model name aside), its answer returned as is. */
async function compact(body: ForwardBody, { model }: ProviderTarget, context: RequestContext): Promise<Response> {
  const payload = forwardedText(body, model.model)
  const upstream = await serviceOf(context).send(payload, context, '/codex/responses/compact')
  const bytes = await readWhole(upstream, { idleTimeoutMs: context.idleTimeoutMs, label: 'The ChatGPT backend' })
  if (upstream.ok && !jsonObjectOf(bytes)) throw notOneAnswer('The ChatGPT backend', upstream.status, upstream.headers.get('content-type'), bytes)
  return new Response(bytes, { status: upstream.status, headers: { 'content-type': 'application/json', ...clientResponseHeaders(upstream.headers) } })
}

/** The ChatGPT subscription (`chatgpt` routes): the Responses API with the user's `codex login` token. */
export const chatgptProvider: ProviderImplementation = {
  label: () => 'chatgpt',
  open,
  forward,
  compact,
}
