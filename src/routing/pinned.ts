import type { ResponsesRequest } from '../canonical/types.ts'
import { THINKING_BUDGETS } from '../dialects/messages/request.ts'
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
    if (typeof pinned.max_tokens !== 'number' || pinned.max_tokens <= budget) pinned.max_tokens = budget + 4096
  }
  return pinned
}
