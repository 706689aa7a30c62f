import { decodeSse, streamOf } from '../canonical/decode.ts'
import { flattenTools } from '../canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../canonical/types.ts'
import type { ChatCompletion } from '../dialects/chat/api.ts'
import { upstreamHttpError } from '../dialects/chat/errors.ts'
import { fromCanonical, type ChatRequestOptions } from '../dialects/chat/request.ts'
import { completionAsChunks } from '../dialects/chat/response.ts'
import { createChatDecoder } from '../dialects/chat/stream.ts'
import { ShimError } from '../errors.ts'
import { upstreamLabel } from '../server/request-log.ts'
import type { ModelSettings } from '../settings/schema.ts'
import { resolveApiKey } from '../settings/secrets.ts'
import { formatSse } from '../sse/encode.ts'
import { parseJson } from '../sse/parse.ts'
import { openUpstream, readBounded, upstreamOptions } from './http.ts'
import { providerStream, type Provider, type ProviderContext, type ProviderStream } from './types.ts'

// OpenAI's reasoning models (o-series, gpt-5 family) take `reasoning_effort`,
// `verbosity`, `max_completion_tokens`; its other chat models reject the first two.
function isOpenAIReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/i.test(model)
}

/** What this entry's upstream accepts, from settings plus the provider's known quirks. */
export function chatOptionsFor(model: ModelSettings): ChatRequestOptions {
  const openai = model.provider === 'openai' && new URL(model.base_url).hostname === 'api.openai.com'
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
    replayReasoning: !openai,
    supportsPromptCacheKey: openai,
    supportsVerbosity: openaiReasoning,
    supportsServiceTier: openai,
    imageSupport: !model.no_image_support,
    maxOutputTokens: model.max_output_tokens,
  }
}

/** `openai`, `generic-chat-completion-api` and `ollama` entries: Chat Completions over HTTP. */
export function createChatProvider(model: ModelSettings, slug: string): Provider {
  const label = upstreamLabel(model.provider_label, model.base_url)
  return {
    label,
    async open(request: ResponsesRequest, context: ProviderContext): Promise<ProviderStream> {
      const plan = flattenTools(request.tools)
      if (plan.dropped.length) context.log.debug(`${slug}: tools with no chat equivalent dropped: ${plan.dropped.join(', ')}`)
      const body = fromCanonical(request, plan, chatOptionsFor(model))
      const apiKey = resolveApiKey(model)
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...model.extra_headers,
      }
      if (apiKey) headers.authorization = `Bearer ${apiKey}`

      const { response, abort } = await openUpstream(
        { url: `${model.base_url}/chat/completions`, headers, body: JSON.stringify(body), label },
        upstreamOptions(context),
      )
      if (!response.ok) throw upstreamHttpError(response.status, await readBounded(response), response.headers, label)
      if (!response.body) throw new ShimError('upstream_stream', `${label} answered 200 with no body.`)

      const decoderOptions = { model: slug, tools: plan }
      const type = response.headers.get('content-type') ?? ''
      if (type.includes('application/json')) {
        // The upstream ignored stream: true and sent one completion.
        const parsed = parseJson(await readBounded(response, 256 * 1024 * 1024))
        if (!parsed.ok) throw new ShimError('upstream_stream', `${label} sent a body that is neither SSE nor JSON.`)
        const sse = completionAsChunks(parsed.value as ChatCompletion).map(formatSse).join('')
        return providerStream(decodeSse(streamOf([new TextEncoder().encode(sse)]), (emit) => createChatDecoder(emit, decoderOptions)))
      }
      return providerStream(decodeSse(response.body, (emit) => createChatDecoder(emit, decoderOptions), { idleTimeoutMs: context.idleTimeoutMs, onAbort: (reason) => abort(reason) }))
    },
  }
}

/**
 * Same-dialect fast path (Chat client → chat upstream): the client's body is
 * forwarded with only the documented rewrites (upstream model id, our key,
 * `extra_headers`) and the upstream's bytes flow back untouched.
 */
export async function forwardChatCompletion(model: ModelSettings, body: Record<string, unknown>, context: ProviderContext): Promise<Response> {
  const label = upstreamLabel(model.provider_label, model.base_url)
  const apiKey = resolveApiKey(model)
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json', ...model.extra_headers }
  if (apiKey) headers.authorization = `Bearer ${apiKey}`
  const { response } = await openUpstream(
    { url: `${model.base_url}/chat/completions`, headers, body: JSON.stringify({ ...body, model: model.model }), label },
    upstreamOptions(context),
  )
  if (!response.ok) throw upstreamHttpError(response.status, await readBounded(response), response.headers, label)
  return response
}
