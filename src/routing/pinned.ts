import type { ResponsesRequest } from '../canonical/types.ts'
import { MIN_THINKING_BUDGET, THINKING_BUDGETS } from '../dialects/messages/request.ts'
import type { AliasSettings } from '../settings/schema.ts'

/** An alias's pinned options win over what the client sent: that is what the alias is for. */
export function pinCanonical(request: ResponsesRequest, alias: AliasSettings | undefined): ResponsesRequest {
  if (!alias) return request
  const pinned: ResponsesRequest = { ...request }
  if (alias.reasoning_effort) pinned.reasoning = { ...request.reasoning, effort: alias.reasoning_effort }
  if (alias.service_tier) pinned.service_tier = alias.service_tier
  if (alias.max_output_tokens) pinned.max_output_tokens = alias.max_output_tokens
  if (alias.verbosity) pinned.text = { ...request.text, verbosity: alias.verbosity }
  return pinned
}

/** The same pins on a raw Chat Completions body (fast path). */
export function pinChatBody(body: Record<string, unknown>, alias: AliasSettings | undefined): Record<string, unknown> {
  if (!alias) return body
  const pinned = { ...body }
  if (alias.reasoning_effort) pinned.reasoning_effort = alias.reasoning_effort
  if (alias.service_tier) pinned.service_tier = alias.service_tier
  if (alias.verbosity) pinned.verbosity = alias.verbosity
  if (alias.max_output_tokens) {
    if ('max_completion_tokens' in pinned) pinned.max_completion_tokens = alias.max_output_tokens
    else pinned.max_tokens = alias.max_output_tokens
  }
  return pinned
}

/** The same pins on a raw Messages body (fast path): effort becomes a thinking budget. */
export function pinMessagesBody(body: Record<string, unknown>, alias: AliasSettings | undefined): Record<string, unknown> {
  if (!alias) return body
  const pinned = { ...body }
  if (alias.max_output_tokens) pinned.max_tokens = alias.max_output_tokens
  if (alias.reasoning_effort === 'none') delete pinned.thinking
  else if (alias.reasoning_effort) {
    const budget = THINKING_BUDGETS[alias.reasoning_effort] ?? THINKING_BUDGETS.medium!
    pinned.thinking = { type: 'enabled', budget_tokens: budget }
    // Room for the answer, unless the alias pins the cap: that cap is what the alias is for.
    if (!alias.max_output_tokens && (typeof pinned.max_tokens !== 'number' || pinned.max_tokens <= budget)) pinned.max_tokens = budget + 4096
  }
  if (alias.max_output_tokens) fitThinking(pinned, alias.max_output_tokens)
  return pinned
}

/**
 * A pinned cap counts thinking and answer together, as on translated routes (dialects/messages/request.ts):
 * thinking gets at most half of it, and none below Anthropic's minimum. Without this, a budget at or
 * over the cap (the client's own, or the alias's effort) is Anthropic's 400, or the cap is raised past.
 */
function fitThinking(pinned: Record<string, unknown>, cap: number): void {
  const thinking = pinned.thinking as { type?: unknown; budget_tokens?: unknown } | undefined
  if (thinking?.type !== 'enabled' || typeof thinking.budget_tokens !== 'number') return
  const room = Math.floor(cap / 2)
  if (thinking.budget_tokens <= room) return
  if (room < MIN_THINKING_BUDGET) delete pinned.thinking
  else pinned.thinking = { ...thinking, budget_tokens: room }
}
