import { forwardedAnswer, forwardedText, upstreamRefusedRequest } from './forwarded.ts'
import { decodeBody } from '../canonical/decode.ts'
import { assertChoiceHonoured, droppedToolsNote, flattenTools } from '../canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../canonical/types.ts'
import { upstreamHttpError } from '../dialects/chat/errors.ts'
import { fromCanonical, type ChatRequestOptions, type StructuredOutput } from '../dialects/chat/request.ts'
import { CHAT_PASSTHROUGH } from '../dialects/chat/from-events.ts'
import { createChatDecoder } from '../dialects/chat/stream.ts'
import type { ModelSettings } from '../settings/schema.ts'
import { resolveApiKey } from '../settings/secrets.ts'
import { upstreamLabel, type ProviderContext } from '../upstream/context.ts'
import { openUpstream, readBounded, upstreamOptions } from '../upstream/http.ts'
import { eventStreamOf } from '../upstream/passthrough.ts'
import { withOpencodeSession } from './opencode-session.ts'
import { providerStream, type ForwardBody, type ProviderImplementation, type ProviderStream, type ProviderTarget } from './types.ts'
import { baseUrlHost } from '../upstream/base-url.ts'

// OpenAI's reasoning models (o-series, gpt-5 family) take `reasoning_effort`,
// `verbosity`, `max_completion_tokens`; its other chat models reject the first two.
function isOpenAIReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/i.test(model)
}

/**
 * DeepSeek's API takes `response_format` `text` or `json_object` and answers `json_schema` with 400
 * "This response_format type is unavailable now", so on its own host a schema goes as JSON mode plus
 * an instruction unless the entry says otherwise.
 */
function defaultStructuredOutput(model: ModelSettings): StructuredOutput {
  return baseUrlHost(model.base_url)?.hostname === 'api.deepseek.com' ? 'json_object' : 'json_schema'
}

/**
 * Gemini behind Google's own OpenAI-compatible endpoints (AI Studio, Vertex AI), or named as Gemini
 * where the host does not say (a proxy in front): Gemini 3 checks the thought signatures on the calls
 * of the current turn. `google/…` names are OpenRouter's and LiteLLM's, which carry signatures their own way.
 */
function checksThoughtSignatures(model: ModelSettings): boolean {
  const host = baseUrlHost(model.base_url)?.hostname ?? ''
  return host === 'generativelanguage.googleapis.com' || host === 'aiplatform.googleapis.com' || host.endsWith('-aiplatform.googleapis.com') || /^gemini-/i.test(model.model)
}

/**
 * Groq and Cerebras validate every field of a message and answer an assistant message's
 * `reasoning_content` with 400 "property 'messages.N.assistant.reasoning_content' is unsupported"
 * (they stream reasoning as `reasoning`); neither needs earlier reasoning back.
 */
function refusesReasoningContent(model: ModelSettings): boolean {
  const host = baseUrlHost(model.base_url)?.hostname
  return host === 'api.groq.com' || host === 'api.cerebras.ai'
}

/**
 * DeepSeek in thinking mode (the V4 models' default, and deepseek-reasoner) answers 400 "The
 * `reasoning_content` in the thinking mode must be passed back to the API" when any assistant turn
 * of the history lacks it (api-docs.deepseek.com/guides/thinking_mode; a turn another model wrote:
 * anomalyco/opencode#24146, openclaw/openclaw#73417). Its own host, or its model ids behind another.
 */
function wantsReasoningOnEveryTurn(model: ModelSettings): boolean {
  return baseUrlHost(model.base_url)?.hostname === 'api.deepseek.com' || /^deepseek-(?:v4|reasoner)/i.test(model.model)
}

