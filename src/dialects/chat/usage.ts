import type { Usage } from '../../canonical/types.ts'
import type { ChatUsage } from './api.ts'

/** Chat usage → Responses usage (Codex reads cached and reasoning tokens, spec §d.2). */
export function mapChatUsage(usage: ChatUsage): Usage {
  const input = usage.prompt_tokens ?? 0
  const output = usage.completion_tokens ?? 0
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens
  const reasoning = usage.completion_tokens_details?.reasoning_tokens
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning ?? 0 },
    total_tokens: usage.total_tokens ?? input + output,
  }
}
