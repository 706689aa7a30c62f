import { forwardedAnswer, forwardedText, upstreamRefusedRequest } from './forwarded.ts'
import { withoutShimThinking } from '../dialects/messages/shim-thinking.ts'
import { decodeBody } from '../canonical/decode.ts'
import { assertChoiceHonoured, droppedToolsNote, flattenTools } from '../canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../canonical/types.ts'
import { messagesHttpError } from '../dialects/messages/errors.ts'
import { MESSAGES_PASSTHROUGH } from '../dialects/messages/from-events.ts'
import { fromCanonical, type MessagesRequestOptions } from '../dialects/messages/request.ts'
import { createMessagesDecoder } from '../dialects/messages/stream.ts'
import type { ModelSettings } from '../settings/schema.ts'
import { resolveApiKey } from '../settings/secrets.ts'
import { upstreamLabel, type ProviderContext } from '../upstream/context.ts'
import { openUpstream, readBounded, upstreamOptions } from '../upstream/http.ts'
import { eventStreamOf } from '../upstream/passthrough.ts'
import { withOpencodeSession } from './opencode-session.ts'
import { providerStream, type ForwardBody, type ProviderImplementation, type ProviderStream, type ProviderTarget } from './types.ts'

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

const label = (model: ModelSettings) => upstreamLabel(model.provider_label, model.base_url)

function anthropicHeaders(model: ModelSettings, accept: string, version: string, context: ProviderContext, request: object): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept, 'anthropic-version': version, ...model.extra_headers }
  const apiKey = resolveApiKey(model)
  if (apiKey) headers['x-api-key'] = apiKey
  withOpencodeSession(headers, model, context.clientHeaders, request)
  return headers
}

async function open(request: ResponsesRequest, { slug, model }: ProviderTarget, context: ProviderContext): Promise<ProviderStream> {
  const plan = flattenTools(request.tools)
  assertChoiceHonoured(request.tool_choice, plan, label(model))
  const note = droppedToolsNote(slug, plan, label(model))
  if (note) context.log.info(note)
  const translation = fromCanonical(request, plan, messagesOptionsFor(model))
  if (translation.droppedReasoning) context.log.debug(`${slug}: ${translation.droppedReasoning} reasoning item(s) from another provider not replayed`)
  const headers = anthropicHeaders(model, 'text/event-stream', ANTHROPIC_VERSION, context, request)
  const betas = [...new Set([...(headers['anthropic-beta']?.split(',').map((b) => b.trim()).filter(Boolean) ?? []), ...translation.betas])]
  if (betas.length) headers['anthropic-beta'] = betas.join(',')

  const { response, abort } = await openUpstream({ url: messagesUrl(model.base_url), headers, body: JSON.stringify(translation.body), label: label(model) }, upstreamOptions(context))
  if (!response.ok) throw messagesHttpError(response.status, await readBounded(response), response.headers, label(model))
  const decoder = { model: slug, tools: plan, structuredOutputTool: translation.structuredOutputTool, structuredOutputForced: translation.structuredOutputForced }
  const events = await eventStreamOf(response, MESSAGES_PASSTHROUGH, label(model), context.idleTimeoutMs)
  return providerStream(decodeBody(events, (emit) => createMessagesDecoder(emit, decoder), { idleTimeoutMs: context.idleTimeoutMs, onAbort: (reason) => abort(reason) }))
}

/**
 * Same-dialect fast path (Messages client → Anthropic upstream): the body goes
 * through with only the model id rewritten; auth becomes our key; the client's
 * `anthropic-version` and `anthropic-beta` are kept (Claude Code relies on betas).
 */
async function forward(body: ForwardBody, { slug, model }: ProviderTarget, context: ProviderContext): Promise<Response> {
  const headers = anthropicHeaders(model, body.stream ? 'text/event-stream' : 'application/json', context.clientHeaders.get('anthropic-version') ?? ANTHROPIC_VERSION, context, body.json)
  const beta = context.clientHeaders.get('anthropic-beta')
  if (beta) headers['anthropic-beta'] = beta
  const name = label(model)
  const opened = await openUpstream({ url: messagesUrl(model.base_url), headers, body: forwardedText(withoutShimThinkingIn(body), model.model), label: name }, upstreamOptions(context))
  const { response } = opened
  if (!response.ok && !upstreamRefusedRequest(response.status)) throw messagesHttpError(response.status, await readBounded(response), response.headers, name)
  return forwardedAnswer(opened, body, slug, name, context)
}

/**
 * The client's bytes unless they may hold thinking codex-shim made for another model (a switch
 * to Claude mid-conversation): our signatures all spell `codex-shim`, so most bodies are not parsed.
 */
function withoutShimThinkingIn(body: ForwardBody): ForwardBody {
  if (body.text !== null && !body.text.includes('codex-shim')) return body
  const json = withoutShimThinking(body.json)
  return json === body.json ? body : { ...body, json, text: null }
}

/** `anthropic` entries: Claude, and the Anthropic-compatible endpoints of DeepSeek, GLM and Kimi. */
export const anthropicProvider: ProviderImplementation = {
  label,
  open,
  forward,
}
