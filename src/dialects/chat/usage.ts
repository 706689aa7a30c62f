import type { Usage } from '../../canonical/types.ts'
import type { ChatChunk, ChatUsage } from './api.ts'

/**
 * The usage a stream chunk carries: OpenAI's is on the chunk (a last chunk with empty choices);
 * Moonshot (Kimi) puts it on the finishing choice instead (`choices[0].usage`).
 */
export function chunkUsage(chunk: ChatChunk): ChatUsage | undefined {
  if (chunk.usage && typeof chunk.usage === 'object') return chunk.usage
  for (const choice of chunk.choices ?? []) if ((choice.index ?? 0) === 0 && choice.usage && typeof choice.usage === 'object') return choice.usage
  return undefined
}

/**
 * Output tokens, reasoning included (OpenAI's convention), and the reasoning among them. Some
 * upstreams leave the reasoning out of `completion_tokens` but count it in `total_tokens`: Google's
 * OpenAI-compatible endpoint (Gemini's thinking, with no `reasoning_tokens` at all) and xAI (which
 * reports them apart). What total_tokens has beyond prompt and completion is then that output.
 */
export function chatOutputTokens(usage: ChatUsage): { output: number | undefined; reasoning: number | undefined } {
  const completion = usage.completion_tokens
  const reported = usage.completion_tokens_details?.reasoning_tokens
  const { prompt_tokens: prompt, total_tokens: total } = usage
  const unlisted = typeof prompt === 'number' && typeof completion === 'number' && typeof total === 'number' ? total - prompt - completion : 0
  if (!(unlisted > 0)) return { output: completion, reasoning: reported }
  return { output: completion! + unlisted, reasoning: reported ?? unlisted }
}

/** Chat usage → Responses usage (Codex reads cached and reasoning tokens, spec §d.2). */
export function mapChatUsage(usage: ChatUsage): Usage {
  const input = usage.prompt_tokens ?? 0
  const counted = chatOutputTokens(usage)
  const output = counted.output ?? 0
  // OpenAI's place first, then DeepSeek's, then Moonshot's (Kimi's top-level `cached_tokens`).
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens ?? usage.cached_tokens
  const reasoning = counted.reasoning
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning ?? 0 },
    total_tokens: usage.total_tokens ?? input + output,
  }
}
