import { decodeSse } from '../canonical/decode.ts'
import { flattenTools } from '../canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../canonical/types.ts'
import { messagesHttpError } from '../dialects/messages/errors.ts'
import { fromCanonical, type MessagesRequestOptions } from '../dialects/messages/request.ts'
import { createMessagesDecoder } from '../dialects/messages/stream.ts'
import { ShimError } from '../errors.ts'
import { upstreamLabel } from '../server/request-log.ts'
import type { ModelSettings } from '../settings/schema.ts'
import { resolveApiKey } from '../settings/secrets.ts'
import { openUpstream, readBounded, upstreamOptions } from './http.ts'
import { providerStream, type Provider, type ProviderContext, type ProviderStream } from './types.ts'

export const ANTHROPIC_VERSION = '2023-06-01'

// Output caps by Claude family when settings name none: Sonnet and Haiku 4.x allow
// 64k, Opus 4.x 32k; other Anthropic-shaped upstreams (DeepSeek, GLM, Kimi) get a
// conservative default that every one of them accepts.
function defaultMaxTokens(model: string): number {
  if (/claude-(?:.*-)?(?:sonnet|haiku)-4|claude-(?:sonnet|haiku)-[4-9]/i.test(model)) return 64_000
  if (/claude-(?:.*-)?opus-4|claude-opus-[4-9]/i.test(model)) return 32_000
  if (/claude/i.test(model)) return 8192
  return 16_384
}

export function messagesOptionsFor(model: ModelSettings): MessagesRequestOptions {
  return {
    model: model.model,
    maxTokens: model.max_output_tokens ?? defaultMaxTokens(model.model),
    reasoningEfforts: model.reasoning_efforts ?? ['minimal', 'low', 'medium', 'high', 'xhigh', 'max'],
    defaultReasoningEffort: model.reasoning_effort,
    thinkingBudgetTokens: model.thinking_budget_tokens,
    promptCaching: model.prompt_caching ?? true,
    imageSupport: !model.no_image_support,
  }
}

/** `https://api.anthropic.com` → `…/v1/messages`; a base that already ends in /v1 is not doubled. */
export function messagesUrl(baseUrl: string): string {
  return /\/v1$/.test(baseUrl) ? `${baseUrl}/messages` : `${baseUrl}/v1/messages`
}

/** `anthropic` entries: Claude, and the Anthropic-compatible endpoints of DeepSeek, GLM, Kimi. */
export function createAnthropicProvider(model: ModelSettings, slug: string): Provider {
  const label = upstreamLabel(model.provider_label, model.base_url)
  return {
    label,
    async open(request: ResponsesRequest, context: ProviderContext): Promise<ProviderStream> {
      const plan = flattenTools(request.tools)
      if (plan.dropped.length) context.log.debug(`${slug}: tools with no Messages equivalent dropped: ${plan.dropped.join(', ')}`)
      const translation = fromCanonical(request, plan, messagesOptionsFor(model))
      if (translation.droppedReasoning) context.log.debug(`${slug}: ${translation.droppedReasoning} reasoning item(s) from another provider not replayed`)
      const apiKey = resolveApiKey(model)
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'anthropic-version': ANTHROPIC_VERSION,
        ...model.extra_headers,
      }
      if (apiKey) headers['x-api-key'] = apiKey
      const betas = [...new Set([...(headers['anthropic-beta']?.split(',').map((b) => b.trim()).filter(Boolean) ?? []), ...translation.betas])]
      if (betas.length) headers['anthropic-beta'] = betas.join(',')

      const { response, abort } = await openUpstream(
        { url: messagesUrl(model.base_url), headers, body: JSON.stringify(translation.body), label },
        upstreamOptions(context),
      )
      if (!response.ok) throw messagesHttpError(response.status, await readBounded(response), response.headers, label)
      if (!response.body) throw new ShimError('upstream_stream', `${label} answered 200 with no body.`)
      return providerStream(decodeSse(response.body, (emit) => createMessagesDecoder(emit, { model: slug, tools: plan, structuredOutputTool: translation.structuredOutputTool }), { idleTimeoutMs: context.idleTimeoutMs, onAbort: (reason) => abort(reason) }))
    },
  }
}

/**
 * Same-dialect fast path (Messages client → Anthropic upstream): the body goes
 * through with only the model id rewritten; auth becomes our key; the client's
 * `anthropic-version` and `anthropic-beta` are kept (Claude Code relies on betas).
 */
export async function forwardMessages(model: ModelSettings, body: Record<string, unknown>, context: ProviderContext): Promise<Response> {
  const label = upstreamLabel(model.provider_label, model.base_url)
  const apiKey = resolveApiKey(model)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: body.stream ? 'text/event-stream' : 'application/json',
    'anthropic-version': context.clientHeaders.get('anthropic-version') ?? ANTHROPIC_VERSION,
    ...model.extra_headers,
  }
  const beta = context.clientHeaders.get('anthropic-beta')
  if (beta) headers['anthropic-beta'] = beta
  if (apiKey) headers['x-api-key'] = apiKey
  const { response } = await openUpstream(
    { url: messagesUrl(model.base_url), headers, body: JSON.stringify({ ...body, model: model.model }), label },
    upstreamOptions(context),
  )
  if (!response.ok) throw messagesHttpError(response.status, await readBounded(response), response.headers, label)
  return response
}
