import { forwardedAnswer, forwardedText, upstreamRefusedRequest } from './forwarded.ts'
import { decodeBody } from '../canonical/decode.ts'
import type { ResponsesItem, ResponsesRequest } from '../canonical/types.ts'
import { withoutShimItems } from '../canonical/shim-items.ts'
import { refuseStopSequences } from '../canonical/unsupported.ts'
import { translatedEffort } from '../canonical/effort.ts'
import { upstreamHttpError } from '../dialects/chat/errors.ts'
import { RESPONSES_PASSTHROUGH } from '../dialects/responses/errors.ts'
import { createResponsesDecoder } from '../dialects/responses/stream.ts'
import type { ModelSettings } from '../settings/schema.ts'
import { resolveApiKey } from '../settings/secrets.ts'
import { upstreamLabel, type ProviderContext } from '../upstream/context.ts'
import { openUpstream, readBounded, upstreamOptions } from '../upstream/http.ts'
import { eventStreamOf, passthroughResponse } from '../upstream/passthrough.ts'
import { providerStream, type ForwardBody, type ProviderImplementation, type ProviderStream, type ProviderTarget, type StoredCall } from './types.ts'

const label = (model: ModelSettings) => upstreamLabel(model.provider_label, model.base_url)

function headersFor(model: ModelSettings, accept: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept, ...model.extra_headers }
  const apiKey = resolveApiKey(model)
  if (apiKey) headers.authorization = `Bearer ${apiKey}`
  return headers
}

/** `forwarding`: a fast path, whose client gets the upstream's refusal of its own body as it came. */
async function post(model: ModelSettings, body: string, accept: string, context: ProviderContext, forwarding = false) {
  const opened = await openUpstream({ url: `${model.base_url}/responses`, headers: headersFor(model, accept), body, label: label(model) }, upstreamOptions(context))
  if (forwarding && upstreamRefusedRequest(opened.response.status)) return opened
  // Errors come in OpenAI's shape, the same as Chat Completions'.
  if (!opened.response.ok) throw upstreamHttpError(opened.response.status, await readBounded(opened.response), opened.response.headers, label(model))
  return opened
}

/**
 * Chat and Messages clients: their request, already in canonical form, is a
 * Responses request. It is sent with `store: false`, since nothing will
 * continue it upstream, and read back as canonical events.
 */
async function open(request: ResponsesRequest, { slug, model }: ProviderTarget, context: ProviderContext): Promise<ProviderStream> {
  refuseStopSequences(request, label(model))
  const input = Array.isArray(request.input) ? withoutShimItems(request.input, { stored: false }) : request.input
  const body = JSON.stringify({ ...request, input, model: model.model, stream: true, store: false, ...atLeastMinimumCap(request), ...clampedReasoning(request, model), ...withEncryptedReasoning(request, model) })
  const { response, abort } = await post(model, body, 'text/event-stream', context)
  const events = await eventStreamOf(response, RESPONSES_PASSTHROUGH, label(model), context.idleTimeoutMs)
  return providerStream(decodeBody(events, (emit) => createResponsesDecoder(emit, { model: slug }), { idleTimeoutMs: context.idleTimeoutMs, onAbort: (reason) => abort(reason) }))
}

/** OpenAI's Responses API (Azure's too) refuses an output cap below this; Chat and Messages take 1. */
const MIN_OUTPUT_CAP = 16

/**
 * A Chat or Messages client's small cap (`max_tokens: 1`: a yes/no classifier, a health probe) would
 * be refused as `max_output_tokens`, a field it never sent: it goes as the upstream's minimum.
 */
function atLeastMinimumCap(request: ResponsesRequest): { max_output_tokens?: number } {
  const cap = request.max_output_tokens
  return typeof cap === 'number' && cap < MIN_OUTPUT_CAP ? { max_output_tokens: MIN_OUTPUT_CAP } : {}
}

/**
 * A translated request's effort, as the entry's `reasoning_efforts` allow: a Messages client's
 * thinking budget maps to `minimal`…`max`, which a model that takes low/medium/high refuses.
 * Off, for a model without `none`: no effort sent, rather than its weakest level. Unchanged
 * when the entry lists no efforts.
 */