/** What this entry's upstream accepts, from settings plus the provider's known quirks. */
export function chatOptionsFor(model: ModelSettings): ChatRequestOptions {
  const openai = model.provider === 'openai' && baseUrlHost(model.base_url)?.hostname === 'api.openai.com'
  const openaiReasoning = openai && isOpenAIReasoningModel(model.model)
  // Settings name the efforts; a configured default alone means "reasons, standard levels".
  const standard = ['low', 'medium', 'high']
  const efforts =
    model.reasoning_efforts ??
    (model.reasoning_effort ? [...new Set([...standard, model.reasoning_effort])] : openaiReasoning ? standard : undefined)
  return {
    model: model.model,
    maxTokensField: openai ? 'max_completion_tokens' : 'max_tokens',
    reasoningEfforts: efforts,
    defaultReasoningEffort: model.reasoning_effort,
    // OpenAI rejects reasoning_content on input; DeepSeek-style thinking models need it back within a tool loop.
    replayReasoning: !openai && !refusesReasoningContent(model),
    reasoningOnEveryAssistantTurn: wantsReasoningOnEveryTurn(model),
    supportsPromptCacheKey: openai,
    supportsVerbosity: openaiReasoning,
    supportsServiceTier: openai,
    imageSupport: !model.no_image_support,
    maxOutputTokens: model.max_output_tokens,
    structuredOutput: model.structured_output ?? defaultStructuredOutput(model),
    checksThoughtSignatures: checksThoughtSignatures(model),
  }
}

function chatHeaders(model: ModelSettings, accept: string, context: ProviderContext, request: object): Record<string, string> {
  const apiKey = resolveApiKey(model)
  const headers: Record<string, string> = { 'content-type': 'application/json', accept, ...model.extra_headers }
  if (apiKey) headers.authorization = `Bearer ${apiKey}`
  withOpencodeSession(headers, model, context.clientHeaders, request)
  return headers
}

const label = (model: ModelSettings) => upstreamLabel(model.provider_label, model.base_url)

async function open(request: ResponsesRequest, { slug, model }: ProviderTarget, context: ProviderContext): Promise<ProviderStream> {
  const plan = flattenTools(request.tools)
  assertChoiceHonoured(request.tool_choice, plan, label(model))
  const note = droppedToolsNote(slug, plan, label(model))
  if (note) context.log.info(note)
  const body = fromCanonical(request, plan, chatOptionsFor(model))
  const { response, abort } = await openUpstream(
    { url: `${model.base_url}/chat/completions`, headers: chatHeaders(model, 'text/event-stream', context, request), body: JSON.stringify(body), label: label(model) },
    upstreamOptions(context),
  )
  if (!response.ok) throw upstreamHttpError(response.status, await readBounded(response), response.headers, label(model))
  const decoderOptions = { model: slug, upstreamModel: model.model, tools: plan }
  const events = await eventStreamOf(response, CHAT_PASSTHROUGH, label(model), context.idleTimeoutMs)
  return providerStream(decodeBody(events, (emit) => createChatDecoder(emit, decoderOptions), { idleTimeoutMs: context.idleTimeoutMs, onAbort: (reason) => abort(reason) }))
}

/**
 * Same-dialect fast path (Chat client → chat upstream): the client's body is
 * forwarded with only the documented rewrites (upstream model id, our key,
 * `extra_headers`) and the upstream's bytes flow back untouched but for the
 * answer's model name.
 */
async function forward(body: ForwardBody, { slug, model }: ProviderTarget, context: ProviderContext): Promise<Response> {
  const name = label(model)
  // A stream whose client did not ask for usage still has the upstream report it (as translated
  // routes do), for the ledger; the usage chunk is then kept from the client, which did not ask.
  // Without it the ledger could only guess from the stream's bytes, ~35 times too high.
  const options = body.json.stream_options as { include_usage?: unknown } | null | undefined
  const addUsage = body.stream && options?.include_usage !== true
  const sent = forwardedText(body, model.model, addUsage ? { stream_options: { ...options, include_usage: true } } : undefined)
  const opened = await openUpstream(
    { url: `${model.base_url}/chat/completions`, headers: chatHeaders(model, body.stream ? 'text/event-stream' : 'application/json', context, body.json), body: sent, label: name },
    upstreamOptions(context),
  )
  const { response } = opened
  if (!response.ok && !upstreamRefusedRequest(response.status)) throw upstreamHttpError(response.status, await readBounded(response), response.headers, name)
  return forwardedAnswer(opened, body, slug, name, context, { dropUsageChunks: addUsage })
}

/** Chat Completions over HTTP: `openai`, `generic-chat-completion-api` and `ollama` entries share it. */
export const chatProvider: ProviderImplementation = { label, open, forward }