function clampedReasoning(request: ResponsesRequest, model: ModelSettings): { reasoning?: ResponsesRequest['reasoning'] } {
  const supported = model.reasoning_efforts
  const requested = request.reasoning?.effort
  if (!supported?.length || !requested) return {}
  const effort = translatedEffort(requested, supported)
  const { effort: _dropped, ...rest } = request.reasoning!
  const kept = effort && (effort !== 'none' || supported.includes('none')) ? { ...rest, effort } : rest
  return { reasoning: Object.keys(kept).length ? kept : undefined }
}

/**
 * Nothing is stored upstream, so a reasoning model's chain of thought survives a tool call only if
 * its encrypted reasoning comes back to the client (a Messages client carries it in the thinking
 * block's signature) and is sent again: asked for whenever the request asks for reasoning, or the
 * entry says the model reasons (`reasoning_efforts` beyond `none`: it reasons whether asked or not).
 * Not otherwise: some Responses servers refuse an `include` they do not know.
 */
function withEncryptedReasoning(request: ResponsesRequest, model: ModelSettings): { include?: string[] } {
  const effort = request.reasoning?.effort
  const reasons = effort ? effort !== 'none' : Boolean(model.reasoning_efforts?.some((level) => level !== 'none'))
  if (!reasons) return {}
  const include = Array.isArray(request.include) ? request.include : []
  return { include: include.includes('reasoning.encrypted_content') ? include : [...include, 'reasoning.encrypted_content'] }
}

/**
 * Responses clients (Codex, the openai SDK's `responses.*`): the byte-level
 * fast path. Only the model and the auth change (and reasoning codex-shim made for other
 * models leaves, see below), so hosted tools, `store`,
 * `previous_response_id`, `include` and encrypted reasoning reach the
 * upstream as the client sent them.
 */
async function forward(body: ForwardBody, { slug, model }: ProviderTarget, context: ProviderContext): Promise<Response> {
  const sent = withoutForeignReasoning(body)
  return forwardedAnswer(await post(model, forwardedText(sent, model.model), body.stream ? 'text/event-stream' : 'application/json', context, true), body, slug, label(model), context)
}

/**
 * The one change besides the model: a conversation that ran on other models through codex-shim
 * (Codex switched from Claude, say) holds reasoning this server cannot read, and every later turn
 * would be refused with it. Sent again without those items; the client's own bytes otherwise.
 * OpenAI stores a request unless it says `store: false`.
 */
function withoutForeignReasoning(body: ForwardBody): ForwardBody {
  const input = body.json.input
  if (!Array.isArray(input)) return body
  const kept = withoutShimItems(input as ResponsesItem[], { stored: body.json.store !== false })
  return kept === input ? body : { ...body, json: { ...body.json, input: kept }, text: null }
}

/**
 * A response this upstream stored (the fast path passed it through; the shim never held it):
 * read, listed or deleted there, or its events replayed (`?stream=true`). The answer goes to the
 * client as a fast path's does: scrubbed of what we sent, under the idle limit, and named by the
 * entry's slug; a 404 or a refused query as the upstream wrote it. Other failures are ShimErrors.
 */
async function stored(call: StoredCall, { slug, model }: ProviderTarget, context: ProviderContext): Promise<Response> {
  const stream = new URLSearchParams(call.query).get('stream') === 'true'
  const opened = await openUpstream({ method: call.method, url: `${model.base_url}/responses/${call.path}${call.query}`, headers: headersFor(model, stream ? 'text/event-stream' : 'application/json'), label: label(model) }, upstreamOptions(context))
  const { response } = opened
  if (!(response.ok || response.status === 404 || upstreamRefusedRequest(response.status))) throw upstreamHttpError(response.status, await readBounded(response), response.headers, label(model))
  return passthroughResponse(response, { stream: stream && response.ok, dialect: RESPONSES_PASSTHROUGH, clientModel: slug, idleTimeoutMs: context.idleTimeoutMs, label: label(model), keepAlive: context.keepAlive, onAbort: opened.abort })
}

/** `openai-responses` entries: OpenAI, Azure OpenAI's v1 API, OpenRouter, xAI, LM Studio, llama.cpp, vLLM. */
export const openaiResponsesProvider: ProviderImplementation = {
  label,
  open,
  forward,
  stored,
}
